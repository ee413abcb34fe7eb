import { Counter, Gauge, Registry, collectDefaultMetrics, type Metric } from "prom-client";
import { SeriesCounter, SeriesGauge, SeriesHistogram } from "./series.js";

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * RED metrics of one served capability, in its own registry: per exposed REST operation and MCP
 * tool (rate and errors by status, duration) and per consumed operation called upstream. The
 * per-call ones are series metrics (series.ts): updated on every call, they must cost next to nothing.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly requests: SeriesCounter<"kind" | "exposes" | "operation" | "status">;
  readonly duration: SeriesHistogram<"kind" | "exposes" | "operation">;
  readonly inFlight: SeriesGauge<"kind" | "exposes">;
  readonly upstreamRequests: SeriesCounter<"consumes" | "operation" | "status">;
  readonly upstreamDuration: SeriesHistogram<"consumes" | "operation">;
  readonly reloads: Counter<"result">;

  constructor(info: { capability: string; version: string }) {
    const registers = [this.registry];
    const register = <M>(metric: M): M => {
      this.registry.registerMetric(metric as unknown as Metric);
      return metric;
    };
    this.requests = register(
      new SeriesCounter("naftiko_requests_total", "Calls served, by exposes block, operation or tool, and status (HTTP status; for MCP tools ok or error)", ["kind", "exposes", "operation", "status"]),
    );
    this.duration = register(new SeriesHistogram("naftiko_request_duration_seconds", "Time to answer a call, until the response starts", ["kind", "exposes", "operation"], BUCKETS));
    this.inFlight = register(new SeriesGauge("naftiko_requests_in_flight", "Calls being served now", ["kind", "exposes"]));
    this.upstreamRequests = register(
      new SeriesCounter("naftiko_upstream_requests_total", "Calls to consumed operations, by status (HTTP status, or timeout, unreachable, error)", ["consumes", "operation", "status"]),
    );
    this.upstreamDuration = register(
      new SeriesHistogram("naftiko_upstream_request_duration_seconds", "Time for an upstream call to answer, until its response headers", ["consumes", "operation"], BUCKETS),
    );
    this.reloads = new Counter({ name: "naftiko_reloads_total", help: "Reloads of the capability file (--watch), by result", labelNames: ["result"], registers });
    new Gauge({ name: "naftiko_capability_info", help: "The capability served (always 1)", labelNames: ["capability", "runtime_version"], registers }).set(
      { capability: info.capability, runtime_version: info.version },
      1,
    );
    collectDefaultMetrics({ register: this.registry });
  }
}
