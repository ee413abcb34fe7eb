import { randomUUID } from "node:crypto";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import {
  createMcpHandler,
  isLegacyRequest,
  ProtocolError,
  WebStandardStreamableHTTPServerTransport,
  type McpHttpHandler,
} from "@modelcontextprotocol/server";
import { Hono } from "hono";
import { getRequestListener } from "@hono/node-server";
import { denialResponse, jsonRpcDenial, type ServerAuth } from "../auth.js";
import { isLoopback } from "../address.js";
import { drainUnread, readText } from "../rest/request.js";
import { CallerGone, type CallerSignal } from "../../consumes/http/client.js";
import { normaliseAccept } from "./accept.js";
import { hotCalls } from "./hot.js";
import { withAbsentCapabilitiesAsNone } from "./envelope.js";
import type { McpService } from "./server.js";

export interface McpHttpOptions {
  /** Keep an MCP session per 2025-era client (`Mcp-Session-Id`) instead of answering each request on its own. */
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
 * engine post). Both protocol eras on the same endpoint, told apart per request as the SDK tells
 * them (`isLegacyRequest`): 2026-07-28 requests (the per-request `_meta` envelope) go to the SDK's
 * `createMcpHandler`; 2025-era ones (`initialize` first, or a bare JSON-RPC POST) to a Streamable
 * HTTP transport, stateless by default so any instance behind a load balancer answers any request,
 * or one session per client with `sessions`.
 */
export function mcpHttpApp(service: McpService, options: McpHttpOptions): { listener: RequestListener; close(): Promise<void> } {
  const app = new Hono();
  const redact = options.redact ?? ((text: string) => text);
  const unexpected = (e: unknown) => console.error(redact(`naftiko: unexpected error on MCP ${(e as Error)?.stack ?? e}`));

  // The request's tool calls end with its connection: a client that leaves cancels their upstream
  // calls, as on REST. The factory learns of the connection through the Request it is given.
  const callers = new WeakMap<Request, CallerSignal>();
  // Bodies the hot path read before handing the request on.
  const preread = new WeakMap<IncomingMessage, string>();
  const modern: McpHttpHandler = createMcpHandler(
    ({ requestInfo }) => service.newServer("modern", requestInfo && callers.get(requestInfo)),
    {
      legacy: "reject",
      maxRequestBodySize: options.maxBodySize,
      // The handler reports every request it refused; those are the client's mistakes, already
      // answered. Anything else is ours.
      onerror: (e) => {
        if (!(e instanceof ProtocolError) && !/^(Rejected |Unsupported Media Type)/.test(e.message)) unexpected(e);
      },
    },
  );

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

  /** A 2025-era request, answered on its own: JSON, or SSE for a client that prefers it. */
  const legacyStateless = async (request: Request, json: boolean, body: Body, outgoing?: ServerResponse): Promise<Response> => {
    const server = service.newServer("legacy", outgoing && CallerGone.of(outgoing));
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: json,
      maxRequestBodySize: options.maxBodySize,
    });
    await server.connect(transport);
    // Not closed afterwards: a stateless pair holds nothing once it has answered (a JSON answer
    // waits for every handler; an SSE stream ends with its last response), and closing it would
    // cost a "Connection closed" error with a stack trace on every call.
    return "parsed" in body
      ? transport.handleRequest(request, { parsedBody: body.parsed })
      : transport.handleRequest(withText(request, body.text));
  };

  /** A 2025-era request in sessions mode: `initialize` opens a session, the rest name it. */
  const legacySession = async (request: Request, json: boolean, body: Body | undefined): Promise<Response> => {
    const handle = (transport: WebStandardStreamableHTTPServerTransport) =>
      body === undefined
        ? transport.handleRequest(request)
        : "parsed" in body
          ? transport.handleRequest(request, { parsedBody: body.parsed })
          : transport.handleRequest(withText(request, body.text));
    const id = request.headers.get("mcp-session-id");
    if (id) {
      const s = sessions.get(id);
      if (!s) return jsonRpcError(404, -32001, "Session not found: start a new one with initialize");
      s.seen = Date.now();
      return handle(s.transport);
    }
    if (request.method !== "POST") return jsonRpcError(400, -32000, "Bad Request: Mcp-Session-Id header is required");
    const server = service.newServer("legacy");
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
    return handle(transport);
  };

  const handle = async (raw: Request, incoming: IncomingMessage, outgoing?: ServerResponse): Promise<Response> => {
    const forbidden = checkHostAndOrigin((n) => raw.headers.get(n) ?? undefined, options);
    if (forbidden) return jsonRpcError(403, -32000, `Forbidden: ${forbidden}`);
    const denial = await options.auth?.check({ header: (n) => raw.headers.get(n) ?? undefined, url: raw.url, method: raw.method });
    if (denial) return denialResponse(denial, jsonRpcDenial(denial));
    if (raw.method !== "POST" && (!options.sessions || isModernVersion(raw.headers.get("mcp-protocol-version")))) {
      // No server-initiated stream to GET and no session to DELETE: 2026-07-28 has neither, and a
      // stateless 2025-era endpoint keeps none.
      return jsonRpcError(405, -32000, "Method not allowed: this MCP endpoint answers POSTed JSON-RPC requests", { Allow: "POST" });
    }
    let body: Body | undefined;
    if (raw.method === "POST") {
      const text = preread.get(incoming) ?? (await readText(incoming, options.maxBodySize));
      if (text === undefined) {
        drainUnread(incoming);
        return jsonRpcError(413, -32000, `Payload too large: an MCP request body is at most ${options.maxBodySize} bytes`);
      }
      body = parsedOrText(text);
    }
    if (body && "parsed" in body && !(await isLegacyRequest(raw, body.parsed, { maxRequestBodySize: options.maxBodySize }))) {
      if (outgoing) callers.set(raw, CallerGone.of(outgoing));
      return modern.fetch(raw, { parsedBody: body.parsed });
    }
    const { request, json } = normaliseAccept(raw);
    return options.sessions ? legacySession(request, json, body) : legacyStateless(request, json, body!, outgoing);
  };
  for (const [path, document] of Object.entries(options.auth?.documents ?? {})) app.get(path, (c) => c.json(document));
  for (const path of PATHS) {
    app.all(path, (c) => {
      const env = c.env as { incoming: IncomingMessage; outgoing?: ServerResponse };
      return handle(c.req.raw, env.incoming, env.outgoing);
    });
  }
  app.notFound(() => jsonRpcError(404, -32000, "Not found: the MCP endpoint is /mcp"));
  app.onError((e) => {
    unexpected(e);
    return jsonRpcError(500, -32603, "Internal error");
  });
  const viaHono = getRequestListener(app.fetch);
  const hot = hotCalls(service, {
    paths: PATHS,
    maxBodySize: options.maxBodySize,
    sessions: options.sessions,
    unexpected,
    // A check still running (a promise) sends the request the usual way, which waits for it.
    refused: (header, url) =>
      checkHostAndOrigin(header, options) !== undefined || options.auth?.check({ header, url, method: "POST" }) !== undefined,
    fallback(req, res, text) {
      preread.set(req, text);
      void viaHono(req, res);
    },
  });
  return {
    listener: (req, res) => void (hot(req, res) || viaHono(req, res)),
    async close() {
      if (sweeper) clearInterval(sweeper);
      await Promise.all([modern.close(), ...[...sessions.values()].map((s) => s.transport.close())]);
      sessions.clear();
    },
  };
}

/** A POST body: its JSON, or its text when it is not JSON (the SDK answers that with a parse error). */
type Body = { parsed: unknown } | { text: string };

function parsedOrText(text: string): Body {
  try {
    return { parsed: withAbsentCapabilitiesAsNone(text ? JSON.parse(text) : undefined) };
  } catch {
    return { text };
  }
}

/** The request again, with a body read here (its own stream was consumed). */
function withText(request: Request, text: string): Request {
  return new Request(request.url, { method: request.method, headers: request.headers, body: text });
}

function isModernVersion(version: string | null): boolean {
  return version !== null && version >= "2026-07-28";
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

export function jsonRpcError(status: number, code: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}
