// The load generator, in its own process (forked by run.mjs, pinned to its own CPU when possible):
// it must not share an event loop, or a core, with the servers it measures.
// Protocol: the parent sends { id, url, method, headers, body, connections, duration };
// this answers { id, result } with throughput, latency percentiles and error counts.
import autocannon from "autocannon";

process.on("message", async ({ id, url, method = "GET", headers, body, connections = 32, duration = 5 }) => {
  try {
    const r = await autocannon({ url, method, headers, body, connections, pipelining: 1, duration, timeout: 10 });
    process.send({
      id,
      result: {
        requests: r.requests.total,
        // whole-run rate (autocannon's `average` is a mean of per-second samples)
        rps: r.requests.total / r.duration,
        seconds: r.duration,
        // autocannon's latency histogram is in milliseconds
        p50: r.latency.p50,
        p99: r.latency.p99,
        bytesPerSec: r.throughput.average,
        errors: r.errors,
        timeouts: r.timeouts,
        non2xx: r.non2xx,
      },
    });
  } catch (e) {
    process.send({ id, error: String(e?.stack ?? e) });
  }
});
process.send({ ready: true });
