import type { Hono } from "hono";
import type { TraceSummary } from "../../observability/trace-buffer.js";

/** Where the finished traces come from: this process's buffer, or every worker's (`--workers`). */
export interface TraceSource {
  readonly capacity: number;
  /** Newest first, at most `capacity`. */
  all(): TraceSummary[] | Promise<TraceSummary[]>;
}

/**
 * `observability.traces.local`: the last finished traces, kept in memory, as the reference engine
 * serves them. `/traces` lists them newest first (`?operation=` keeps root span names containing
 * it, `?status=OK|ERROR` one status); `/traces/{traceId}` gives one trace with its spans.
 */
export function mountTraces(app: Hono, buffer: TraceSource): string[] {
  app.get("/traces", async (c) => {
    const operation = c.req.query("operation");
    const status = c.req.query("status")?.toUpperCase();
    const all = await buffer.all();
    const traces = all
      .filter((t) => (operation === undefined || t.operation.includes(operation)) && (status === undefined || t.status === status))
      .map(({ traceId, operation, durationMs, status, spans, timestamp }) => ({
        traceId,
        operation,
        durationMs,
        status,
        spanCount: spans.length,
        timestamp,
      }));
    return c.json({ traces, bufferSize: buffer.capacity, bufferUsed: all.length });
  });
  app.get("/traces/:traceId", async (c) => {
    const id = c.req.param("traceId").toLowerCase();
    const trace = (await buffer.all()).find((t) => t.traceId === id);
    if (!trace) return c.json({ error: /^[0-9a-f]{1,32}$/.test(id) ? `Trace not found: ${id}` : "Trace not found" }, 404);
    const { traceId, operation, durationMs, status, timestamp, spans } = trace;
    return c.json({ traceId, operation, durationMs, status, timestamp, spans });
  });
  return ["/traces", "/traces/{traceId}"];
}
