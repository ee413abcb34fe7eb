import type { Observer } from "../../observability/observer.js";
import type { ToolCallWrapper } from "./server.js";

/** Wraps MCP tool calls so each is logged, counted, traced and carries its request id upstream. */
export function observeTool(observer: Observer, exposes: string): ToolCallWrapper {
  return (tool, carrier, run) =>
    observer.observe({ kind: "mcp", exposes, operation: tool.name }, { requestId: carrier("x-request-id"), header: carrier }, run, (r) => ({
      status: r.isError ? "error" : "ok",
      error: r.isError === true,
    }));
}
