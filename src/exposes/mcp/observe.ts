import type { Observer } from "../../observability/observer.js";
import type { ToolCallWrapper } from "./server.js";

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** Wraps MCP tool calls so each is logged, counted, traced and carries its request id upstream. */
export function observeTool(observer: Observer, exposes: string): ToolCallWrapper {
  return (tool, headers, run) =>
    observer.observe(
      { kind: "mcp", exposes, operation: tool.name },
      { requestId: first(headers?.["x-request-id"]), header: (name) => first(headers?.[name]) },
      run,
      (r) => ({ status: r.isError ? "error" : "ok", error: r.isError === true }),
    );
}
