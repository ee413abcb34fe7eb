import type { CallOptions, UpstreamResponse } from "../consumes/http/client.js";
import type { Forwarder } from "../consumes/http/forward.js";
import type { OperationPlan } from "../consumes/http/plan.js";
import { InputError, UpstreamError } from "../errors.js";
import { requestIdFrom, type CallContext } from "./context.js";
import { isoTime, type Logger } from "./log.js";
import type { Metrics } from "./metrics.js";
import { forwardedTrace, type HeaderReader, type Propagation } from "./propagation.js";
import type { SpanHandle, Tracing } from "./tracing.js";

/** What a served call is, for its metrics, its log line and its span. */
export interface CallInfo {
  kind: "rest" | "mcp";
  exposes: string;
  /** Operation, tool or resource name. */
  operation: string;
  /** The HTTP method of a REST call; for MCP, `resources/read` (a call without one is a tool call). */
  method?: string;
  /** The route as written in the file (never the filled-in URL). */
  route?: string;
  /** The request path, logged only when no route matched (404, 405) or the call was refused before routing (401). */
  path?: string;
}

/** The operation label of a REST request that reached no route. */
export const UNROUTED = "(none)";

/** The method of an MCP resource read, whose operation is the resource's name. */
export const RESOURCE_READ = "resources/read";

/** The upstream operation label of a call passed through by `forward`. */
export const FORWARDED = "(forward)";

/** What the caller sent that the call continues: its request id, and its headers for the trace context. */
export interface Incoming {
  requestId?: string | null;
  header: HeaderReader;
}

export interface Outcome {
  /** HTTP status for REST; `ok`/`error` for MCP tools. */
  status: number | string;
  error: boolean;
}

/** The start of a call line at each level it is written at (pino's level numbers). */
const LEVELS = { info: '{"level":30', warn: '{"level":40' } as const;

/** One call being observed: its context for the upstream calls, and `end` once it is answered. */
export interface ObservedCall {
  readonly ctx: CallContext;
  /** What is being called; a REST adapter names the operation once routing has found it. */
  readonly info: CallInfo;
  /** Counts, logs and closes the span; later calls do nothing. */
  end(outcome: Outcome): void;
}

/** The metric children of one operation: label hashing is paid once, not on every call. */
interface Series {
  duration: { observe(seconds: number): void };
  requests: Map<string, { inc(): void }>;
  /** The call lines' fixed fields, serialised, with the method and route they were made for. */
  log?: { fields: string; method?: string; route?: string };
}

/**
 * Logs, metrics and traces for one served capability. Every exposes adapter opens a call with
 * `start` (or wraps it with `observe`); every consumed operation plan is wrapped by
 * `instrumentPlan`, which counts and traces upstream calls and forwards the trace context.
 */
export class Observer {
  /** kind → exposes → operation: looked up on every call, without building a key string. */
  private readonly series = { rest: new Map<string, Map<string, Series>>(), mcp: new Map<string, Map<string, Series>>() };
  private readonly inFlight = {
    rest: new Map<string, { inc(): void; dec(): void }>(),
    mcp: new Map<string, { inc(): void; dec(): void }>(),
  };

  /**
   * @param line writes a finished log line where the logger's go (RuntimeLogger.line): the call
   * line is built here, in pino's format, at a fraction of what pino's generic serialiser costs on
   * every call.
   */
  constructor(
    readonly logger: Logger,
    readonly metrics: Metrics,
    readonly tracing: Tracing | undefined,
    private readonly line: (text: string) => void,
    /** The trace context format; null when observability is turned off: none is sent upstream. */
    private readonly propagation: Propagation | null = "w3c",
  ) {}

  start(info: CallInfo, incoming: Incoming): ObservedCall {
    const started = performance.now();
    const requestId = requestIdFrom(incoming.requestId);
    const span = this.tracing?.server(
      info.method ? `${info.method} ${info.route ?? info.operation}` : `tools/call ${info.operation}`,
      spanAttributes(info),
      incoming.header,
    );
    const ctx: CallContext = {
      requestId,
      upstreamCalls: 0,
      span,
      // Without tracing, the caller's own trace context still reaches the upstream unchanged.
      trace: span || !this.propagation ? undefined : forwardedTrace(this.propagation, incoming.header),
    };
    const gauge = this.gauge(info);
    gauge.inc();
    let ended = false;
    return {
      ctx,
      info,
      end: (result) => {
        if (ended) return;
        ended = true;
        const seconds = (performance.now() - started) / 1000;
        gauge.dec();
        const series = this.callSeries(info);
        counter(series, String(result.status), () =>
          this.metrics.requests.labels({
            kind: info.kind,
            exposes: info.exposes,
            operation: info.operation,
            status: String(result.status),
          }),
        ).inc();
        series.duration.observe(seconds);
        span?.end(
          {
            "http.response.status_code": typeof result.status === "number" ? result.status : undefined,
            "naftiko.request_id": requestId,
            "naftiko.operation": info.operation,
            "http.route": info.route,
          },
          result.error,
          info.method ? `${info.method} ${info.route ?? info.operation}` : undefined,
        );
        const serverError = typeof result.status === "number" ? result.status >= 500 : result.error;
        const level = serverError ? "warn" : "info";
        if (!this.logger.isLevelEnabled(level)) return;
        const unrouted = info.operation === UNROUTED ? `,"method":${JSON.stringify(info.method)},"path":${JSON.stringify(info.path)}` : "";
        const upstream = ctx.upstreamStatus === undefined ? "" : `,"upstreamStatus":${jsonStatus(ctx.upstreamStatus)}`;
        // The request id needs no escaping: requestIdFrom only keeps ids of JSON-safe characters.
        this.line(
          `${LEVELS[level]}${isoTime()}${this.fixedFields(series, info)}${requestId}"${unrouted},"status":${jsonStatus(result.status)}${upstream},"upstreamCalls":${ctx.upstreamCalls},"durationMs":${tenths(seconds * 1000)},"msg":"call"}\n`,
        );
      },
    };
  }

  /** Observes a call that is one promise: `run` gets the call's context for its upstream calls. */
  async observe<T>(info: CallInfo, incoming: Incoming, run: (ctx: CallContext) => Promise<T>, outcome: (result: T) => Outcome): Promise<T> {
    const call = this.start(info, incoming);
    try {
      const value = await run(call.ctx);
      call.end(outcome(value));
      return value;
    } catch (e) {
      call.end({ status: info.kind === "rest" ? 500 : "error", error: true });
      throw e;
    }
  }

  /** Times, counts and traces every call of a consumed operation. */
  instrumentPlan(plan: OperationPlan): OperationPlan {
    const consumes = plan.operation.consumes.namespace;
    const operation = plan.operation.name;
    const series = this.upstreamSeries(consumes, operation);
    return { ...plan, call: (args, opts) => this.upstreamCall(consumes, operation, plan.method, series, opts, (o) => plan.call(args, o)) };
  }

  /** Times, counts and traces every call a forwarder passes through, as operation {@link FORWARDED}. */
  instrumentForward(forwarder: Forwarder): Forwarder {
    const consumes = forwarder.consumes.namespace;
    const series = this.upstreamSeries(consumes, FORWARDED);
    return {
      ...forwarder,
      call: (req, opts) => this.upstreamCall(consumes, FORWARDED, req.method, series, opts, (o) => forwarder.call(req, o)),
    };
  }

  private upstreamCall(
    consumes: string,
    operation: string,
    method: string,
    series: Series,
    opts: CallOptions,
    send: (opts: CallOptions) => Promise<UpstreamResponse>,
  ): Promise<UpstreamResponse> {
    const ctx = opts.context;
    const started = performance.now();
    const parent = ctx?.span as SpanHandle | undefined;
    const span = this.tracing?.client(
      `${method} ${consumes}.${operation}`,
      { "http.request.method": method, "naftiko.consumes": consumes, "naftiko.operation": operation },
      parent,
    );
    // The upstream call is the upstream span's child: its trace context is what goes upstream.
    const callOpts = ctx && span ? { ...opts, context: { ...ctx, trace: span.headers() } } : opts;
    const record = (status: number | string) => {
      const seconds = (performance.now() - started) / 1000;
      counter(series, String(status), () => this.metrics.upstreamRequests.labels({ consumes, operation, status: String(status) })).inc();
      series.duration.observe(seconds);
      span?.end(
        { "http.response.status_code": typeof status === "number" ? status : undefined },
        typeof status !== "number" || status >= 500,
      );
      if (ctx) {
        ctx.upstreamCalls++;
        ctx.upstreamStatus = status;
      }
      if (this.logger.isLevelEnabled("debug")) {
        this.logger.debug(
          { reqId: ctx?.requestId, consumes, operation, status, durationMs: Math.round(seconds * 10_000) / 10 },
          "upstream call",
        );
      }
    };
    // A promise chain, not an async function: one frame less on every proxied call.
    return send(callOpts).then(
      (res) => {
        record(res.status);
        return res;
      },
      (e: unknown) => {
        // A call refused before it was sent (bad input) is not an upstream call.
        if (e instanceof InputError) span?.end({}, true);
        else
          record(
            e instanceof UpstreamError ? (e.kind === "timeout" ? "timeout" : "unreachable") : opts.signal?.aborted ? "cancelled" : "error",
          );
        throw e;
      },
    );
  }

  async shutdown(): Promise<void> {
    await this.tracing?.shutdown().catch(() => {});
  }

  /**
   * The fields of a call line that are the same for every call of an operation, serialised once:
   * kind, exposes, operation (or tool), and for a routed REST call its method and route; with the
   * separators around them, up to the opening quote of the request id.
   */
  private fixedFields(series: Series, info: CallInfo): string {
    const routed = info.operation !== UNROUTED;
    const method = routed ? info.method : undefined;
    const route = routed ? info.route : undefined;
    if (series.log && series.log.method === method && series.log.route === route) return series.log.fields;
    const fixed: Record<string, unknown> = {
      kind: info.kind,
      exposes: info.exposes,
      // An MCP call without a method is a tool call; a resource read says so.
      [info.kind === "rest" ? "operation" : info.method === RESOURCE_READ ? "resource" : "tool"]: info.operation,
    };
    if (method) {
      fixed.method = method;
      fixed.route = route;
    }
    const fields = `,${JSON.stringify(fixed).slice(1, -1)},"reqId":"`;
    // One operation on two routes (rare) keeps the first one's fields and serialises the other's per call.
    series.log ??= { fields, method, route };
    return fields;
  }

  private callSeries(info: CallInfo): Series {
    const byExposes = this.series[info.kind];
    let byOperation = byExposes.get(info.exposes);
    if (!byOperation) byExposes.set(info.exposes, (byOperation = new Map()));
    let s = byOperation.get(info.operation);
    if (!s)
      byOperation.set(
        info.operation,
        (s = {
          duration: this.metrics.duration.labels({ kind: info.kind, exposes: info.exposes, operation: info.operation }),
          requests: new Map(),
        }),
      );
    return s;
  }

  private gauge(info: CallInfo): { inc(): void; dec(): void } {
    const byExposes = this.inFlight[info.kind];
    let g = byExposes.get(info.exposes);
    if (!g) byExposes.set(info.exposes, (g = this.metrics.inFlight.labels({ kind: info.kind, exposes: info.exposes })));
    return g;
  }

  private upstreamSeries(consumes: string, operation: string): Series {
    return { duration: this.metrics.upstreamDuration.labels({ consumes, operation }), requests: new Map() };
  }
}

/** A status as JSON: an HTTP status is a number, an MCP outcome (`ok`, `error`) or a failure a string. */
function jsonStatus(status: number | string): string {
  return typeof status === "number" ? `${status}` : JSON.stringify(status);
}

/** Milliseconds rounded to a tenth, written as JSON.stringify writes the number, from integers only. */
export function tenths(ms: number): string {
  const t = Math.round(ms * 10);
  const r = t % 10;
  return r === 0 ? `${t / 10}` : `${(t - r) / 10}.${r}`;
}

function counter(series: Series, status: string, create: () => { inc(): void }): { inc(): void } {
  let c = series.requests.get(status);
  if (!c) series.requests.set(status, (c = create()));
  return c;
}

function spanAttributes(info: CallInfo): Record<string, string> {
  const a: Record<string, string> = { "naftiko.exposes": info.exposes, "naftiko.operation": info.operation, "naftiko.kind": info.kind };
  if (info.method) a[info.kind === "rest" ? "http.request.method" : "mcp.method.name"] = info.method;
  if (info.route) a["http.route"] = info.route;
  return a;
}
