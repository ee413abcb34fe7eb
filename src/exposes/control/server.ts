import { Hono } from "hono";
import type { Registry } from "prom-client";
import { requireAuth, type ServerAuth } from "../auth.js";
import type { ExposesControl } from "../../spec/model.js";

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
}

/** `/status`'s `reloads`: versions swapped in, and edits refused (the running version kept serving). */
export interface ReloadState {
  count: number;
  last?: string;
  failed: number;
  lastError?: string;
  lastErrorAt?: string;
}

/**
 * The control port: health, status and Prometheus metrics. The file's `management` and
 * `observability` switches are honoured (official defaults: health on, info off, metrics on);
 * `--control-port` without a block turns everything on.
 */
export function controlApp(state: ControlState, registry: Registry, block?: ExposesControl, auth?: ServerAuth): Hono {
  const app = new Hono();
  // The block's `authentication` guards every control endpoint, as on the business ports.
  if (auth) app.use("*", requireAuth(auth));
  const management = (block?.management ?? {}) as { health?: boolean; info?: boolean };
  const observability = (block?.observability ?? {}) as { enabled?: boolean; metrics?: { local?: { enabled?: boolean } } };
  const health = management.health ?? true;
  const info = block ? (management.info ?? false) : true;
  const metricsOn = observability.enabled !== false && observability.metrics?.local?.enabled !== false;

  if (health) {
    app.get("/health/live", (c) => c.json({ status: "live" }));
    app.get("/health/ready", (c) => (state.ready() ? c.json({ status: "ready" }) : c.json({ status: "not ready" }, 503)));
  }
  if (info) {
    app.get("/status", (c) =>
      c.json({
        capability: { label: state.label, file: state.file, naftiko: state.specVersion },
        runtime: { version: state.runtimeVersion, node: process.version, pid: process.pid },
        startedAt: new Date(state.startedAt).toISOString(),
        uptimeSeconds: Math.round((Date.now() - state.startedAt) / 100) / 10,
        ready: state.ready(),
        exposes: state.exposes(),
        reloads: state.reloads(),
      }),
    );
  }
  if (metricsOn) {
    app.get("/metrics", async (c) => c.body(await registry.metrics(), 200, { "content-type": registry.contentType }));
  }
  app.notFound((c) => {
    const list = [health && "/health/live, /health/ready", info && "/status", metricsOn && "/metrics"].filter(Boolean).join(", ");
    return c.json(
      {
        error: "not_found",
        message: `no control endpoint ${new URL(c.req.url).pathname}; this control port serves: ${list || "nothing (all disabled in the file)"}`,
      },
      404,
    );
  });
  return app;
}
