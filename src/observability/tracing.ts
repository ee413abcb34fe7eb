/**
 * The tracing seam. Nothing here imports OpenTelemetry: `loadTracing` imports ./otel.js only when
 * spans are wanted (an OTLP endpoint, or the control port's local traces), so a runtime without
 * either pays nothing for it. The interfaces both sides share are in ./tracing-api.ts.
 */
import type { Tracing, TracingOptions } from "./tracing-api.js";

export type { SpanHandle, Tracing, TracingOptions } from "./tracing-api.js";

/** Resolves where spans go: the file's `observability.exporters.otlp.endpoint`, else the OTel env vars. */
export function tracingEndpoint(env: NodeJS.ProcessEnv, fromFile?: string): { endpoint?: string; tracesUrl?: string } | undefined {
  if (fromFile) return { endpoint: fromFile };
  if (env.OTEL_SDK_DISABLED === "true") return undefined;
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return { tracesUrl: env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT };
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) return { endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT };
  return undefined;
}

export async function loadTracing(options: TracingOptions): Promise<Tracing> {
  const { createTracing } = await import("./otel.js");
  return createTracing(options);
}
