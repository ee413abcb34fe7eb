import type { MiddlewareHandler } from "hono";
import { callContext } from "../../observability/context.js";
import { UNROUTED, type Observer } from "../../observability/observer.js";
import type { RestRoute, RouteHandler } from "./server.js";

/**
 * Observes every request of a REST exposes block, as its first middleware: one log line, counts and
 * a span per request, including those refused before any route runs (401, 404, 405, 413). The request
 * id is returned in `x-request-id`.
 */
export function observeRequests(observer: Observer, exposes: string): MiddlewareHandler {
  return (c, next) =>
    observer.observe(
      { kind: "rest", exposes, operation: UNROUTED, method: c.req.method, path: new URL(c.req.url).pathname },
      { requestId: c.req.header("x-request-id"), traceparent: c.req.header("traceparent"), tracestate: c.req.header("tracestate") },
      async (requestId) => {
        await next();
        try {
          c.res.headers.set("x-request-id", requestId);
        } catch {
          // immutable headers: the id is still in the log line
        }
        return c.res;
      },
      (res) => ({ status: res.status, error: res.status >= 500 }),
    );
}

/** Names the operation of the current request once routing has found it (metrics label, log, span). */
export function nameRoute() {
  return (route: RestRoute, handler: RouteHandler): RouteHandler =>
    (c) => {
      const info = callContext.getStore()?.info;
      if (info) {
        info.operation = route.name ?? `${route.method} ${route.path}`;
        info.route = route.path;
      }
      return handler(c);
    };
}
