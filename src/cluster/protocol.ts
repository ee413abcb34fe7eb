import type { MetricObjectWithValues, MetricValue } from "prom-client";
import type { ValidationReport } from "../exposes/control/config.js";
import type { TraceSummary } from "../observability/trace-buffer.js";

/**
 * The messages between the primary of `serve --workers` and its workers, over the IPC channel
 * `node:cluster` opens. Each carries `naftiko` (its kind), so that other messages on the channel
 * (Node's own, a library's) are left alone.
 */

/** The environment variable that gives a worker its place (0 … N-1); worker 0 logs the startup lines. */
export const WORKER_INDEX = "NAFTIKO_WORKER";

/** A worker's exposes blocks, as /status lists them. */
export interface WorkerListener {
  namespace: string;
  type: string;
  url: string;
  port: number;
}

/** What the primary asks; the worker answers each with a `reply` of the same id. */
export type Request =
  | { naftiko: "metrics"; id: number }
  | { naftiko: "traces"; id: number }
  | { naftiko: "reload"; id: number }
  | { naftiko: "validate"; id: number; text: string }
  /** The script settings and stats of the version served now (`/scripting`). */
  | { naftiko: "scripting"; id: number }
  | { naftiko: "scripting-update"; id: number; body: unknown };

/** What the primary tells, expecting no answer. */
export type Notice =
  | { naftiko: "level"; level: string }
  /** Send every log line as a `log` message (a /logs/stream reader is connected), or stop. */
  | { naftiko: "tap"; on: boolean }
  /** Finish in-flight calls and exit, as on SIGTERM. */
  | { naftiko: "stop" };

export type ToWorker = Request | Notice;

export type Answer =
  | { metrics: Array<MetricObjectWithValues<MetricValue<string>>> }
  | { traces: TraceSummary[] }
  | { applied: true }
  | { error: string }
  | { report: ValidationReport }
  | { scripting?: ScriptingView }
  | { updated: { ok: true } | { ok: false; error: string } };

export type ScriptingView = Record<string, unknown> & {
  stats: { totalExecutions: number; totalErrors: number; averageDurationMs: number; lastExecutionAt?: string };
};

export type FromWorker =
  /** Every exposes block listens. */
  | { naftiko: "listening"; listeners: WorkerListener[] }
  | { naftiko: "reply"; id: number; answer: Answer }
  | { naftiko: "log"; line: string };

export function isNaftikoMessage<T extends { naftiko: string }>(message: unknown): message is T {
  return typeof message === "object" && message !== null && typeof (message as { naftiko?: unknown }).naftiko === "string";
}
