import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from "node:http";
import { Transform, type Readable, type TransformCallback } from "node:stream";
import type { CallOptions } from "../../consumes/http/client.js";
import type { Forwarder, ForwardRequest } from "../../consumes/http/forward.js";
import { HOP_BY_HOP } from "../../consumes/http/hop-by-hop.js";
import { readErrorBody } from "../../consumes/http/response.js";
import type { Forward } from "../../spec/model.js";
import { headerValue } from "./request.js";

/**
 * `forward` on an exposed REST resource: a request to the resource's path, or below it, is passed
 * through to the target consumes block, streamed both ways. The resource's path is the prefix
 * (without its last `{path}` variable, which names the rest, as in `/notion/{path}`); what follows
 * the prefix is appended to the block's base URI. Only the `trustedHeaders` of the caller go
 * upstream, plus what the body's framing needs; the block adds its own parameters and credentials.
 * Operations declared on the resource win for their method and exact path.
 */

/** The variable that stands for the rest of the path, as the reference engine names it (`/notion/{path}`). */
export const REST_VARIABLE = "path";
const REST_AT_END = /\/?\{\{?\s*path\s*\}?\}$/;

/** A forward resource's path as a prefix: its template without a final `{path}`, and that prefix's segment count. */
export function forwardPrefix(path: string): { prefix: string; segments: number } {
  const m = REST_AT_END.exec(path);
  const prefix = m ? path.slice(0, m.index) : path.replace(/\/$/, "");
  return { prefix, segments: prefix.split("/").filter((s) => s !== "").length };
}

/** What a forward answers: the upstream's status and headers (hop-by-hop ones removed) and its body. */
export interface Forwarded {
  status: number;
  headers: OutgoingHttpHeaders;
  /** Streamed from the upstream; an error answer read whole (and scrubbed of credentials); none for HEAD. */
  body?: Readable | Buffer;
}

/** How a forward call ended without an upstream answer to pass back. */
export type ForwardRefusal = { status: 400 | 413; error: string; message: string };

export interface ForwardCall {
  req: IncomingMessage;
  /** The request path as routed (normalised), and the query as the caller sent it. */
  path: string;
  query: string;
  opts: CallOptions;
  head: boolean;
}

export interface ForwardContext {
  forwarder: Forwarder;
  maxBodySize: number;
  maxErrorBody: number;
  redact(text: string): string;
}

/** Compiles the handler of one forward resource. */
export function compileForwardRoute(path: string, forward: Forward, ctx: ForwardContext) {
  const { segments } = forwardPrefix(path);
  const trusted = [...new Set(forward.trustedHeaders.map((h) => h.toLowerCase()))];
  return async (call: ForwardCall): Promise<Forwarded | ForwardRefusal> => {
    const { req } = call;
    const escape = pathEscape(rawPath(req.url ?? "/"));
    if (escape) return { status: 400, error: "bad_request", message: `forward: the path must not contain ${escape}` };
    const parts = call.path.split("/").slice(1 + segments);
    const rest = parts.length ? `/${parts.join("/")}` : "";

    const headers: Record<string, string> = {};
    for (const name of trusted) {
      const value = name === "cookie" ? cookieHeader(req) : headerValue(req, name);
      if (value !== undefined) headers[name] = value;
    }
    const method = req.method ?? "GET";
    const request: ForwardRequest = { method, rest, query: call.query, headers };
    let bounded: Bounded | undefined;
    if (hasBody(req)) {
      const length = req.headers["content-length"];
      if (length !== undefined && Number(length) > ctx.maxBodySize)
        return { status: 413, error: "payload_too_large", message: `request body exceeds ${ctx.maxBodySize} bytes` };
      // The body's framing and how to read it go with it; its length is kept only when the caller gave one.
      for (const name of ["content-type", "content-encoding", "content-length"]) {
        const value = req.headers[name];
        if (typeof value === "string") headers[name] = value;
      }
      bounded = new Bounded(ctx.maxBodySize);
      req.on("error", (e) => bounded!.destroy(e));
      request.body = req.pipe(bounded);
    }

    let res;
    try {
      res = await ctx.forwarder.call(request, call.opts);
    } catch (e) {
      if (bounded) {
        // Nothing reads the rest of the body now: the caller's connection drains it (drainUnread), not this buffer.
        req.unpipe(bounded);
        bounded.destroy();
        if (bounded.tooLarge) return { status: 413, error: "payload_too_large", message: `request body exceeds ${ctx.maxBodySize} bytes` };
      }
      throw e;
    }
    const out = passedBack(res.headers);
    if (call.head || res.status === 204 || res.status === 304) {
      await res.body.dump();
      return { status: res.status, headers: out };
    }
    const encoded = typeof res.headers["content-encoding"] === "string" && res.headers["content-encoding"] !== "identity";
    if (res.status >= 400 && !encoded) {
      // An upstream may echo the credentials it was sent: an error answer is read whole and scrubbed.
      const body = Buffer.from(ctx.redact((await readErrorBody(res.body, ctx.maxErrorBody, call.opts)).toString("utf8")));
      out["content-length"] = body.length;
      return { status: res.status, headers: out, body };
    }
    return { status: res.status, headers: out, body: res.body.stream() };
  };
}

/** The request path exactly as the caller sent it, before any normalisation. */
function rawPath(target: string): string {
  const path = target.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, "");
  const end = path.search(/[?#]/);
  return end < 0 ? path : path.slice(0, end);
}

/**
 * Why a path could leave the forwarded prefix once an upstream or a proxy on the way normalises
 * it: a `.` or `..` segment (encoded or not), an empty segment (`//`), an encoded slash or backslash.
 */
export function pathEscape(path: string): string | undefined {
  const segments = path.split("/").slice(1);
  for (const [i, segment] of segments.entries()) {
    if (segment === "" && i < segments.length - 1) return "an empty segment (//)";
    const dots = segment.replace(/%2e/gi, ".");
    if (dots === "." || dots === "..") return `a "${segment}" segment`;
    if (/%2f|%5c/i.test(segment)) return `an encoded slash or backslash ("${segment}")`;
  }
  return undefined;
}

function hasBody(req: IncomingMessage): boolean {
  if (req.method === "GET" || req.method === "HEAD") return false;
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

function cookieHeader(req: IncomingMessage): string | undefined {
  const all: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i].toLowerCase() === "cookie") all.push(req.rawHeaders[i + 1]);
  return all.length ? all.join("; ") : undefined;
}

/** The upstream's response headers a caller gets: all but hop-by-hop ones (and those `Connection` names) and its request id. */
function passedBack(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? "")
      .split(",")
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name) || name === "x-request-id") continue;
    out[name] = value;
  }
  return out;
}

/** Passes a request body on, failing it once more than `max` bytes have come (a body without a length). */
class Bounded extends Transform {
  tooLarge = false;
  private seen = 0;
  constructor(private readonly max: number) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.max) {
      this.tooLarge = true;
      return done(new Error(`request body exceeds ${this.max} bytes`));
    }
    done(null, chunk);
  }
}
