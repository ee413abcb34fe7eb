import type { HeaderReader, Propagation } from "./propagation.js";
import type { TraceBuffer } from "./trace-buffer.js";

/** What the runtime asks of tracing; ./otel.js implements it, ./tracing.ts loads it when wanted. */
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
