/**
 * MCP requests as raw HTTP, for tests that need exact control of the headers and body: the
 * 2026-07-28 shape (standard headers, the `_meta` envelope) and the 2025-era one (a bare JSON-RPC
 * POST), and answers read back whether they came as JSON or as SSE.
 */
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { rawRequest } from "./raw-http.js";

export const MODERN = "2026-07-28";

/** The `_meta` envelope a 2026-07-28 client sends (the SDK's Client sends all three keys). */
export const ENVELOPE = {
  "io.modelcontextprotocol/protocolVersion": MODERN,
  "io.modelcontextprotocol/clientInfo": { name: "test-client", version: "1.0.0" },
  "io.modelcontextprotocol/clientCapabilities": {},
};

/** The JSON-RPC text of a request; `params._meta` gets the envelope when `envelope` is given. */
export function rpcText(
  method: string,
  params: Record<string, unknown> | undefined,
  id: unknown = 1,
  envelope?: Record<string, unknown>,
): string {
  const withMeta = envelope ? { ...params, _meta: { ...envelope, ...(params?._meta as object | undefined) } } : params;
  return JSON.stringify({ jsonrpc: "2.0", id, method, ...(withMeta ? { params: withMeta } : {}) });
}

/** The standard headers of a 2026-07-28 request (`Mcp-Name` for methods that name something). */
export function modernHeaders(method: string, name?: string): Record<string, string> {
  return {
    "mcp-protocol-version": MODERN,
    "mcp-method": method,
    ...(name !== undefined ? { "mcp-name": name } : {}),
  };
}

export interface Answer {
  status: number;
  type: string | undefined;
  /** The JSON-RPC message: the JSON body, or the last `data:` event of an SSE body. */
  body: any;
  /** The `Mcp-Session-Id` the server answered with, if any. */
  session: string | undefined;
}

/**
 * POSTs `text` with exactly these headers (plus Content-Length; no Accept unless given) and reads
 * the answer. The recording upstream numbers its answers (`n`), the one thing two otherwise equal
 * answers differ in: it is read as 0.
 */
export async function post(url: string, text: string, headers: Record<string, string>): Promise<Answer> {
  const u = new URL(url);
  const res = await rawRequest(
    `${u.protocol}//${u.host}`,
    "POST",
    u.pathname,
    { ...headers, "content-length": String(Buffer.byteLength(text)) },
    text,
  );
  const type = res.headers["content-type"];
  const raw = res.body.replace(/(\\?"n\\?":)\d+/g, (_m, key: string) => `${key}0`);
  let body: unknown = raw;
  if (type?.includes("text/event-stream")) {
    const events = raw.split("\n").filter((l) => l.startsWith("data: "));
    body = events.length ? JSON.parse(events.at(-1)!.slice(6)) : undefined;
  } else if (raw) {
    try {
      body = JSON.parse(raw);
    } catch {
      /* left as text */
    }
  }
  const session = res.headers["mcp-session-id"];
  return { status: res.status, type, body, session: Array.isArray(session) ? session.join(", ") : session };
}

/** An SDK client connected to `url`: 2026-07-28 (pinned) or a 2025-era client (the `initialize` handshake, 2025-11-25). */
export async function connectClient(url: string, era: "2026-07-28" | "2025-11-25"): Promise<Client> {
  const client = new Client(
    { name: "test-client", version: "1.0.0" },
    era === MODERN ? { versionNegotiation: { mode: { pin: MODERN } } } : {},
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}
