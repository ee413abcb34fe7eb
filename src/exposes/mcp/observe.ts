import type { Observer } from "../../observability/observer.js";
import type { CallWrapper } from "./server.js";

/** Wraps MCP tool calls and resource reads so each is logged, counted, traced and carries its request id upstream. */
export function observeCalls(observer: Observer, exposes: string): CallWrapper {
  return (name, carrier, run, failed) =>
    observer.observe({ kind: "mcp", exposes, operation: name }, { requestId: carrier("x-request-id"), header: carrier }, run, (r) => {
      const error = failed(r);
      return { status: error ? "error" : "ok", error };
    });
}
