import type { Metric, Registry } from "prom-client";
import { SeriesCounter, SeriesGauge, SeriesHistogram } from "./series.js";

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * RED metrics of one served capability: per exposed REST operation and MCP tool (rate and errors
 * by status, duration) and per consumed operation called upstream. They are series metrics
 * (series.ts), updated on every call at next to no cost; prom-client renders them, and is loaded
 * only when something will read them (the control port's /metrics), not by every `serve`.
 */
export class Metrics {
  readonly requests = new SeriesCounter(
    "naftiko_requests_total",
    "Calls served, by exposes block, operation or tool, and status (HTTP status; for MCP tools ok or error)",
    ["kind", "exposes", "operation", "status"] as const,
  );
  readonly duration = new SeriesHistogram(
    "naftiko_request_duration_seconds",
    "Time to answer a call, until the response starts",
    ["kind", "exposes", "operation"] as const,
    BUCKETS,
  );
  readonly inFlight = new SeriesGauge("naftiko_requests_in_flight", "Calls being served now", ["kind", "exposes"] as const);
  readonly upstreamRequests = new SeriesCounter(
    "naftiko_upstream_requests_total",
    "Calls to consumed operations, by status (HTTP status, or timeout, unreachable, error)",
    ["consumes", "operation", "status"] as const,
  );
  readonly upstreamDuration = new SeriesHistogram(
    "naftiko_upstream_request_duration_seconds",
    "Time for an upstream call to answer, until its response headers",
    ["consumes", "operation"] as const,
    BUCKETS,
  );
  readonly reloads = new SeriesCounter("naftiko_reloads_total", "Reloads of the capability file (--watch), by result", ["result"] as const);
  private registered?: Promise<Registry>;

  constructor(private readonly info: { capability: string; version: string }) {}

  /** The Prometheus registry with these metrics, the capability's info and Node's process metrics. */
  registry(): Promise<Registry> {
    this.registered ??= import("prom-client").then(({ Registry, Gauge, collectDefaultMetrics }) => {
      const registry = new Registry();
      for (const metric of [this.requests, this.duration, this.inFlight, this.upstreamRequests, this.upstreamDuration, this.reloads]) {
        registry.registerMetric(metric as unknown as Metric);
      }
      new Gauge({
        name: "naftiko_capability_info",
        help: "The capability served (always 1)",
        labelNames: ["capability", "runtime_version"],
        registers: [registry],
      }).set({ capability: this.info.capability, runtime_version: this.info.version }, 1);
      collectDefaultMetrics({ register: registry });
      return registry;
    });
    return this.registered;
  }
}
