import { randomUUID } from "node:crypto";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { Hono } from "hono";
import { getRequestListener } from "@hono/node-server";
import { denialResponse, jsonRpcDenial, type ServerAuth } from "../auth.js";
import { isLoopback } from "../address.js";
import type { McpService } from "./server.js";
import { CallerGone } from "../../consumes/http/client.js";
import { boundedLength, directCalls, readJson } from "./direct.js";

export interface McpHttpOptions {
  /** Keep an MCP session per client (`Mcp-Session-Id`) instead of answering each request on its own. */
  sessions: boolean;
  /** The address the block listens on: loopback binds only accept loopback Host and Origin headers. */
  address: string;
  /** Extra Host / Origin values accepted (e.g. a public name when bound to 0.0.0.0). */
  allowedHosts?: string[];
  allowedOrigins?: string[];
  maxBodySize: number;
  /** Sessions idle longer than this are closed (sessions mode only). */
  sessionIdleMs?: number;
  /** The block's server authentication: 401 with `WWW-Authenticate` before any MCP handling. */
  auth?: ServerAuth;
  /** Scrubs bound values (credentials) from what is logged. */
  redact?: (text: string) => string;
}

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);
const PATHS = ["/mcp", "/"];

/**
 * MCP Streamable HTTP for one block, at `/mcp` (and `/`, where clients written for the reference
 * engine post). Stateless by default: every POST is answered on its own, so any instance behind a
 * load balancer can answer any request, and a `tools/call` needs no `initialize` first.
 */
export function mcpHttpApp(service: McpService, options: McpHttpOptions): { listener: RequestListener; close(): Promise<void> } {
  const app = new Hono();
  const sessions = new Map<string, { transport: WebStandardStreamableHTTPServerTransport; seen: number }>();
  const idle = options.sessionIdleMs ?? 30 * 60_000;
  const sweeper = options.sessions
    ? setInterval(
        () => {
          const now = Date.now();
          for (const s of sessions.values()) if (now - s.seen > idle) void s.transport.close();
        },
        Math.min(idle, 60_000),
      )
    : undefined;
  sweeper?.unref();

  const stateless = async (
    request: Request,
    json: boolean,
    body: { parsed: unknown } | { request: Request } | undefined,
    outgoing?: ServerResponse,
  ): Promise<Response> => {
    // The request's tool calls end with its connection: a client that leaves cancels their
    // upstream calls, as on REST. (The SDK's own per-request signal never fires here: a
    // stateless transport is never closed, and a cancellation would come on another request.)
    const server = service.newServer(outgoing && CallerGone.of(outgoing));
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: json,
      maxRequestBodySize: options.maxBodySize,
    });
    await server.connect(transport);
    // Not closed afterwards: a stateless pair holds nothing once it has answered (a JSON answer
    // waits for every handler; an SSE stream ends with its last response), and closing it costs
    // the SDK a "Connection closed" error with a stack trace on every call. It is garbage once
    // the answer is sent.
    return body && "parsed" in body
      ? transport.handleRequest(request, { parsedBody: body.parsed })
      : transport.handleRequest(body?.request ?? request);
  };

  const handle = async (raw: Request, incoming?: IncomingMessage, outgoing?: ServerResponse): Promise<Response> => {
    const forbidden = checkHostAndOrigin((n) => raw.headers.get(n) ?? undefined, options);
    if (forbidden) return jsonRpcError(403, -32000, `Forbidden: ${forbidden}`);
    const denial = await options.auth?.check({ header: (n) => raw.headers.get(n) ?? undefined, url: raw.url, method: raw.method });
    if (denial) return denialResponse(denial, jsonRpcDenial(denial));
    const { request, json } = normaliseAccept(raw);
    if (!options.sessions) {
      if (request.method !== "POST") {
        // Stateless: no server-initiated stream to GET and no session to DELETE.
        return jsonRpcError(405, -32000, "Method not allowed: this MCP server is stateless; POST JSON-RPC messages", { Allow: "POST" });
      }
      const body = request === raw && incoming ? await readJsonBody(incoming, raw, options.maxBodySize) : undefined;
      return stateless(request, json, body, outgoing);
    }
    const id = request.headers.get("mcp-session-id");
    if (id) {
      const s = sessions.get(id);
      if (!s) return jsonRpcError(404, -32001, "Session not found: start a new one with initialize");
      s.seen = Date.now();
      return s.transport.handleRequest(request);
    }
    if (request.method !== "POST") return jsonRpcError(400, -32000, "Bad Request: Mcp-Session-Id header is required");
    const server = service.newServer();
    const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: json,
      maxRequestBodySize: options.maxBodySize,
      onsessioninitialized: (sid) => void sessions.set(sid, { transport, seen: Date.now() }),
      onsessionclosed: (sid) => void sessions.delete(sid),
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    return transport.handleRequest(request);
  };
  for (const [path, document] of Object.entries(options.auth?.documents ?? {})) app.get(path, (c) => c.json(document));
  for (const path of PATHS) {
    app.all(path, (c) => {
      const env = c.env as { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined;
      return handle(c.req.raw, env?.incoming, env?.outgoing);
    });
  }
  app.notFound(() => jsonRpcError(404, -32000, "Not found: the MCP endpoint is /mcp"));
  const redact = options.redact ?? ((text: string) => text);
  const unexpected = (e: unknown) => console.error(redact(`naftiko: unexpected error on MCP ${(e as Error)?.stack ?? e}`));
  app.onError((e) => {
    unexpected(e);
    return jsonRpcError(500, -32603, "Internal error");
  });
  const viaHono = getRequestListener(app.fetch);
  // Stateless, the common call (one request, a JSON answer) skips Hono and the SDK's transport.
  const direct = options.sessions
    ? undefined
    : directCalls(service, {
        paths: PATHS,
        maxBodySize: options.maxBodySize,
        unexpected,
        // A check still running (a promise) sends the request the usual way, which waits for it.
        refused: (header, url) =>
          checkHostAndOrigin(header, options) !== undefined || options.auth?.check({ header, url, method: "POST" }) !== undefined,
        acceptsJson: (accept) => {
          const plan = acceptPlan(accept, true);
          return plan.json && (plan.rewrite || (accept.includes("application/json") && accept.includes("text/event-stream")));
        },
        // The Accept header is the SDK's as normaliseAccept makes it; the answer is JSON, whole.
        async viaTransport(req, res, href, body) {
          const headers = new Headers();
          for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
          const { request } = normaliseAccept(new Request(href, { method: "POST", headers }));
          const answer = await stateless(
            request,
            true,
            "parsed" in body ? body : { request: new Request(request, { body: body.bytes }) },
            res,
          );
          const bytes = Buffer.from(await answer.arrayBuffer());
          res.writeHead(answer.status, { ...Object.fromEntries(answer.headers), "content-length": bytes.length }).end(bytes);
        },
      });
  return {
    listener: direct ? (req, res) => void (direct(req, res) || viaHono(req, res)) : viaHono,
    async close() {
      if (sweeper) clearInterval(sweeper);
      await Promise.all([...sessions.values()].map((s) => s.transport.close()));
      sessions.clear();
    },
  };
}

/**
 * A POST body with a Content-Length within the limit, read from the socket and parsed here and given
 * to the SDK as `parsedBody`: otherwise @hono/node-server builds a web ReadableStream for it and the
 * SDK reads that, a noticeable share of a tools/call. The SDK still checks Accept and Content-Type
 * first. Text that is not JSON goes to the SDK as a fresh Request with the same bytes, so it
 * answers as it would have; anything else (no length, over the limit) is left to the SDK untouched.
 */
async function readJsonBody(
  incoming: IncomingMessage,
  raw: Request,
  max: number,
): Promise<{ parsed: unknown } | { request: Request } | undefined> {
  if (!boundedLength(incoming, max)) return undefined;
  const body = await readJson(incoming, max);
  return "parsed" in body ? body : { request: new Request(raw.url, { method: raw.method, headers: raw.headers, body: body.bytes }) };
}

/**
 * DNS rebinding defence: a web page must not reach a local MCP server through a hostile name. A
 * loopback-bound server accepts only loopback Host and Origin names; otherwise an Origin must
 * match the Host it was sent to, or be allowed explicitly.
 */
function checkHostAndOrigin(header: (name: string) => string | undefined, options: McpHttpOptions): string | undefined {
  const host = header("host") ?? "";
  const hostname = host.replace(/:\d+$/, "").toLowerCase();
  const loopback = isLoopback(options.address);
  if (loopback && !LOOPBACK_NAMES.has(hostname) && !options.allowedHosts?.includes(host)) return `Host "${host}" is not allowed`;
  const origin = header("origin");
  if (origin) {
    if (options.allowedOrigins?.includes(origin)) return undefined;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return `Origin "${origin}" is not allowed`;
    }
    const ok = loopback ? LOOPBACK_NAMES.has(url.hostname.toLowerCase()) : url.host.toLowerCase() === host.toLowerCase();
    if (!ok) return `Origin "${origin}" is not allowed`;
  }
  return undefined;
}

/**
 * Clients written for the reference engine POST with no Accept header, or curl's `*\/*`; the SDK
 * insists on both JSON and SSE being acceptable. Such requests get JSON. A client that prefers
 * `text/event-stream` gets SSE.
 */
function normaliseAccept(req: Request): { request: Request; json: boolean } {
  const { json, rewrite } = acceptPlan(req.headers.get("accept") ?? "", req.method === "POST");
  if (!rewrite) return { request: req, json };
  const headers = new Headers(req.headers);
  headers.set("accept", "application/json, text/event-stream");
  return { request: new Request(req, { headers }), json };
}

/** What an Accept header asks for, by header value: clients send the same one on every call. */
const acceptPlans = new Map<string, { json: boolean; rewrite: boolean }>();
const ACCEPT_PLANS_KEPT = 64;

function acceptPlan(header: string, post: boolean): { json: boolean; rewrite: boolean } {
  const key = `${post ? "P" : "-"}${header}`;
  let plan = acceptPlans.get(key);
  if (plan) return plan;
  const accept = header.toLowerCase();
  const ranked = accept
    .split(",")
    .map((part, i) => {
      const [type, ...params] = part.trim().split(";");
      const q = Number(
        params
          .map((p) => p.trim())
          .find((p) => p.startsWith("q="))
          ?.slice(2) ?? 1,
      );
      return { type: type.trim(), q: Number.isFinite(q) ? q : 1, i };
    })
    .filter((r) => r.type && r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  const sse = ranked.find((r) => r.type === "text/event-stream");
  const json = ranked.find((r) => r.type === "application/json" || r.type === "application/*" || r.type === "*/*");
  const prefersSse = sse !== undefined && (json === undefined || ranked.indexOf(sse) < ranked.indexOf(json));
  if (!post || (accept.includes("application/json") && accept.includes("text/event-stream"))) plan = { json: !prefersSse, rewrite: false };
  else if (!sse && !json && accept !== "")
    plan = { json: true, rewrite: false }; // let the SDK answer 406
  else plan = { json: !prefersSse, rewrite: true };
  // A bounded memo: a client sending ever-new values only costs the parse.
  if (acceptPlans.size < ACCEPT_PLANS_KEPT) acceptPlans.set(key, plan);
  return plan;
}

function jsonRpcError(status: number, code: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}
