import v8 from "node:v8";

// V8 settings for a serving process, made before anything else loads (bin/naftiko.js and the
// single binary's entry both import this first).
//
// V8 "pretenures" objects from an allocation site when most of them survived a young-generation
// collection, allocating them in the old generation from then on. Under load, the per-call objects
// of calls in flight during a collection can trip it: from then on every call's objects are
// pretenured, and they die young in the old generation. Measured on a proxied call (issue 6): a
// 5 ms instead of a 1.3 ms scavenge, a mark-compact every second, ~15 µs more CPU per call. A
// gateway's long-lived objects are made once, at load, so the heuristic has nothing to win here.
// With V8's default young generation it has one known cost: under a load of ~100 KB answers a
// server sometimes settles into a mark-compact every ~65 ms; a larger young generation
// (`--max-semi-space-size=32`) ends that. That size cannot be set from here: V8 fixes it when the
// process starts, so it comes from the Docker image's ENTRYPOINT or NODE_OPTIONS (README, Deployment).
v8.setFlagsFromString("--no-allocation-site-pretenuring");

// The old generation may always grow to 4× what the last full collection left, the most V8 allows
// itself (it picks 1.1–4× from its speed estimates). A small live heap (~19 MB for the flagship)
// got a limit so close to it that V8 counted the old generation as short of room for what the
// young one might promote, and marked again and again: under ~100 KB answers, a mark-compact every
// 60–300 ms (6–9 ms each) in some server processes and not others, 96 against 120–133 µs a call,
// p99 15–25 ms (issue 6). With this, 96–110 µs and a p99 of ~5 ms in every process measured; it
// costs up to 3× the live heap in garbage held between full collections (tens of MB). Unlike a
// starting heap size (`--initial-old-space-size`, `--initial-heap-size`: the same effect, ~40 ms
// more cold start), this is read when limits are computed, so it can be set here.
v8.setFlagsFromString("--heap-growing-percent=300");
