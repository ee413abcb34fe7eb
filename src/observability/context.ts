import { randomFillSync } from "node:crypto";

/**
 * What one incoming call carries through to its upstream calls: the request id and the trace
 * context to forward, and what the call's log line reports about them. It is passed explicitly
 * (`CallOptions.context`), not kept in AsyncLocalStorage: on Node 20 that turns on promise hooks
 * for every promise in the process, which cost more than the rest of a proxied call.
 */
export interface CallContext {
  requestId: string;
  /**
   * Trace context headers to send upstream, in the configured propagation format: the upstream
   * span's when tracing, else the caller's own.
   */
  trace?: Record<string, string>;
  /** Status of the last upstream answer (or `timeout`/`unreachable`), for the call's log line. */
  upstreamStatus?: number | string;
  upstreamCalls: number;
  /** The server span, when tracing is on (opaque here). */
  span?: unknown;
}

/** An incoming `x-request-id` is reused when it is a sane token; anything else gets a fresh id. */
export function requestIdFrom(header: string | null | undefined): string {
  return header && /^[\w.:@/+=-]{1,128}$/.test(header) ? header : newRequestId();
}

/*
 * Fresh request ids are random (version 4) UUIDs, as crypto.randomUUID makes them, but written 128
 * at a time from one random fill into a text buffer, each then read out as one flat string.
 * randomUUID joins 20 pieces into a rope of strings for every id, and an id is used three times on
 * a proxied call (the upstream header, the response header, the log line): each use would flatten
 * the rope again.
 */
const IDS = 128;
const random = Buffer.allocUnsafeSlow(16 * IDS);
const text = Buffer.allocUnsafeSlow(36 * IDS);
const HEX = Buffer.from("0123456789abcdef", "latin1");
let nextId = IDS;

/** A fresh random UUID (version 4, RFC 9562), e.g. `0f8fad5b-d9cb-469d-a165-70867728950e`. */
export function newRequestId(): string {
  if (nextId === IDS) {
    fillIds();
    nextId = 0;
  }
  const at = 36 * nextId++;
  return text.toString("latin1", at, at + 36);
}

function fillIds(): void {
  randomFillSync(random);
  for (let i = 0; i < IDS; i++) {
    const r = 16 * i;
    random[r + 6] = (random[r + 6] & 0x0f) | 0x40; // version 4
    random[r + 8] = (random[r + 8] & 0x3f) | 0x80; // variant 10
    let o = 36 * i;
    for (let b = 0; b < 16; b++) {
      if (b === 4 || b === 6 || b === 8 || b === 10) text[o++] = 0x2d; // "-"
      text[o++] = HEX[random[r + b] >> 4];
      text[o++] = HEX[random[r + b] & 15];
    }
  }
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
  const trace = ctx.trace;
  if (trace && !ownTrace(headers, trace)) for (const name in trace) headers[name] = trace[name];
  return headers;
}

/** A request that sets a trace header itself (the file says so) keeps its own context, whole. */
function ownTrace(headers: Record<string, string>, trace: Record<string, string>): boolean {
  for (const name in trace) if (headers[name] !== undefined) return true;
  return false;
}
