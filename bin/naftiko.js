#!/usr/bin/env node
import module from "node:module";
// First, before anything allocates: the runtime's V8 settings, and why the young-generation size is
// not among them (it is set where Node is started; not on this `#!` line either: `env -S`, which
// that would need, is missing from BusyBox, i.e. Alpine).
import "../dist/v8.js";

// Node ≥ 22.1 can keep V8's compiled code for every module loaded from here on (in the OS temp
// directory), which shortens the next start; older versions have no such switch. The CLI is
// imported after it is on, so that its own modules are cached too.
module.enableCompileCache?.();

const { main } = await import("../dist/cli/main.js");

main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === "number") process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`naftiko: ${err && err.message ? err.message : err}\n`);
    process.exitCode = 1;
  },
);
