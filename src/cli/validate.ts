import { loadCapability } from "../spec/load.js";
import { CapabilityError, formatProblem } from "../spec/problems.js";
import { parseCommandArgs } from "./args.js";

/** `naftiko validate <file>…`: every problem of every file, one per line; exit 1 if any is an error. */
export async function validateCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parseCommandArgs(argv, { quiet: { type: "boolean", short: "q" } });
  if (positionals.length === 0) {
    process.stderr.write('naftiko validate: name at least one capability file, e.g. "naftiko validate capabilities/*.yaml"\n');
    return 2;
  }
  let failed = 0;
  for (const file of positionals) {
    try {
      const cap = await loadCapability(file);
      for (const w of cap.warnings) process.stderr.write(`${formatProblem(w)}\n`);
      if (!values.quiet) process.stdout.write(`${file}: ok (${cap.specVersion})\n`);
    } catch (e) {
      if (!(e instanceof CapabilityError)) throw e;
      failed++;
      for (const p of e.problems) process.stderr.write(`${formatProblem(p)}\n`);
    }
  }
  if (positionals.length > 1 && !values.quiet) {
    process.stdout.write(`${positionals.length - failed} valid, ${failed} invalid\n`);
  }
  return failed ? 1 : 0;
}
