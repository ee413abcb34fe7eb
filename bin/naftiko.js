#!/usr/bin/env -S node --max-semi-space-size=32
// The young generation may grow to 2 × 32 MB instead of V8's 2 × 16 MB (it starts small and grows
// only under load; idle RSS is unchanged). Per call a gateway allocates a little and keeps nothing,
// so fewer young collections each find the same few calls in flight alive: measured in the bench
// (issue 6), the 100 KB passthrough no longer falls into a mark-compact every ~65 ms (1.00 of
// node-limit instead of 0.49-0.99) and an MCP call costs ~15% less CPU, for ~25 MB more RSS under
// load. V8 sizes the heap when it starts, so this cannot be set from here below like the flag that
// follows; `env -S` (coreutils >= 8.30, macOS) and npm's Windows shims read it from this line, the
// Docker image passes it itself, and `node bin/naftiko.js` without it runs with V8's default.
import module from "node:module";
import v8 from "node:v8";

// V8 "pretenures" objects from an allocation site when most of them survived a young-generation
// collection, allocating them in the old generation from then on. Under load, the per-call objects
// of calls in flight during a collection can trip it: from then on every call's objects are
// pretenured, and they die young in the old generation. Measured on a proxied call (issue 6): a
// 5 ms instead of a 1.3 ms scavenge, a mark-compact every second, ~15 µs more CPU per call. A
// gateway's long-lived objects are made once, at load, so the heuristic has nothing to win here.
// With V8's default young generation it had one known cost: under a load of ~100 KB answers a
// server sometimes settled into a mark-compact every ~65 ms; the larger one above ended that.
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
