import type { Observer } from "../../observability/observer.js";
import type { RestRoute, RouteHandler } from "./server.js";

/** Wraps a REST route so each call is logged, counted, traced and carries its request id. */
export function observeRoute(observer: Observer, exposes: string) {
  return (route: RestRoute, handler: RouteHandler): RouteHandler =>
    (c) =>
      observer.observe(
        { kind: "rest", exposes, operation: route.name ?? `${route.method} ${route.path}`, method: route.method, route: route.path },
        { requestId: c.req.header("x-request-id"), traceparent: c.req.header("traceparent"), tracestate: c.req.header("tracestate") },
        async (requestId) => {
          const res = await handler(c);
          try {
            res.headers.set("x-request-id", requestId);
          } catch {
            // immutable headers: the id is still in the log line
          }
          return res;
        },
        (res) => ({ status: res.status, error: res.status >= 500 }),
      );
}
