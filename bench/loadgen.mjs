// The load generator, in its own process (forked by run.mjs, pinned to its own CPU when possible):
// it must not share an event loop, or a core, with the servers it measures.
// Protocol: the parent sends { id, url, method, headers, body, connections, duration, amount }
// (amount: stop after that many requests instead, as a smoke run does; autocannon then answers at
// its next sample, every 50 ms rather than every second);
// this answers { id, result } with throughput, latency percentiles and error counts.
import autocannon from "autocannon";

/**
 * Latency percentiles at microsecond resolution. autocannon's own histogram keeps whole
 * milliseconds, and with a node-limit p99 of 2–3 ms one millisecond more or less decided the p99
 * ratio; each 2xx response's duration is taken from its `response` event instead.
 */
function percentiles(durations) {
  const sorted = Float64Array.from(durations).sort();
  const at = (q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN);
  return { p50: at(0.5), p99: at(0.99) };
}

process.on("message", async ({ id, url, method = "GET", headers, body, connections = 32, duration = 5, amount }) => {
  try {
    const durations = [];
    const run = autocannon({
      url,
      method,
      headers,
      body,
      connections,
      pipelining: 1,
      ...(amount ? { amount, sampleInt: 50 } : { duration }),
      timeout: 10,
    });
    run.on("response", (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) durations.push(ms);
    });
    const r = await run;
    const { p50, p99 } = percentiles(durations);
    process.send({
      id,
      result: {
        requests: r.requests.total,
        // whole-run rate (autocannon's `average` is a mean of per-second samples)
        rps: r.requests.total / r.duration,
        seconds: r.duration,
        // milliseconds, to the microsecond
        p50,
        p99,
        bytesPerSec: r.throughput.total / r.duration,
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
