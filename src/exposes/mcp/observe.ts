import { RESOURCE_READ, type Observer } from "../../observability/observer.js";
import type { CallWrapper } from "./wrap.js";

/** Wraps MCP tool calls and resource reads so each is logged, counted, traced and carries its request id upstream. */
export function observeCalls(observer: Observer, exposes: string): CallWrapper {
  return ({ name, method }, carrier, run, failed) =>
    observer.observe(
      // A tool call is named by its tool alone (its span "tools/call <tool>"); a read by its method too.
      { kind: "mcp", exposes, operation: name, ...(method === RESOURCE_READ ? { method } : {}) },
      { requestId: carrier("x-request-id"), header: carrier },
      run,
      (r) => {
        const error = failed(r);
        return { status: error ? "error" : "ok", error };
      },
    );
}
