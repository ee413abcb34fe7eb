import type { Capability } from "../spec/load.js";
import type { ExposesControl } from "../spec/model.js";
import { VERSION } from "../version.js";
import type { RuntimeLogger } from "./log.js";
import { Metrics } from "./metrics.js";
import { Observer } from "./observer.js";
import { loadTracing, tracingEndpoint } from "./tracing.js";

/**
 * Builds the observer of a served capability. OpenTelemetry is imported only when an OTLP endpoint
 * is configured (environment, or the control block's `observability.exporters.otlp.endpoint`).
 */
export async function createObserver(
  capability: Capability,
  logging: RuntimeLogger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Observer> {
  const logger = logging.logger;
  const label = capability.info?.display ?? capability.file;
  const metrics = new Metrics({ capability: label, version: VERSION });
  const control = capability.exposes.find((b): b is ExposesControl => b.type === "control");
  const obs = (control?.observability ?? {}) as {
    enabled?: boolean;
    traces?: { sampling?: number };
    exporters?: { otlp?: { endpoint?: string } };
  };
  const fileEndpoint = obs.exporters?.otlp?.endpoint;
  const where =
    obs.enabled === false ? undefined : tracingEndpoint(env, fileEndpoint && !fileEndpoint.includes("{{") ? fileEndpoint : undefined);
  let tracing;
  if (where) {
    tracing = await loadTracing({
      ...where,
      serviceName: env.OTEL_SERVICE_NAME ?? label,
      serviceVersion: VERSION,
      sampling: obs.traces?.sampling,
    });
    logger.info({ endpoint: withoutCredentials(where.tracesUrl ?? where.endpoint ?? "") }, "naftiko: tracing to OTLP endpoint");
  }
  return new Observer(logger, metrics, tracing, logging.line);
}

function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    u.search = "";
    return u.toString();
  } catch {
    return "(not a URL)";
  }
}
