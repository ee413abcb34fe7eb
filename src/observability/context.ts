import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";

/**
 * What one incoming call carries through to its upstream calls: the request id and the trace
 * context to forward. Kept in AsyncLocalStorage so the consumes layer needs no new parameters.
 */
export interface CallContext {
  requestId: string;
  /** W3C `traceparent` to send upstream: the upstream span's when tracing, else the caller's own. */
  traceparent?: string;
  tracestate?: string;
  /** Status of the last upstream answer (or `timeout`/`unreachable`), for the call's log line. */
  upstreamStatus?: number | string;
  upstreamCalls: number;
  /** The server span, when tracing is on (opaque here). */
  span?: unknown;
  /** What is being called; a REST route fills in its operation once routing has found it. */
  info?: { operation: string; route?: string };
}

export const callContext = new AsyncLocalStorage<CallContext>();

/** An incoming `x-request-id` is reused when it is a sane token; anything else gets a fresh id. */
export function requestIdFrom(header: string | null | undefined): string {
  return header && /^[\w.:@/+=-]{1,128}$/.test(header) ? header : randomUUID();
}

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** A `traceparent` worth forwarding (version 00, not all-zero ids). */
export function validTraceparent(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  const h = header.trim().toLowerCase();
  if (!TRACEPARENT.test(h) || h.slice(3, 35) === "0".repeat(32) || h.slice(36, 52) === "0".repeat(16)) return undefined;
  return h;
}
