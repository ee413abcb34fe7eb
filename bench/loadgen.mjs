// The load generator, in its own process (forked by run.mjs, pinned to its own CPU when possible):
// it must not share an event loop, or a core, with the servers it measures.
// Protocol: the parent sends { id, url, method, headers, body, connections, warmup, duration,
// windows, amount } (amount: stop after that many requests instead, as a smoke run does; autocannon
// then answers at its next sample, every 50 ms rather than every second; no warm-up, one window).
// The measured `duration` seconds follow the warm-up and are cut into `windows` equal windows.
// This answers { id, mark: k } as window k starts (mark 0 ends the warm-up; none without one), then
// { id, result } with the whole measured time's throughput and latency percentiles, each window's
// (`windows`), and the run's error counts.
import { performance } from "node:perf_hooks";
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

/** Throughput and percentiles of some windows taken together. */
function summary(spans) {
  const requests = spans.reduce((n, s) => n + s.requests, 0);
  const seconds = spans.reduce((n, s) => n + (s.end - s.start) / 1000, 0);
  const bytes = spans.reduce((n, s) => n + s.bytes, 0);
  // milliseconds, to the microsecond
  const { p50, p99 } = percentiles(spans.length === 1 ? spans[0].durations : spans.flatMap((s) => s.durations));
  return { requests, rps: requests / seconds, seconds, p50, p99, bytesPerSec: bytes / seconds };
}

/*
 * The warm-up and the measured windows are one run on the same connections. Measured on new
 * connections instead, every window would start with 32 sockets the server has not served yet, and
 * the load generator's own first moments: every server's p99 was higher that way.
 */
process.on("message", async (m) => {
  const { id, url, method = "GET", headers, body, connections = 32, duration = 5, amount } = m;
  const timers = [];
  try {
    const warmup = amount ? 0 : (m.warmup ?? 0);
    const count = amount ? 1 : (m.windows ?? 1);
    const spans = Array.from({ length: count }, () => ({ durations: [], requests: 0, bytes: 0, start: 0, end: 0 }));
    let current = -1;
    const begin = (k) => {
      const now = performance.now();
      if (k > 0) spans[k - 1].end = now;
      spans[k].start = now;
      current = k;
      if (k > 0 || warmup) process.send({ id, mark: k });
    };
    const run = autocannon({
      url,
      method,
      headers,
      body,
      connections,
      pipelining: 1,
      ...(amount ? { amount, sampleInt: 50 } : { duration: warmup + duration }),
      timeout: 10,
    });
    if (warmup) timers.push(setTimeout(begin, warmup * 1000, 0));
    else begin(0);
    for (let k = 1; k < count; k++) timers.push(setTimeout(begin, (warmup + (k * duration) / count) * 1000, k));
    run.on("response", (_client, status, size, ms) => {
      if (current < 0) return;
      const span = spans[current];
      span.requests++;
      span.bytes += size;
      if (status >= 200 && status < 300) span.durations.push(ms);
    });
    const r = await run;
    spans[current].end = performance.now();
    process.send({
      id,
      result: {
        ...summary(spans),
        windows: count > 1 ? spans.map((s) => summary([s])) : undefined,
        errors: r.errors,
        timeouts: r.timeouts,
        non2xx: r.non2xx,
      },
    });
  } catch (e) {
    process.send({ id, error: String(e?.stack ?? e) });
  } finally {
    // A run that failed early must not report windows after its answer.
    for (const t of timers) clearTimeout(t);
  }
});
process.send({ ready: true });
