import type { ConfigOperations } from "../exposes/control/config.js";
import type { ControlState, MetricsSource } from "../exposes/control/server.js";
import type { ScriptingControl } from "../exposes/control/scripting.js";
import type { TraceSource } from "../exposes/control/traces.js";
import type { RuntimeLogger } from "../observability/log.js";
import type { Metrics } from "../observability/metrics.js";
import type { TraceSummary } from "../observability/trace-buffer.js";
import type { Scripting } from "../orchestration/scripting.js";
import type { Answer, Notice, Request, ScriptingView, WorkerListener } from "./protocol.js";

/** What the primary's control port needs of the workers. */
export interface Workers {
  /** Asks every worker that listens; the answers in worker order. */
  askAll(request: Request["naftiko"], extra?: Record<string, unknown>): Promise<Answer[]>;
  /** Asks one worker that listens. */
  askOne(request: Request["naftiko"], extra?: Record<string, unknown>): Promise<Answer>;
  tell(notice: Notice): void;
  /** Every worker listens. */
  allListening(): boolean;
  listeners(): WorkerListener[];
  processes(): Array<{ pid: number; ready: boolean }>;
}

/**
 * The control port of `serve --workers`, served once by the primary over every worker: /metrics
 * adds up the workers' series (prom-client's AggregatorRegistry, with the series the primary keeps
 * itself: reloads, the capability's info), /traces merges their buffers, the log level and the log
 * stream reach every worker, /scripting adds up their script runs and changes every worker's
 * settings, /config/validate is checked by one worker as one process would check it, and
 * /health/ready is true only while every worker listens.
 */
export function clusterControl(
  workers: Workers,
  base: Omit<ControlState, "ready" | "exposes" | "logging" | "traces" | "workers" | "config" | "scripting"> & {
    closing(): boolean;
    /** The primary's own script settings (it takes every change the workers take): what /scripting shows of them. */
    scripting(): Scripting | undefined;
    config: Omit<ConfigOperations, "validate">;
    /** The control block's local trace buffer size, when local traces are on. */
    traceBuffer?: number;
  },
  logging: RuntimeLogger,
  metrics: Metrics,
): { state: ControlState; registry: MetricsSource; onLog(line: string): void } {
  const taps = new Set<(line: string) => void>();
  // pino reports a level set through the control port; every worker takes it.
  logging.logger.on("level-change", (level: string) => workers.tell({ naftiko: "level", level }));
  const clusterLogging: RuntimeLogger = {
    ...logging,
    tap(listener) {
      const own = logging.tap(listener);
      taps.add(listener);
      if (taps.size === 1) workers.tell({ naftiko: "tap", on: true });
      return () => {
        own();
        taps.delete(listener);
        if (taps.size === 0) workers.tell({ naftiko: "tap", on: false });
      };
    },
  };
  const traces: TraceSource | undefined = base.traceBuffer
    ? {
        capacity: base.traceBuffer,
        async all() {
          const lists = (await workers.askAll("traces")).flatMap((a) => ("traces" in a ? a.traces : []));
          // Each worker's list is newest first; merged by when each trace started.
          return lists.sort((a: TraceSummary, b: TraceSummary) => b.timestamp.localeCompare(a.timestamp)).slice(0, base.traceBuffer);
        },
      }
    : undefined;
  const registry: MetricsSource = {
    contentType: "text/plain; version=0.0.4; charset=utf-8",
    async metrics() {
      const [{ AggregatorRegistry }, own, answers] = await Promise.all([
        import("prom-client"),
        metrics.registry().then((r) => r.getMetricsAsJSON()),
        workers.askAll("metrics"),
      ]);
      const perWorker = answers.flatMap((a) => ("metrics" in a ? [a.metrics] : []));
      return AggregatorRegistry.aggregate([own, ...perWorker]).metrics();
    },
  };
  const scripting = (own: Scripting): ScriptingControl => ({
    async view() {
      const views = (await workers.askAll("scripting")).flatMap((a) => ("scripting" in a && a.scripting ? [a.scripting] : []));
      return { ...own.view(), stats: addedUp(views.map((v) => v.stats)) };
    },
    async update(body) {
      const outcome = own.update(body);
      if (!outcome.ok) return outcome;
      const answers = await workers.askAll("scripting-update", { body });
      for (const a of answers) if ("updated" in a && !a.updated.ok) return a.updated;
      return outcome;
    },
  });
  const state: ControlState = {
    ...base,
    scripting: () => {
      const own = base.scripting();
      return own && scripting(own);
    },
    ready: () => !base.closing() && workers.allListening(),
    exposes: () => workers.listeners(),
    logging: clusterLogging,
    traces,
    workers: () => workers.processes(),
    config: {
      ...base.config,
      async validate(text) {
        const answer = await workers.askOne("validate", { text });
        if ("report" in answer) return answer.report;
        throw new Error("error" in answer ? answer.error : "no worker answered");
      },
    },
  };
  return { state, registry, onLog: (line) => taps.forEach((t) => t(line)) };
}

/** The workers' script runs as one process's would read: counts added, the average over every run, the latest run. */
function addedUp(stats: ScriptingView["stats"][]): ScriptingView["stats"] {
  const runs = stats.reduce((n, s) => n + s.totalExecutions, 0);
  const ms = stats.reduce((n, s) => n + s.averageDurationMs * s.totalExecutions, 0);
  const last = stats
    .map((s) => s.lastExecutionAt)
    .filter((t): t is string => t !== undefined)
    .sort()
    .at(-1);
  return {
    totalExecutions: runs,
    totalErrors: stats.reduce((n, s) => n + s.totalErrors, 0),
    averageDurationMs: runs ? Math.round((ms / runs) * 100) / 100 : 0,
    ...(last ? { lastExecutionAt: last } : {}),
  };
}
