import { compileTemplate, hasPlaceholders } from "../mapping/template.js";
import { resolveBinds } from "../spec/binds.js";
import type { Capability } from "../spec/load.js";
import type { ExposesControl } from "../spec/model.js";
import { VERSION } from "../version.js";
import type { RuntimeLogger } from "./log.js";
import { Metrics } from "./metrics.js";
import { Observer } from "./observer.js";
import type { Propagation } from "./propagation.js";
import { DEFAULT_BUFFER_SIZE } from "./trace-buffer.js";
import { loadTracing, tracingEndpoint, type Tracing } from "./tracing.js";

/** The control block's `observability`, as the schema declares it. */
export interface ObservabilitySettings {
  enabled?: boolean;
  metrics?: { local?: { enabled?: boolean } };
  traces?: { sampling?: number; propagation?: Propagation; local?: { enabled?: boolean; "buffer-size"?: number } };
  exporters?: { otlp?: { endpoint?: string } };
}

export function observabilityOf(control: ExposesControl | undefined): ObservabilitySettings {
  return (control?.observability ?? {}) as ObservabilitySettings;
}

/**
 * Local traces (`/traces`) are on for a control block unless its observability or local traces
 * are turned off, as in the reference engine; their buffer size, or undefined when off.
 */
export function localTraceBuffer(control: ExposesControl | undefined): number | undefined {
  const obs = observabilityOf(control);
  if (!control || obs.enabled === false || obs.traces?.local?.enabled === false) return undefined;
  return obs.traces?.local?.["buffer-size"] ?? DEFAULT_BUFFER_SIZE;
}

/**
 * Builds the observer of a served capability. OpenTelemetry is imported only when spans are wanted:
 * an OTLP endpoint (the control block's `observability.exporters.otlp.endpoint`, binds allowed, or
 * the OTel environment variables) or the control port's local traces.
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
  const obs = observabilityOf(control);
  const enabled = obs.enabled !== false;
  const propagation = obs.traces?.propagation ?? "w3c";
  const where = enabled ? tracingEndpoint(env, endpointOf(capability, obs.exporters?.otlp?.endpoint, env)) : undefined;
  const localBufferSize = localTraceBuffer(control);
  let tracing: Tracing | undefined;
  if (where || localBufferSize) {
    tracing = await loadTracing({
      ...where,
      serviceName: env.OTEL_SERVICE_NAME ?? label,
      serviceVersion: VERSION,
      sampling: obs.traces?.sampling,
      propagation,
      localBufferSize,
    });
    if (where) logger.info({ endpoint: withoutCredentials(where.tracesUrl ?? where.endpoint ?? "") }, "naftiko: tracing to OTLP endpoint");
  }
  return new Observer(logger, metrics, tracing, logging.line, enabled ? propagation : null);
}

/** The file's OTLP endpoint with its binds filled in (`{{env.OTLP_URL}}`). */
function endpointOf(capability: Capability, endpoint: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (!endpoint || !hasPlaceholders(endpoint)) return endpoint || undefined;
  const values = resolveBinds(capability.binds, capability.file, env);
  return compileTemplate(endpoint).renderText((name) => values.get(name)) || undefined;
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
