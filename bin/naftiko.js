#!/usr/bin/env node
import module from "node:module";

// Node ≥ 22.1 can keep V8's compiled code for every module loaded from here on (in the OS temp
// directory), which shortens the next start; older versions have no such switch. The CLI is
// imported after it is on, so that its own modules are cached too.
module.enableCompileCache?.();

const { main } = await import("../dist/cli/main.js").catch((e) => {
  if (e?.code !== "ERR_MODULE_NOT_FOUND" || !String(e.message).includes("dist/cli/main.js")) throw e;
  process.stderr.write('naftiko: the runtime is not built (no dist/); run "npm run build" in its folder\n');
  process.exit(1);
});

main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === "number") process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`naftiko: ${err && err.message ? err.message : err}\n`);
    process.exitCode = 1;
  },
);
