import { Hono } from "hono";
import type { Registry } from "prom-client";
import type { RuntimeLogger } from "../../observability/log.js";
import { localTraceBuffer, observabilityOf } from "../../observability/setup.js";
import type { ExposesControl } from "../../spec/model.js";
import { requireAuth, type ServerAuth } from "../auth.js";
import { mountConfig, type ConfigOperations } from "./config.js";
import { logsSettings, mountLogs } from "./logs.js";
import { mountScripting, type ScriptingControl } from "./scripting.js";
import { mountTraces, type TraceSource } from "./traces.js";

export interface ControlState {
  label: string;
  file: string;
  specVersion: string;
  runtimeVersion: string;
  startedAt: number;
  /** Every exposes block is listening and the runtime is not shutting down. */
  ready(): boolean;
  exposes(): Array<{ namespace: string; type: string; url: string; port: number }>;
  reloads(): ReloadState;
  config: ConfigOperations;
  logging: RuntimeLogger;
  /** The finished traces kept for `/traces`, when local traces are on. */
  traces?: TraceSource;
  /** Script steps' governance in the version served now, for `/scripting`. */
  scripting?: () => ScriptingControl | undefined;
  /** The worker processes (`serve --workers`), for /status; absent when one process serves. */
  workers?(): Array<{ pid: number; ready: boolean }>;
}

/** Where /metrics comes from: this process's registry, or every worker's added up (`--workers`). */
export type MetricsSource = Pick<Registry, "metrics" | "contentType">;

/** `/status`'s `reloads`: versions swapped in, and edits refused (the running version kept serving). */
export interface ReloadState {
  count: number;
  last?: string;
  failed: number;
  lastError?: string;
  lastErrorAt?: string;
}

/**
 * The control port. A `type: control` block's switches decide what it serves, with the official
 * defaults: `management.health` on (`/health/live`, `/health/ready`), `management.info` off
 * (`/status`, `/config`), `management.reload`, `validate` and `logs` off, `/metrics` and `/traces`
 * on while `observability` is, `/scripting` when `management.scripting` is declared.
 * `--control-port` without a block serves health, status and metrics.
 */
export function controlApp(
  state: ControlState,
  registry: MetricsSource,
  block?: ExposesControl,
  auth?: ServerAuth,
): { app: Hono; endpoints: string[] } {
  const app = new Hono();
  // The block's `authentication` guards every control endpoint, as on the business ports.
  if (auth) app.use("*", requireAuth(auth));
  const management = (block?.management ?? {}) as {
    health?: boolean;
    info?: boolean;
    reload?: boolean;
    validate?: boolean;
    logs?: Parameters<typeof logsSettings>[0];
    scripting?: object;
  };
  const observability = observabilityOf(block);
  const health = management.health ?? true;
  const info = block ? (management.info ?? false) : true;
  const metricsOn = observability.enabled !== false && observability.metrics?.local?.enabled !== false;
  const served: string[] = [];

  if (health) {
    served.push("/health/live", "/health/ready");
    app.get("/health/live", (c) => c.json({ status: "live" }));
    app.get("/health/ready", (c) => (state.ready() ? c.json({ status: "ready" }) : c.json({ status: "not ready" }, 503)));
  }
  if (info) {
    served.push("/status");
    app.get("/status", (c) =>
      c.json({
        capability: { label: state.label, file: state.file, spec: state.specVersion },
        runtime: { version: state.runtimeVersion, node: process.version, pid: process.pid },
        startedAt: new Date(state.startedAt).toISOString(),
        uptimeSeconds: Math.round((Date.now() - state.startedAt) / 100) / 10,
        ready: state.ready(),
        exposes: state.exposes(),
        reloads: state.reloads(),
        ...(state.workers ? { workers: state.workers() } : {}),
      }),
    );
  }
  served.push(
    ...mountConfig(app, state.config, {
      info: block !== undefined && info,
      reload: management.reload === true,
      validate: management.validate === true,
    }),
  );
  served.push(...mountLogs(app, state.logging, logsSettings(management.logs)));
  if (management.scripting && state.scripting) served.push(...mountScripting(app, state.scripting));
  if (metricsOn) {
    served.push("/metrics");
    app.get("/metrics", async (c) => c.body(await registry.metrics(), 200, { "content-type": registry.contentType }));
  }
  if (state.traces && localTraceBuffer(block) !== undefined) served.push(...mountTraces(app, state.traces));
  app.notFound((c) => {
    const list = served.join(", ");
    return c.json(
      {
        error: "not_found",
        message: `no control endpoint ${c.req.method} ${new URL(c.req.url).pathname}; this control port serves: ${list || "nothing (all disabled in the file)"}`,
      },
      404,
    );
  });
  return { app, endpoints: served };
}
