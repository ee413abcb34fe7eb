import type { IncomingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import { readUpTo } from "../../streams.js";
import type { Dispatcher } from "undici";
import { UpstreamError } from "../../errors.js";
import { addForwardedHeaders, type CallContext } from "../../observability/context.js";
import type { Pools } from "./pool.js";
import { request } from "./undici.js";

export interface UpstreamRequest {
  origin: string;
  /** Path and query, already encoded. */
  path: string;
  method: string;
  /** Names in lower case (the plan writes them so). */
  headers: Record<string, string>;
  body?: string | Buffer | FormData;
}

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Dispatcher.ResponseData["body"];
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
 * A one-shot abort signal without EventTarget's cost (an AbortController and its listener cost a
 * few µs on every request). Listeners are called once, in order. The REST adapter uses one per
 * request to tell that the caller left.
 */
export class CallerGone implements CallerSignal {
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
 * Cancels one upstream call when its caller goes away or its deadline passes, whichever is first.
 * It is the call's `signal` for undici, which only needs `aborted`, `reason` and the two listener
 * methods. This replaces AbortSignal.timeout + AbortSignal.any, which cost ~80 µs a call under
 * load: each left a 30 s timer and a composite signal alive long after the call was over (issue 6).
 * Here the timer is cleared as soon as the body is done.
 */
class CallAbort extends CallerGone {
  timedOut = false;
  private readonly timer: NodeJS.Timeout;
  private readonly onCallerGone?: () => void;

  constructor(private readonly opts: CallOptions) {
    super();
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.reason = new DOMException(`upstream call took longer than ${opts.timeout} ms`, "TimeoutError");
      this.abort();
    }, opts.timeout);
    this.timer.unref();
    if (opts.signal?.aborted) this.abort();
    else if (opts.signal) {
      this.onCallerGone = () => this.abort();
      opts.signal.addEventListener("abort", this.onCallerGone, { once: true });
    }
  }

  override abort(): void {
    if (this.aborted) return;
    this.finish();
    super.abort();
  }

  /** The call is over (body read, failed or abandoned): stop the clock, forget the caller. */
  finish(): void {
    clearTimeout(this.timer);
    if (this.onCallerGone) this.opts.signal?.removeEventListener("abort", this.onCallerGone);
  }
}

/** Sends one request through the origin's pool and maps transport failures to UpstreamError. */
export async function send(pools: Pools, req: UpstreamRequest, opts: CallOptions): Promise<UpstreamResponse> {
  const call = new CallAbort(opts);
  try {
    const res = await request(pools.get(req.origin), {
      path: req.path,
      method: req.method as Dispatcher.HttpMethod,
      headers: opts.context ? addForwardedHeaders(req.headers, opts.context) : req.headers,
      body: req.body as Dispatcher.DispatchOptions["body"],
      signal: call,
    });
    // A body that stalls or breaks later surfaces as a stream error; name it like a call failure.
    res.body.on("error", () => {});
    // The deadline covers the body too: it stops when the body is done, read or not.
    res.body.once("close", () => call.finish());
    return { status: res.statusCode, headers: res.headers, body: res.body };
  } catch (e) {
    call.finish();
    throw upstreamFailure(e, req.origin, call.timedOut, opts);
  }
}

/**
 * Reads a whole upstream body, mapping a stall or reset to the same errors as the call itself. A body
 * larger than the limit is refused (502) rather than buffered: an upstream must not be able to make
 * the runtime hold gigabytes.
 */
export async function readBody(res: UpstreamResponse, opts: CallOptions, origin: string, limit = res.maxBody ?? MAX_READ_BODY): Promise<Buffer> {
  const tooBig = () => new UpstreamError("bad_response", `upstream ${origin} answered with a body larger than ${limit} bytes, the most this runtime reads`);
  const declared = Number(res.headers["content-length"]);
  if (declared > limit) {
    res.body.destroy();
    throw tooBig();
  }
  let read: Buffer | undefined;
  try {
    read = await readAll(res.body, limit);
  } catch (e) {
    throw upstreamFailure(e, origin, false, opts);
  }
  if (read === undefined) {
    res.body.destroy();
    throw tooBig();
  }
  return read;
}

/** A whole stream, or undefined when it is larger than `limit` bytes (the caller destroys it). */
export async function readAll(body: Readable, limit: number): Promise<Buffer | undefined> {
  const read = await readUpTo(body, limit);
  if (!read.ended) return undefined;
  return read.chunks.length === 1 ? read.chunks[0] : Buffer.concat(read.chunks, read.size);
}


export function upstreamFailure(e: unknown, origin: string, timedOut: boolean, opts: CallOptions): unknown {
  if (opts.signal?.aborted) return e; // the caller left; nobody is waiting for an answer
  const err = e as { code?: string; name?: string; cause?: { code?: string } };
  const code = err.code ?? err.cause?.code;
  // The connect timeout is its own (shorter) setting: naming the call timeout here would mislead.
  if (code === "UND_ERR_CONNECT_TIMEOUT") return new UpstreamError("timeout", `upstream ${origin}: connection not established within the connect timeout`);
  if (timedOut || err.name === "TimeoutError" || code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") {
    return new UpstreamError("timeout", `upstream ${origin} did not answer within ${opts.totalTimeout ?? opts.timeout} ms`);
  }
  // Aborted while the body was read, and not by the caller: only the deadline aborts.
  if (err.name === "AbortError" || code === "UND_ERR_ABORTED") {
    return new UpstreamError("timeout", `upstream ${origin} did not answer within ${opts.totalTimeout ?? opts.timeout} ms`);
  }
  return new UpstreamError("unreachable", `upstream ${origin} is unreachable (${code ?? err.name ?? "error"})`);
}
