import type { Readable } from "node:stream";
import { compileTemplate, textOf, type Lookup } from "../../mapping/template.js";
import type { ConsumesHttp } from "../../spec/model.js";
import { compileAuth } from "./auth.js";
import type { CallOptions, UpstreamRequest, UpstreamResponse } from "./client.js";
import { checkHeaderValue } from "./encode.js";
import type { Pools } from "./pool.js";
import { IDEMPOTENT_METHODS } from "./retry.js";
import { compileSender, type CallPolicy } from "./sender.js";

/** A request to pass through to a consumes block (`forward`), as the exposing side prepared it. */
export interface ForwardRequest {
  method: string;
  /** The path below the forwarding resource's, still percent-encoded: `/v1/pages` or empty. */
  rest: string;
  /** The caller's query string as sent, without `?` (may be empty). */
  query: string;
  /** The caller's headers that may go upstream (trusted, and what the body's framing needs), lower case. */
  headers: Record<string, string>;
  body?: Readable;
}

/** A consumes block as the target of `forward`: the rest of the caller's path under its `baseUri`. */
export interface Forwarder {
  readonly consumes: ConsumesHttp;
  call(req: ForwardRequest, opts: CallOptions): Promise<UpstreamResponse>;
}

/**
 * Compiles a consumes block into a forwarder. What goes upstream is what the reference engine sends
 * (ResourceRestlet.handleFromForwardSpec): the caller's method, the rest of its path appended to the
 * block's base URI, its query, its trusted headers and its body; then the block's own input
 * parameters that have a value (headers, query, cookies) and its authentication, which win over a
 * caller's header of the same name.
 */
export function compileForward(block: ConsumesHttp, baseUri: string, lookup: Lookup, pools: Pools, policy: CallPolicy): Forwarder {
  const base = new URL(baseUri);
  const origin = base.origin;
  const basePath = base.pathname.replace(/\/+$/, "");
  const auth = compileAuth(block.authentication, lookup);
  const headers: Array<[string, string]> = [];
  const cookies: string[] = [];
  const query: string[] = [];
  for (const p of block.inputParameters) {
    if (p.value === undefined) continue;
    const text = textOf(compileTemplate(p.value).render(lookup));
    if (p.in === "query") query.push(`${encodeURIComponent(p.name)}=${encodeURIComponent(text)}`);
    else if ((p.in === "header" || p.in === "cookie") && !checkHeaderValue(text, p.name, p.in)) {
      if (p.in === "header") headers.push([p.name.toLowerCase(), text]);
      else cookies.push(`${p.name}=${text}`);
    }
  }
  for (const [k, v] of auth.query) query.push(`${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  for (const [name, value] of Object.entries(auth.headers)) headers.push([name, value]);
  const added = query.join("&");
  const sender = compileSender(auth, pools, policy);
  return {
    consumes: block,
    call(req, opts) {
      const out: Record<string, string> = { ...req.headers };
      for (const [name, value] of headers) out[name] = value;
      if (cookies.length) out.cookie = out.cookie ? `${out.cookie}; ${cookies.join("; ")}` : cookies.join("; ");
      const q = req.query && added ? `${req.query}&${added}` : req.query || added;
      const path = `${basePath}${req.rest}` || "/";
      const upstream: UpstreamRequest = { origin, method: req.method, path: q ? `${path}?${q}` : path, headers: out, body: req.body };
      // Only a request without a body can be sent again: a streamed one is read once.
      const retryable = IDEMPOTENT_METHODS.has(req.method) && req.body === undefined && policy.retry.retries > 0;
      return sender(upstream, opts, retryable);
    },
  };
}
