import type { HeaderReader, Propagation } from "./propagation.js";
import type { TraceBuffer } from "./trace-buffer.js";

/**
 * The tracing seam. Nothing here imports OpenTelemetry: `loadTracing` imports ./otel.js only when
 * spans are wanted (an OTLP endpoint, or the control port's local traces), so a runtime without
 * either pays nothing for it.
 */
export interface SpanHandle {
  /** The trace context headers of this span, in the configured propagation format, for the next hop. */
  headers(): Record<string, string>;
  end(attributes: Record<string, string | number | boolean | undefined>, error?: boolean, name?: string): void;
}

export interface Tracing {
  /** A server span, child of the caller's trace context when it sent one. */
  server(name: string, attributes: Record<string, string | number>, header: HeaderReader): SpanHandle;
  /** A client span for an upstream call, child of `parent`. */
  client(name: string, attributes: Record<string, string | number>, parent?: SpanHandle): SpanHandle;
  /** The finished traces kept for the control port's `/traces`, when local traces are on. */
  readonly recent?: TraceBuffer;
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** OTLP/HTTP endpoint (base URL; `/v1/traces` is appended), or a full traces URL in `tracesUrl`. */
  endpoint?: string;
  tracesUrl?: string;
  serviceName: string;
  serviceVersion: string;
  /** 0..1, default 1. */
  sampling?: number;
  propagation: Propagation;
  /** Keep this many finished traces for `/traces`; none when undefined. */
  localBufferSize?: number;
}

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
