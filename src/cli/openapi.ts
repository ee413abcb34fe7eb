import { stringify } from "yaml";
import { describeCapability } from "../describe.js";
import { openApiDocument } from "../exposes/rest/openapi.js";
import { schemasFromOpenApi } from "../spec/openapi-schemas.js";
import { VERSION } from "../version.js";
import { parseCommandArgs } from "./args.js";
import { loadOrReport } from "./common.js";

/** `naftiko openapi <file>`: prints the OpenAPI 3.1 document of a REST exposes block. */
export async function openapiCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parseCommandArgs(argv, {
    format: { type: "string" },
    exposes: { type: "string" },
    server: { type: "string" },
    openapi: { type: "string" },
  });
  if (positionals.length !== 1) {
    process.stderr.write(
      'naftiko openapi: name exactly one capability file, e.g. "naftiko openapi metal-interconnections.naftiko.yaml > openapi.yaml"\n',
    );
    return 2;
  }
  const format = values.format ?? "yaml";
  if (format !== "yaml" && format !== "json") {
    process.stderr.write(`naftiko openapi: --format must be yaml or json, got "${format}"\n`);
    return 2;
  }
  const capability = await loadOrReport("openapi", positionals[0]);
  if (typeof capability === "number") return capability;
  let schemas;
  try {
    schemas = await schemasFromOpenApi(capability, values.openapi);
  } catch (e) {
    process.stderr.write(`naftiko openapi: ${(e as Error).message}\n`);
    return 1;
  }
  const { rest, runtime } = describeCapability(capability, { describeOnly: true, schemas: schemas?.byOperation });
  await runtime.close();
  if (rest.length === 0) {
    process.stderr.write(
      `naftiko openapi: ${positionals[0]} has no type: rest exposes block, so there is no REST API to describe (its MCP tools: see "naftiko inspect ${positionals[0]}")\n`,
    );
    return 1;
  }
  const chosen = values.exposes ? rest.find((r) => r.block.namespace === values.exposes) : rest[0];
  if (!chosen) {
    process.stderr.write(
      `naftiko openapi: no REST exposes block "${values.exposes}"; choose one of: ${rest.map((r) => r.block.namespace).join(", ")}\n`,
    );
    return 2;
  }
  if (!values.exposes && rest.length > 1) {
    process.stderr.write(
      `naftiko openapi: describing ${chosen.block.namespace}; the file has ${rest.length} REST blocks (choose with --exposes <ns>)\n`,
    );
  }
  const doc = openApiDocument(capability, chosen.block, chosen.routes, { serverUrl: values.server, runtimeVersion: VERSION });
  process.stdout.write(
    format === "json" ? `${JSON.stringify(doc, null, 2)}\n` : stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false }),
  );
  return 0;
}
