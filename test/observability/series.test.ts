import { Registry, type Metric } from "prom-client";
import { describe, expect, it } from "vitest";
import { SeriesCounter, SeriesGauge, SeriesHistogram } from "../../src/observability/series.js";

/** The series metrics are rendered by prom-client's Registry, as /metrics serves them. */
async function render(...metrics: unknown[]): Promise<string[]> {
  const registry = new Registry();
  for (const m of metrics) registry.registerMetric(m as Metric);
  return (await registry.metrics()).split("\n");
}

describe("series metrics", () => {
  it("a histogram counts a value in the first bucket whose bound is ≥ it (Prometheus `le`), cumulatively, with sum and count", async () => {
    const h = new SeriesHistogram("t_seconds", "test", ["op"], [0.1, 1]);
    const s = h.labels({ op: "a" });
    for (const v of [0.1, 0.5, 1, 7]) s.observe(v);
    const lines = await render(h);
    expect(lines).toContain("# TYPE t_seconds histogram");
    expect(lines).toContain('t_seconds_bucket{op="a",le="0.1"} 1');
    expect(lines).toContain('t_seconds_bucket{op="a",le="1"} 3');
    expect(lines).toContain('t_seconds_bucket{op="a",le="+Inf"} 4');
    expect(lines).toContain('t_seconds_sum{op="a"} 8.6');
    expect(lines).toContain('t_seconds_count{op="a"} 4');
  });

  it("the same label values give the same series; counters add and gauges go both ways", async () => {
    const c = new SeriesCounter("t_total", "test", ["op", "status"]);
    c.labels({ op: "a", status: "200" }).inc();
    c.labels({ op: "a", status: "200" }).inc();
    c.labels({ op: "a", status: "500" }).inc();
    const g = new SeriesGauge("t_in_flight", "test", ["op"]);
    const s = g.labels({ op: "a" });
    s.inc();
    s.inc();
    s.dec();
    const lines = await render(c, g);
    expect(lines).toContain('t_total{op="a",status="200"} 2');
    expect(lines).toContain('t_total{op="a",status="500"} 1');
    expect(lines).toContain('t_in_flight{op="a"} 1');
  });
});
