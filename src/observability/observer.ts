import type { Dispatcher } from "undici";
import type { OperationPlan } from "../consumes/http/plan.js";
import { InputError, UpstreamError } from "../errors.js";
import { callContext, requestIdFrom, validTraceparent, type CallContext } from "./context.js";
import type { Logger } from "./log.js";
import type { Metrics } from "./metrics.js";
import type { SpanHandle, Tracing } from "./tracing.js";

/** What a served call is, for its metrics, its log line and its span. */
export interface CallInfo {
  kind: "rest" | "mcp";
  exposes: string;
  /** Operation or tool name. */
  operation: string;
  method?: string;
  /** The route as written in the file (never the filled-in URL). */
  route?: string;
  /** The request path, logged only when no route matched (404, 405) or the call was refused before routing (401). */
  path?: string;
}

/** The operation label of a REST request that reached no route. */
export const UNROUTED = "(none)";

/** What the caller sent that the call continues: its request id and trace context. */
export interface Incoming {
  requestId?: string | null;
  traceparent?: string | null;
  tracestate?: string | null;
}

export interface Outcome {
  /** HTTP status for REST; `ok`/`error` for MCP tools. */
  status: number | string;
  error: boolean;
}

/**
 * Logs, metrics and traces for one served capability. Every exposes adapter wraps its calls with
 * `observe`; every consumed operation plan is wrapped by `instrumentPlan`; every upstream request
 * goes through `interceptor`, which forwards the request id and trace context.
 */
export class Observer {
  constructor(
    readonly logger: Logger,
    readonly metrics: Metrics,
    readonly tracing?: Tracing,
  ) {}

  async observe<T>(info: CallInfo, incoming: Incoming, run: (requestId: string) => Promise<T>, outcome: (result: T) => Outcome): Promise<T> {
    const started = performance.now();
    const requestId = requestIdFrom(incoming.requestId);
    const callerParent = validTraceparent(incoming.traceparent);
    const span = this.tracing?.server(info.method ? `${info.method} ${info.route ?? info.operation}` : `tools/call ${info.operation}`, spanAttributes(info), callerParent, incoming.tracestate ?? undefined);
    const ctx: CallContext = {
      requestId,
      info,
      upstreamCalls: 0,
      span,
      // Without tracing, the caller's own trace context still reaches the upstream unchanged.
      traceparent: span ? undefined : callerParent,
      tracestate: span || !callerParent ? undefined : (incoming.tracestate ?? undefined),
    };
    const gauge = { kind: info.kind, exposes: info.exposes };
    this.metrics.inFlight.inc(gauge);
    let result: Outcome = { status: "error", error: true };
    try {
      const value = await callContext.run(ctx, () => run(requestId));
      result = outcome(value);
      return value;
    } catch (e) {
      result = { status: info.kind === "rest" ? 500 : "error", error: true };
      throw e;
    } finally {
      const seconds = (performance.now() - started) / 1000;
      this.metrics.inFlight.dec(gauge);
      const labels = { kind: info.kind, exposes: info.exposes, operation: info.operation };
      this.metrics.requests.inc({ ...labels, status: String(result.status) });
      this.metrics.duration.observe(labels, seconds);
      span?.end(
        { "http.response.status_code": typeof result.status === "number" ? result.status : undefined, "naftiko.request_id": requestId, "naftiko.operation": info.operation, "http.route": info.route },
        result.error,
        info.method ? `${info.method} ${info.route ?? info.operation}` : undefined,
      );
      const line = {
        reqId: requestId,
        kind: info.kind,
        exposes: info.exposes,
        [info.kind === "mcp" ? "tool" : "operation"]: info.operation,
        ...(info.method ? { method: info.method, route: info.route } : {}),
        ...(info.operation === UNROUTED ? { path: info.path } : {}),
        status: result.status,
        upstreamStatus: ctx.upstreamStatus,
        upstreamCalls: ctx.upstreamCalls,
        durationMs: Math.round(seconds * 10_000) / 10,
      };
      const serverError = typeof result.status === "number" ? result.status >= 500 : result.error;
      if (serverError) this.logger.warn(line, "call");
      else this.logger.info(line, "call");
    }
  }

  /** Times, counts and traces every call of a consumed operation. */
  instrumentPlan(plan: OperationPlan): OperationPlan {
    const consumes = plan.ref.consumes.namespace;
    const operation = plan.ref.operation.name;
    const labels = { consumes, operation };
    const observer = this;
    return {
      ...plan,
      async call(args, opts) {
        const ctx = callContext.getStore();
        const started = performance.now();
        const parent = ctx?.span as SpanHandle | undefined;
        const span = observer.tracing?.client(`${plan.method} ${consumes}.${operation}`, { "http.request.method": plan.method, "naftiko.consumes": consumes, "naftiko.operation": operation }, parent);
        let status: number | string = "error";
        const inner: CallContext | undefined = ctx && span ? { ...ctx, traceparent: span.traceparent(), tracestate: span.tracestate?.() } : ctx;
        try {
          const res = await (inner && inner !== ctx ? callContext.run(inner, () => plan.call(args, opts)) : plan.call(args, opts));
          status = res.status;
          return res;
        } catch (e) {
          if (e instanceof InputError) {
            span?.end({}, true);
            status = "";
            throw e;
          }
          status = e instanceof UpstreamError ? (e.kind === "timeout" ? "timeout" : "unreachable") : opts.signal?.aborted ? "cancelled" : "error";
          throw e;
        } finally {
          if (status !== "") {
            const seconds = (performance.now() - started) / 1000;
            observer.metrics.upstreamRequests.inc({ ...labels, status: String(status) });
            observer.metrics.upstreamDuration.observe(labels, seconds);
            span?.end({ "http.response.status_code": typeof status === "number" ? status : undefined }, typeof status !== "number" || status >= 500);
            if (ctx) {
              ctx.upstreamCalls++;
              ctx.upstreamStatus = status;
            }
            observer.logger.debug({ reqId: ctx?.requestId, consumes, operation, status, durationMs: Math.round(seconds * 10_000) / 10 }, "upstream call");
          }
        }
      },
    };
  }

  /** undici interceptor: adds `x-request-id` and `traceparent` of the current call upstream. */
  readonly interceptor: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) => {
    const ctx = callContext.getStore();
    if (!ctx) return dispatch(opts, handler);
    const extra: Array<[string, string]> = [["x-request-id", ctx.requestId]];
    if (ctx.traceparent) {
      extra.push(["traceparent", ctx.traceparent]);
      if (ctx.tracestate) extra.push(["tracestate", ctx.tracestate]);
    }
    const given = opts.headers;
    if (Array.isArray(given)) {
      // undici's flat [name, value, name, value, …] form
      const names = new Set(given.filter((_v, i) => i % 2 === 0).map((n) => String(n).toLowerCase()));
      const add = extra.filter(([n]) => !names.has(n)).flat();
      return dispatch({ ...opts, headers: [...given, ...add] as typeof given }, handler);
    }
    const headers: Record<string, unknown> = { ...(given as Record<string, unknown> | undefined) };
    const present = new Set(Object.keys(headers).map((n) => n.toLowerCase()));
    for (const [n, v] of extra) if (!present.has(n)) headers[n] = v;
    return dispatch({ ...opts, headers: headers as typeof given }, handler);
  };

  async shutdown(): Promise<void> {
    await this.tracing?.shutdown().catch(() => {});
  }
}

function spanAttributes(info: CallInfo): Record<string, string> {
  const a: Record<string, string> = { "naftiko.exposes": info.exposes, "naftiko.operation": info.operation, "naftiko.kind": info.kind };
  if (info.method) a["http.request.method"] = info.method;
  if (info.route) a["http.route"] = info.route;
  return a;
}
