import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * RED metrics of one served capability, in its own registry: per exposed REST operation and MCP
 * tool (rate and errors by status, duration) and per consumed operation called upstream.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly requests: Counter<"kind" | "exposes" | "operation" | "status">;
  readonly duration: Histogram<"kind" | "exposes" | "operation">;
  readonly inFlight: Gauge<"kind" | "exposes">;
  readonly upstreamRequests: Counter<"consumes" | "operation" | "status">;
  readonly upstreamDuration: Histogram<"consumes" | "operation">;
  readonly reloads: Counter<"result">;

  constructor(info: { capability: string; version: string }) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: "naftiko_requests_total",
      help: "Calls served, by exposes block, operation or tool, and status (HTTP status; for MCP tools ok or error)",
      labelNames: ["kind", "exposes", "operation", "status"],
      registers,
    });
    this.duration = new Histogram({
      name: "naftiko_request_duration_seconds",
      help: "Time to answer a call, until the response starts",
      labelNames: ["kind", "exposes", "operation"],
      buckets: BUCKETS,
      registers,
    });
    this.inFlight = new Gauge({ name: "naftiko_requests_in_flight", help: "Calls being served now", labelNames: ["kind", "exposes"], registers });
    this.upstreamRequests = new Counter({
      name: "naftiko_upstream_requests_total",
      help: "Calls to consumed operations, by status (HTTP status, or timeout, unreachable, error)",
      labelNames: ["consumes", "operation", "status"],
      registers,
    });
    this.upstreamDuration = new Histogram({
      name: "naftiko_upstream_request_duration_seconds",
      help: "Time for an upstream call to answer, until its response headers",
      labelNames: ["consumes", "operation"],
      buckets: BUCKETS,
      registers,
    });
    this.reloads = new Counter({ name: "naftiko_reloads_total", help: "Reloads of the capability file (--watch), by result", labelNames: ["result"], registers });
    new Gauge({ name: "naftiko_capability_info", help: "The capability served (always 1)", labelNames: ["capability", "runtime_version"], registers }).set(
      { capability: info.capability, runtime_version: info.version },
      1,
    );
    collectDefaultMetrics({ register: this.registry });
  }
}
