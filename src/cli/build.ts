import { buildExecutable } from "../build/sea.js";
import { loadCapability } from "../spec/load.js";
import { chooseOpenApi } from "../spec/openapi-choice.js";
import { CapabilityError, formatProblem } from "../spec/problems.js";
import { parseCommandArgs } from "./args.js";

/** `naftiko build <file> -o <path>`: a single executable that serves the capability. */
export async function buildCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parseCommandArgs(argv, { output: { type: "string", short: "o" }, openapi: { type: "string" } });
  if (positionals.length !== 1 || !values.output) {
    process.stderr.write('naftiko build: usage is "naftiko build <capability file> -o <executable> [--openapi <doc>]"\n');
    return 2;
  }
  try {
    const capability = await loadCapability(positionals[0]);
    for (const w of capability.warnings) process.stderr.write(`${formatProblem(w)}\n`);
    const started = Date.now();
    // The OpenAPI document a served file would pick up (hint or sidecar) is embedded too.
    const openapi = await chooseOpenApi(capability.file, values.openapi);
    const result = await buildExecutable(capability, {
      output: values.output,
      openapi,
      log: (l) => process.stderr.write(`naftiko build: ${l}\n`),
    });
    process.stdout.write(
      `${result.output}: ${(result.bytes / 1048576).toFixed(1)} MB, built in ${((Date.now() - started) / 1000).toFixed(1)} s (${process.platform}-${process.arch}, Node ${process.versions.node})\n`,
    );
    if (result.nodeFlags.length === 0)
      process.stderr.write(
        `naftiko build: Node ${process.versions.node} cannot give a binary its serving flags (Node 24 can); this one runs on V8's defaults (see docs/PERFORMANCE.md)\n`,
      );
    return 0;
  } catch (e) {
    if (e instanceof CapabilityError) {
      for (const p of e.problems) process.stderr.write(`${formatProblem(p)}\n`);
      return 1;
    }
    process.stderr.write(`naftiko build: ${(e as Error).message}\n`);
    return 1;
  }
}
