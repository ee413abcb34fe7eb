import type { Hono } from "hono";
import type { TraceBuffer } from "../../observability/trace-buffer.js";

/**
 * `observability.traces.local`: the last finished traces, kept in memory, as the reference engine
 * serves them. `/traces` lists them newest first (`?operation=` keeps root span names containing
 * it, `?status=OK|ERROR` one status); `/traces/{traceId}` gives one trace with its spans.
 */
export function mountTraces(app: Hono, buffer: TraceBuffer): string[] {
  app.get("/traces", (c) => {
    const operation = c.req.query("operation");
    const status = c.req.query("status")?.toUpperCase();
    const traces = buffer
      .all()
      .filter((t) => (operation === undefined || t.operation.includes(operation)) && (status === undefined || t.status === status))
      .map(({ traceId, operation, durationMs, status, spans, timestamp }) => ({
        traceId,
        operation,
        durationMs,
        status,
        spanCount: spans.length,
        timestamp,
      }));
    return c.json({ traces, bufferSize: buffer.capacity, bufferUsed: buffer.size });
  });
  app.get("/traces/:traceId", (c) => {
    const id = c.req.param("traceId").toLowerCase();
    const trace = buffer.find(id);
    if (!trace) return c.json({ error: /^[0-9a-f]{1,32}$/.test(id) ? `Trace not found: ${id}` : "Trace not found" }, 404);
    const { traceId, operation, durationMs, status, timestamp, spans } = trace;
    return c.json({ traceId, operation, durationMs, status, timestamp, spans });
  });
  return ["/traces", "/traces/{traceId}"];
}
