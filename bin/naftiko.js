#!/usr/bin/env node
// Under load, start Node with `--max-semi-space-size=32` (a 2 × 32 MB young generation instead of
// V8's 2 × 16 MB): the Docker image does, elsewhere NODE_OPTIONS can (README, Performance). V8 sizes
// the heap when it starts, so that cannot be set from here like the flag below; nor on this `#!`
// line, whose `env -S` BusyBox (Alpine) does not have.
import module from "node:module";
import v8 from "node:v8";

// V8 "pretenures" objects from an allocation site when most of them survived a young-generation
// collection, allocating them in the old generation from then on. Under load, the per-call objects
// of calls in flight during a collection can trip it: from then on every call's objects are
// pretenured, and they die young in the old generation. Measured on a proxied call (issue 6): a
// 5 ms instead of a 1.3 ms scavenge, a mark-compact every second, ~15 µs more CPU per call. A
// gateway's long-lived objects are made once, at load, so the heuristic has nothing to win here.
// With V8's default young generation it has one known cost: under a load of ~100 KB answers a
// server sometimes settles into a mark-compact every ~65 ms; the larger one above ends that.
v8.setFlagsFromString("--no-allocation-site-pretenuring");

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
