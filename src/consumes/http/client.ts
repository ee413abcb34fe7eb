import type { IncomingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import { UpstreamBody } from "./body.js";
import { UpstreamError } from "../../errors.js";
import { joined } from "../../streams.js";
import { addForwardedHeaders, type CallContext } from "../../observability/context.js";
import type { Pools } from "./pool.js";

export interface UpstreamRequest {
  origin: string;
  /** Path and query, already encoded. */
  path: string;
  method: string;
  /** Names in lower case (the plan writes them so). */
  headers: Record<string, string>;
  /** A stream is sent as it is read (a forwarded caller's body): it cannot be sent twice. */
  body?: string | Buffer | Readable;
}

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: UpstreamBody;
  /** Most bytes `readBody` reads of this body (set by the plan from the runtime's settings). */
  maxBody?: number;
}

/** Default for the largest upstream body read whole (to map or convert it): a bound on memory per call. */
export const MAX_READ_BODY = 32 * 1024 * 1024;

/**
 * What a call needs of its caller's "I have gone" signal. An AbortSignal fits; so does the REST
 * adapter's lighter {@link CallerGone}, which skips EventTarget's cost on every request.
 */
export interface CallerSignal {
  readonly aborted: boolean;
  /** Why it was aborted: what a wait cut short by it (retry backoff, limiter queue) rejects with. */
  readonly reason?: unknown;
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

export interface CallOptions {
  /** Aborted when the caller goes away: the upstream call is then cancelled too. */
  signal?: CallerSignal;
  /** Milliseconds for the whole call, connect to last byte of the body. */
  timeout: number;
  /** The whole call's budget when `timeout` is what is left of it (retries): named in messages. */
  totalTimeout?: number;
  /** The served call this upstream call is made for: its request id and trace context go upstream. */
  context?: CallContext;
}

/**
 * A one-shot abort signal without EventTarget's cost (an AbortController and its listener, made on
 * every request). Listeners are called once, in order. The REST adapter uses one per request to
 * tell that the caller left.
 */
export class CallerGone implements CallerSignal {
  /** A signal aborted when `res` closes before it was written in full: the caller went away. */
  static of(res: { on(event: "close", listener: () => void): unknown; readonly writableFinished: boolean }): CallerGone {
    const gone = new CallerGone();
    res.on("close", () => {
      if (!res.writableFinished) gone.abort();
    });
    return gone;
  }

  aborted = false;
  reason?: Error;
  private listeners?: Array<() => void>;
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    // Made only when it happens (a DOMException captures a stack), as AbortSignal.abort() would.
    this.reason ??= new DOMException("the caller went away", "AbortError");
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners) for (const l of listeners) l();
  }
  addEventListener(_type: "abort", listener: () => void): void {
    if (!this.aborted) (this.listeners ??= []).push(listener);
  }
  removeEventListener(_type: "abort", listener: () => void): void {
    const i = this.listeners?.indexOf(listener) ?? -1;
    if (i >= 0) this.listeners!.splice(i, 1);
  }
}

/**
 * One upstream call, as undici's dispatch handler: it resolves with the status and headers, feeds
 * the body, and cancels the call when its caller goes away or its deadline passes, whichever is
 * first. One object per call in place of undici's `request` (a promise handler, an AsyncResource
 * and a body stream) and AbortSignal.timeout + AbortSignal.any, which leave a 30 s timer and a
 * composite signal alive long after the call is over. The timer is cleared as soon as the body is
 * done.
 */
class Call implements Dispatcher.DispatchHandler {
  timedOut = false;
  private controller?: Dispatcher.DispatchController;
  private body?: UpstreamBody;
  private abortReason?: Error;
  private settled = false;
  private readonly timer: NodeJS.Timeout;
  private readonly onCallerGone?: () => void;

  constructor(
    private readonly opts: CallOptions,
    private readonly resolve: (res: UpstreamResponse) => void,
    private readonly reject: (e: unknown, timedOut: boolean) => void,
  ) {
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.abort(new DOMException(`upstream call took longer than ${opts.timeout} ms`, "TimeoutError"));
    }, opts.timeout);
    this.timer.unref();
    const signal = opts.signal;
    if (signal?.aborted) this.abort(signal.reason as Error);
    else if (signal) {
      this.onCallerGone = () => this.abort((signal.reason as Error) ?? new DOMException("the caller went away", "AbortError"));
      signal.addEventListener("abort", this.onCallerGone, { once: true });
    }
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.abortReason) controller.abort(this.abortReason);
  }

  onResponseStart(controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    const body = new UpstreamBody(controller);
    this.body = body;
    body.onDone(() => this.finish());
    this.settled = true;
    this.resolve({ status, headers, body });
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.body?.push(chunk);
  }

  onResponseEnd(): void {
    this.body?.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.body) return this.body.fail(error);
    this.finish();
    this.fail(error);
  }

  get aborted(): boolean {
    return this.abortReason !== undefined;
  }

  /** Cancels the call. Before undici started it, the caller hears at once; undici cancels it on start. */
  abort(reason: Error): void {
    if (this.abortReason) return;
    this.abortReason = reason;
    this.finish();
    if (this.controller) this.controller.abort(reason);
    else this.fail(reason);
  }

  private fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(error, this.timedOut);
  }

  /** The call is over (body read, failed or abandoned): stop the clock, forget the caller. */
  private finish(): void {
    clearTimeout(this.timer);
    if (this.onCallerGone) this.opts.signal?.removeEventListener("abort", this.onCallerGone);
  }
}

/** Sends one request through the origin's pool and maps transport failures to UpstreamError. */
export function send(pools: Pools, req: UpstreamRequest, opts: CallOptions): Promise<UpstreamResponse> {
  return new Promise<UpstreamResponse>((resolve, reject) => {
    const call = new Call(opts, resolve, (e, timedOut) => reject(upstreamFailure(e, req.origin, timedOut, opts)));
    // A caller already gone has been answered (rejected); nothing is sent.
    if (call.aborted) return;
    pools.get(req.origin).dispatch(
      {
        path: req.path,
        method: req.method as Dispatcher.HttpMethod,
        headers: opts.context ? addForwardedHeaders(req.headers, opts.context) : req.headers,
        body: req.body as Dispatcher.DispatchOptions["body"],
      },
      call,
    );
  });
}

/**
 * Reads a whole upstream body, mapping a stall or reset to the same errors as the call itself. A body
 * larger than the limit is refused (502) rather than buffered: an upstream must not be able to make
 * the runtime hold gigabytes.
 */
export async function readBody(
  res: UpstreamResponse,
  opts: CallOptions,
  origin: string,
  limit = res.maxBody ?? MAX_READ_BODY,
): Promise<Buffer> {
  const tooBig = () =>
    new UpstreamError("bad_response", `upstream ${origin} answered with a body larger than ${limit} bytes, the most this runtime reads`);
  const declared = Number(res.headers["content-length"]);
  if (declared > limit) {
    res.body.destroy();
    throw tooBig();
  }
  const read = await res.body.read(limit);
  if (read.error) throw upstreamFailure(read.error, origin, false, opts);
  if (!read.ended) {
    res.body.destroy();
    throw tooBig();
  }
  return joined(read.chunks, read.size);
}

export function upstreamFailure(e: unknown, origin: string, timedOut: boolean, opts: CallOptions): unknown {
  if (opts.signal?.aborted) return e; // the caller left; nobody is waiting for an answer
  const err = e as { code?: string; name?: string; cause?: { code?: string } };
  const code = err.code ?? err.cause?.code;
  // The connect timeout is its own (shorter) setting: naming the call timeout here would mislead.
  if (code === "UND_ERR_CONNECT_TIMEOUT")
    return new UpstreamError("timeout", `upstream ${origin}: connection not established within the connect timeout`);
  if (timedOut || err.name === "TimeoutError" || code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") {
    return new UpstreamError("timeout", `upstream ${origin} did not answer within ${opts.totalTimeout ?? opts.timeout} ms`);
  }
  // Aborted while the body was read, and not by the caller: only the deadline aborts.
  if (err.name === "AbortError" || code === "UND_ERR_ABORTED") {
    return new UpstreamError("timeout", `upstream ${origin} did not answer within ${opts.totalTimeout ?? opts.timeout} ms`);
  }
  return new UpstreamError("unreachable", `upstream ${origin} is unreachable (${code ?? err.name ?? "error"})`);
}
