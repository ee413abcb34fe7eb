/**
 * Entry of a binary made by `naftiko build`: serves the embedded capability. Its arguments are
 * `serve`'s options (`--port`, `--host`, `--base-uri`, …); `--help` and `--version` describe the
 * binary itself. The prelude `naftiko build` puts before this bundle has already extracted the
 * capability.
 */
import "./modules.js"; // first: hands the bundled lazily-loaded modules over (see lazy.ts)
import path from "node:path";
import { parseCommandArgs, usageLine, UsageError } from "../cli/args.js";
import { binaryHelp } from "../cli/help.js";
import { SERVE_ARGS, serveCommand } from "../cli/serve.js";
import { VERSION } from "../version.js";

declare const __naftiko_sea: { capability: string; openapi?: string; dir: string; label: string; file: string };

// A single-executable application repeats its own argv[0] (the path as typed, e.g. ./name) as
// argv[1]; its arguments start at argv[2].
const name = path.basename(process.argv[1] ?? process.execPath);
const args = process.argv.slice(2);

async function run(): Promise<number | void> {
  if (args[0] === "--version" || args[0] === "-v") {
    const flags = process.execArgv.length ? process.execArgv.join(" ") : "none";
    process.stdout.write(
      `${name}: ${__naftiko_sea.label} (${__naftiko_sea.file})\n` +
        `naftiko runtime ${VERSION}, Node ${process.version} ${process.platform}-${process.arch}, Node flags: ${flags}\n`,
    );
    return 0;
  }
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(binaryHelp(name, __naftiko_sea.label, __naftiko_sea.file));
    return 0;
  }
  try {
    const { positionals, values } = parseCommandArgs(args, SERVE_ARGS);
    if (positionals.length) throw new UsageError(`takes no capability file, it serves the one embedded in it (got "${positionals[0]}")`);
    if (values.watch) throw new UsageError("--watch has nothing to watch: the capability is embedded");
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(usageLine(name, e, `${name} --help`, "its options"));
    return 2;
  }
  const openapi = __naftiko_sea.openapi && !args.some((a) => a === "--openapi" || a.startsWith("--openapi="));
  return serveCommand([__naftiko_sea.capability, ...(openapi ? ["--openapi", __naftiko_sea.openapi!] : []), ...args], name);
}

run().then(
  (code) => {
    if (typeof code === "number") process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`${name}: ${err?.message ?? err}\n`);
    process.exitCode = 1;
  },
);
