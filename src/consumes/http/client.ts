import type { IncomingHttpHeaders } from "node:http";
import type { Dispatcher } from "undici";
import { UpstreamError } from "../../errors.js";
import type { Pools } from "./pool.js";

export interface UpstreamRequest {
  origin: string;
  /** Path and query, already encoded. */
  path: string;
  method: string;
  headers: Record<string, string>;
  body?: string | Buffer | FormData;
}

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Dispatcher.ResponseData["body"];
}

export interface CallOptions {
  /** Aborted when the caller goes away: the upstream call is then cancelled too. */
  signal?: AbortSignal;
  /** Milliseconds for the whole call, connect to last byte of the body. */
  timeout: number;
  /** The whole call's budget when `timeout` is what is left of it (retries): named in messages. */
  totalTimeout?: number;
}

/** Sends one request through the origin's pool and maps transport failures to UpstreamError. */
export async function send(pools: Pools, req: UpstreamRequest, opts: CallOptions): Promise<UpstreamResponse> {
  const deadline = AbortSignal.timeout(opts.timeout);
  const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
  try {
    const res = await pools.get(req.origin).request({
      path: req.path,
      method: req.method as Dispatcher.HttpMethod,
      headers: req.headers,
      body: req.body as Dispatcher.DispatchOptions["body"],
      signal,
    });
    // A body that stalls or breaks later surfaces as a stream error; name it like a call failure.
    res.body.on("error", () => {});
    return { status: res.statusCode, headers: res.headers, body: res.body };
  } catch (e) {
    throw upstreamFailure(e, req.origin, deadline, opts);
  }
}

/** Reads a whole upstream body, mapping a stall or reset to the same errors as the call itself. */
export async function readBody(res: UpstreamResponse, opts: CallOptions, origin: string): Promise<Buffer> {
  try {
    return Buffer.from(await res.body.arrayBuffer());
  } catch (e) {
    throw upstreamFailure(e, origin, undefined, opts);
  }
}

export function upstreamFailure(e: unknown, origin: string, deadline: AbortSignal | undefined, opts: CallOptions): unknown {
  if (opts.signal?.aborted) return e; // the caller left; nobody is waiting for an answer
  const err = e as { code?: string; name?: string; cause?: { code?: string } };
  const code = err.code ?? err.cause?.code;
  // The connect timeout is its own (shorter) setting: naming the call timeout here would mislead.
  if (code === "UND_ERR_CONNECT_TIMEOUT") return new UpstreamError("timeout", `upstream ${origin}: connection not established within the connect timeout`);
  if (deadline?.aborted || err.name === "TimeoutError" || code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") {
    return new UpstreamError("timeout", `upstream ${origin} did not answer within ${opts.totalTimeout ?? opts.timeout} ms`);
  }
  if (err.name === "AbortError" && !deadline) {
    return new UpstreamError("timeout", `upstream ${origin} did not answer within ${opts.totalTimeout ?? opts.timeout} ms`);
  }
  return new UpstreamError("unreachable", `upstream ${origin} is unreachable (${code ?? err.name ?? "error"})`);
}
