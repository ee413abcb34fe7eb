/**
 * The Node and V8 flags a serving process should start with. V8 reads them when the process starts,
 * so they cannot be set from inside it: the container image's ENTRYPOINT passes them (a test keeps
 * the Dockerfile in step with this list), a `naftiko build` binary carries them in its SEA
 * configuration, and anyone starting the CLI under load passes them to `node` (docs/PERFORMANCE.md).
 * `npm run bench` gives its baseline proxy the same flags as the runtime.
 */
export const SERVING_NODE_FLAGS: readonly string[] = [
  // A 2 × 32 MB young generation instead of V8's 2 × 16 MB: under a load of ~100 KB answers, the
  // default let a server settle into a mark-compact every ~65 ms (the answers arrive in socket
  // buffers that count as external memory). Costs ~25 MB of RSS under load, nothing when idle.
  "--max-semi-space-size=32",
  // V8 moves an allocation site's objects to the old generation once most of them survive a young
  // collection. Under load, the objects of the calls in flight during a collection can trip that,
  // and from then on every call's short-lived objects are allocated old and die there (slow
  // scavenges, frequent mark-compacts). A gateway builds its long-lived objects at load, so the
  // heuristic has nothing to win here.
  "--no-allocation-site-pretenuring",
  // Let the old generation grow to 4× what the last full collection left (V8 picks 1.1–4× from its
  // speed estimates). With a small live heap V8 otherwise sets a limit so close to it that it keeps
  // marking for lack of room for what the young generation might promote. Costs up to 3× the live
  // heap in garbage held between full collections.
  "--heap-growing-percent=300",
];
