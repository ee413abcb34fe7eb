import { validTraceparent } from "./context.js";

/**
 * `observability.traces.propagation`: the headers a call's trace context travels in, read from the
 * caller and written to the upstream. `w3c` is W3C Trace Context (`traceparent`, `tracestate`) with
 * W3C Baggage (`baggage`), the default; `b3` is Zipkin's B3 in its multi-header form (`X-B3-TraceId`, `X-B3-SpanId`,
 * `X-B3-Sampled`, …), which is what the reference engine sends for `b3` (OpenTelemetry's `b3multi`).
 * A caller may send B3 in either form.
 */
export type Propagation = "w3c" | "b3";

/** Reads one request header by its lower-case name. */
export type HeaderReader = (name: string) => string | undefined;

const HEX16 = /^[0-9a-f]{16}$/;
const HEX16_32 = /^(?:[0-9a-f]{16}|[0-9a-f]{32})$/;
const SINGLE_B3 = /^(?:[0-9a-f]{16}|[0-9a-f]{32})-[0-9a-f]{16}(?:-(?:[01d])(?:-[0-9a-f]{16})?)?$/;

/**
 * Without tracing there are no spans of our own: the caller's trace context, when well formed,
 * goes upstream unchanged, so the upstream's spans still join the caller's trace.
 */
export function forwardedTrace(propagation: Propagation, header: HeaderReader): Record<string, string> | undefined {
  if (propagation === "w3c") {
    const traceparent = validTraceparent(header("traceparent"));
    if (!traceparent) return undefined;
    const out: Record<string, string> = { traceparent };
    const tracestate = header("tracestate");
    if (tracestate) out.tracestate = tracestate;
    const baggage = header("baggage");
    if (baggage) out.baggage = baggage;
    return out;
  }
  const traceId = header("x-b3-traceid")?.trim().toLowerCase();
  const spanId = header("x-b3-spanid")?.trim().toLowerCase();
  if (traceId && spanId && HEX16_32.test(traceId) && HEX16.test(spanId) && !/^0+$/.test(traceId)) {
    const out: Record<string, string> = { "x-b3-traceid": traceId, "x-b3-spanid": spanId };
    const parent = header("x-b3-parentspanid")?.trim().toLowerCase();
    if (parent && HEX16.test(parent)) out["x-b3-parentspanid"] = parent;
    const sampled = header("x-b3-sampled")?.trim();
    if (sampled && /^(?:0|1|true|false)$/i.test(sampled)) out["x-b3-sampled"] = sampled;
    if (header("x-b3-flags")?.trim() === "1") out["x-b3-flags"] = "1";
    return out;
  }
  const single = header("b3")?.trim().toLowerCase();
  return single && SINGLE_B3.test(single) ? { b3: single } : undefined;
}
