import type { IncomingMessage } from "node:http";
import { joined, readUpTo, utf8Text } from "../../streams.js";

/*
 * The request URL exactly as @hono/node-server builds it for the Fetch `Request` it hands a Hono
 * app (its `buildUrl`, which it does not export). The REST adapter and the MCP hot path answer
 * from node:http without that adapter, and routing, path parameters and query reading must see the
 * same URL as the Hono paths beside them: a plain target is used as written; one with dot
 * segments, `%` escapes or unusual characters goes through the WHATWG URL parser (`/v1/a/../b` →
 * `/v1/b`); a missing or malformed Host is a 400. Parsing every target with URL alone would cost
 * several times more per request and differ in places (a `'` in a query).
 * test/rest/request-url.test.ts compares the two on the same raw requests.
 */

const VALID_HOST = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/;
const PLAIN_TARGET = /^\/[!#$&-;=?-[\]_a-z~]*$/;
const DOT_SEGMENT = /\/\.\.?(?:[/?#]|$)/;

/** The request cannot be turned into a URL: answered 400 with no body. */
export class BadRequestTarget extends Error {}

function noBackslash(target: string): void {
  const backslash = target.indexOf("\\");
  if (backslash === -1) return;
  const query = target.indexOf("?");
  if (query === -1 || backslash < query) throw new BadRequestTarget("backslash in request path");
}

function parse(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new BadRequestTarget("invalid URL");
  }
}

export function requestUrl(req: IncomingMessage): string {
  const target = req.url ?? "";
  if (target[0] !== "/" && (target.startsWith("http://") || target.startsWith("https://"))) {
    noBackslash(target);
    return parse(target).href;
  }
  const host = req.headers.host;
  if (!host) throw new BadRequestTarget("missing Host header");
  const url = `http://${host}${target}`;
  if (!VALID_HOST.test(host)) {
    noBackslash(target);
    const parsed = parse(url);
    if (
      parsed.hostname.length !== host.length &&
      parsed.hostname !== (host.includes(":") ? host.replace(/:\d+$/, "") : host).toLowerCase()
    ) {
      throw new BadRequestTarget("invalid Host header");
    }
    return parsed.href;
  }
  if (target.length === 0) return `${url}/`;
  if (target.charCodeAt(0) !== 47) throw new BadRequestTarget("invalid URL");
  if (!PLAIN_TARGET.test(target) || DOT_SEGMENT.test(target)) {
    noBackslash(target);
    return parse(url).href;
  }
  return url;
}

const DRAIN_TIMEOUT_MS = 500;
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

/**
 * Reads and discards a request body nobody read (a 413, a route without body inputs), so the
 * keep-alive connection can carry the next request — but not forever: after 64 MB or half a second
 * the connection is closed instead (as @hono/node-server did).
 */
export function drainUnread(req: IncomingMessage): void {
  if (req.readableEnded || req.destroyed) return;
  let read = 0;
  const cleanup = () => {
    clearTimeout(timer);
    req.off("data", onData).off("end", cleanup).off("error", cleanup);
  };
  const forceClose = () => {
    cleanup();
    req.socket.destroySoon();
  };
  const onData = (chunk: Buffer) => {
    read += chunk.length;
    if (read > MAX_DRAIN_BYTES) forceClose();
  };
  const timer = setTimeout(forceClose, DRAIN_TIMEOUT_MS);
  timer.unref();
  req.on("data", onData).on("end", cleanup).on("error", cleanup);
  req.resume();
}

/** A header as the Fetch `Headers` of the request had it: every occurrence, joined with ", ". */
export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const raw = req.rawHeaders;
  let value: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length === wanted.length && raw[i].toLowerCase() === wanted)
      value = value === undefined ? raw[i + 1] : `${value}, ${raw[i + 1]}`;
  }
  return value;
}

/**
 * The request body as text, as `Request.text()` reads it (UTF-8, a leading BOM dropped), or
 * undefined when it is larger than `max`: judged by Content-Length when there is one, as Hono's
 * bodyLimit did. GET and HEAD bodies are never read. What is left unread past `max` is drained
 * after the answer (drainUnread), so the 413 can still be written to the connection.
 */
export async function readText(req: IncomingMessage, max: number): Promise<string | undefined> {
  if (req.method === "GET" || req.method === "HEAD") return "";
  const length = req.headers["content-length"];
  if (length !== undefined && req.headers["transfer-encoding"] === undefined && parseInt(length, 10) > max) return undefined;
  const read = await readUpTo(req, max);
  return read.ended ? utf8Text(joined(read.chunks, read.size)) : undefined;
}
