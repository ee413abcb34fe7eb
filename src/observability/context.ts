import { randomUUID } from "node:crypto";

/**
 * What one incoming call carries through to its upstream calls: the request id and the trace
 * context to forward, and what the call's log line reports about them. It is passed explicitly
 * (`CallOptions.context`), not kept in AsyncLocalStorage: on Node 20 that turns on promise hooks
 * for every promise in the process, which cost more than the rest of a proxied call (issue 6).
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
}

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

/**
 * Adds the headers an upstream request carries for its caller's call (request id, trace context)
 * to `headers`, unless it sets them itself, and returns it. The object is the request's own (the
 * plan builds one per call); names are lower case, as the plan writes them.
 */
export function addForwardedHeaders(headers: Record<string, string>, ctx: CallContext): Record<string, string> {
  if (headers["x-request-id"] === undefined) headers["x-request-id"] = ctx.requestId;
  if (ctx.traceparent && headers.traceparent === undefined) {
    headers.traceparent = ctx.traceparent;
    if (ctx.tracestate && headers.tracestate === undefined) headers.tracestate = ctx.tracestate;
  }
  return headers;
}
