/**
 * Entry of a binary made by `naftiko build`: serves the embedded capability. Arguments are `serve`
 * options (`--port`, `--host`, `--base-uri`, …); `--help` and `--version` are the CLI's own.
 * The prelude `naftiko build` puts before this bundle has already extracted the capability.
 */
import "../v8.js"; // first: V8 settings, before the runtime allocates anything
import "./modules.js"; // next: hands the bundled lazily-loaded modules over (see lazy.ts)
import { main } from "../cli/main.js";

declare const __naftiko_sea: { capability: string; openapi?: string; dir: string };

// In a single-executable application argv[1] repeats the executable's path.
const args = process.argv[1] === process.execPath ? process.argv.slice(2) : process.argv.slice(1);
const argv =
  args[0] === "--version" || args[0] === "-v"
    ? args
    : args[0] === "--help" || args[0] === "-h"
      ? ["serve", "--help"]
      : [
          "serve",
          __naftiko_sea.capability,
          ...(__naftiko_sea.openapi && !args.includes("--openapi") ? ["--openapi", __naftiko_sea.openapi] : []),
          ...args,
        ];

main(argv).then(
  (code) => {
    if (typeof code === "number") process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`naftiko: ${err?.message ?? err}\n`);
    process.exitCode = 1;
  },
);
