import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { stringify } from "yaml";
import { importOpenApi } from "../import/openapi.js";
import { readOpenApi } from "../openapi/document.js";
import { parseCommandArgs } from "./args.js";

/** `naftiko import openapi <doc> [--tag T]... [--out dir]`: one generated-dialect capability file per tag. */
export async function importCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parseCommandArgs(argv, {
    tag: { type: "string", multiple: true },
    out: { type: "string", short: "o" },
    prefix: { type: "string" },
    provider: { type: "string" },
    force: { type: "boolean" },
  });
  const [kind, doc, ...extra] = positionals;
  if (kind !== "openapi" || !doc || extra.length) {
    process.stderr.write('naftiko import: usage is "naftiko import openapi <document> [--tag <tag>]... [--out <dir>]"\n');
    return 2;
  }
  const out = values.out ?? ".";
  try {
    const api = await readOpenApi(doc);
    const caps = importOpenApi(api, { tags: values.tag, prefix: values.prefix, provider: values.provider });
    await mkdir(out, { recursive: true });
    for (const cap of caps) {
      const file = path.join(out, cap.fileName);
      await writeFile(file, stringify(cap.doc, { lineWidth: 120 }), { flag: values.force ? "w" : "wx" }).catch(
        (e: NodeJS.ErrnoException) => {
          throw new Error(
            e.code === "EEXIST" ? `${file} exists; pass --force to overwrite it` : `cannot write ${file} (${e.code ?? e.message})`,
          );
        },
      );
      const ops = cap.doc.capability.consumes.reduce((n, c) => n + c.resources.reduce((m, r) => m + r.operations.length, 0), 0);
      process.stdout.write(`${file}: ${cap.tag}, ${ops} operation${ops === 1 ? "" : "s"}\n`);
    }
    return 0;
  } catch (e) {
    process.stderr.write(`naftiko import: ${(e as Error).message}\n`);
    return 1;
  }
}
