import type { IncomingMessage, ServerResponse } from "node:http";
import type { Transport, TransportSendOptions } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  isJSONRPCRequest,
  JSONRPCMessageSchema,
  SUPPORTED_PROTOCOL_VERSIONS,
  type JSONRPCMessage,
  type JSONRPCResultResponse,
  type RequestId,
} from "@modelcontextprotocol/sdk/types.js";
import { CallerGone } from "../../consumes/http/client.js";
import { joined, readUpTo, utf8Text } from "../../streams.js";
import { headerValue, requestUrl } from "../rest/request.js";
import type { AnswerSource, McpService } from "./server.js";

/*
 * The common stateless call, one JSON-RPC request POSTed the way SDK clients post it, goes straight
 * from node:http to the SDK's `Server` over a one-request transport that writes the answer to the
 * response. Through Hono, Fetch `Request`/`Response` objects and the SDK's Streamable HTTP transport
 * the same call costs about a fifth more CPU. The SDK's protocol handling (request parsing, the
 * tools/call checks, errors, the answer's JSON-RPC shape) is the same `Server` either way.
 *
 * Only a request that the SDK's transport would itself dispatch and answer with a 200 JSON body
 * takes this path: every header check below is one of that transport's, made stricter where that is
 * simpler (an exact Content-Type). A request failing one is left untouched for the usual path, which
 * answers it (406, 415, a protocol version error, ...). A body that turns out to be anything but one
 * request (a batch, a notification, `initialize`, text that is not JSON-RPC) is handed to the SDK's
 * transport with the bytes already read.
 */

export interface DirectOptions {
  /** The endpoint's paths, exactly (a query string or any other path takes the usual way). */
  paths: readonly string[];
  maxBodySize: number;
  /** Whether the block's Host/Origin or authentication checks refuse it (the usual path answers 403 or 401). */
  refused(header: (name: string) => string | undefined, url: string): boolean;
  /** Whether this Accept header gets a JSON answer that the SDK's transport would accept as is. */
  acceptsJson(accept: string): boolean;
  /** Logs an error nobody expected (redacted), before the caller gets a 500. */
  unexpected(error: unknown): void;
  /** The usual stateless handling, for a body read here that is not a plain request. */
  viaTransport(req: IncomingMessage, res: ServerResponse, href: string, body: { parsed: unknown } | { bytes: Buffer }): Promise<void>;
}

/** Returns a listener that takes the request (true) or leaves it, unread, to the caller (false). */
export function directCalls(service: McpService, options: DirectOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const paths = new Set(options.paths);
  return (req, res) => {
    if (req.method !== "POST" || !paths.has(req.url ?? "")) return false;
    // Read as the Fetch `Headers` the SDK's transport would get (every occurrence, joined).
    if (headerValue(req, "content-type") !== "application/json" || !boundedLength(req, options.maxBodySize)) return false;
    const version = headerValue(req, "mcp-protocol-version");
    if (version !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) return false;
    if (!options.acceptsJson(headerValue(req, "accept") ?? "")) return false;
    let href: string;
    try {
      href = requestUrl(req);
    } catch {
      return false; // a target or Host that is not a URL: the usual path answers it
    }
    if (options.refused((name) => headerValue(req, name), href)) return false;
    void answer(service, options, req, res, href).catch((e: unknown) => {
      options.unexpected(e);
      if (!res.headersSent) writeJson(res, 500, { jsonrpc: "2.0", error: { code: -32603, message: "Internal error" }, id: null });
      else res.destroy();
    });
    return true;
  };
}

async function answer(service: McpService, options: DirectOptions, req: IncomingMessage, res: ServerResponse, href: string): Promise<void> {
  let body: { parsed: unknown } | { bytes: Buffer };
  try {
    body = await readJson(req, options.maxBodySize);
  } catch {
    // The caller hung up mid-body: nobody is left to answer.
    res.destroy();
    return;
  }
  if (!("parsed" in body)) return options.viaTransport(req, res, href, body);
  // What the SDK's transport dispatches is the message as its schema parses it.
  const message = Array.isArray(body.parsed) ? undefined : JSONRPCMessageSchema.safeParse(body.parsed);
  if (!message?.success || !isJSONRPCRequest(message.data) || message.data.method === "initialize")
    return options.viaTransport(req, res, href, body);
  const source: AnswerSource = {};
  const server = service.newServer(CallerGone.of(res), source);
  const transport = new ResponseTransport(res, message.data.id, source);
  await server.connect(transport);
  transport.onmessage?.(message.data, { requestInfo: { headers: req.headers, url: new URL(href) } });
}

/** A body the runtime reads itself: its Content-Length is given and within the limit (not chunked). */
export function boundedLength(req: IncomingMessage, max: number): boolean {
  const length = Number(req.headers["content-length"]);
  return Number.isInteger(length) && length <= max && req.headers["transfer-encoding"] === undefined;
}

/** The body read whole and parsed as the SDK's transport parses it (`Request.text()`, then JSON); its bytes when that fails. */
export async function readJson(req: IncomingMessage, max: number): Promise<{ parsed: unknown } | { bytes: Buffer }> {
  const read = await readUpTo(req, max);
  const bytes = joined(read.chunks, read.size);
  try {
    return { parsed: JSON.parse(utf8Text(bytes)) };
  } catch {
    return { bytes };
  }
}

/**
 * A transport for one request: the response to it is the HTTP answer. Anything else the server
 * sends (a notification, a request to the client) is dropped, as the SDK's transport drops them
 * when answering with JSON.
 */
class ResponseTransport implements Transport {
  onmessage?: Transport["onmessage"];
  onclose?: () => void;
  onerror?: (error: Error) => void;

  constructor(
    private readonly res: ServerResponse,
    private readonly id: RequestId,
    private readonly source: AnswerSource,
  ) {}

  async start(): Promise<void> {}

  async send(message: JSONRPCMessage, _options?: TransportSendOptions): Promise<void> {
    if (!("id" in message) || message.id !== this.id || !("result" in message || "error" in message) || this.res.headersSent) return;
    const json = this.source.structuredJson;
    if (json !== undefined && "result" in message && message.result.structuredContent !== undefined) {
      writeText(this.res, 200, withStructuredJson(message, json));
    } else writeJson(this.res, 200, message);
  }

  async close(): Promise<void> {
    this.onclose?.();
  }
}

/**
 * A result response as JSON, its `structuredContent` written as `json`, that object's JSON text
 * already made (see jsonSource): the same data as serialising it again, without that second pass
 * over the document. The other members are serialised as usual.
 */
export function withStructuredJson(message: JSONRPCResultResponse, json: string): string {
  const { structuredContent: _, ...rest } = message.result;
  const result = JSON.stringify(rest);
  return `{"jsonrpc":"2.0","id":${JSON.stringify(message.id)},"result":${result.slice(0, -1)}${result === "{}" ? "" : ","}"structuredContent":${json}}}`;
}

function writeJson(res: ServerResponse, status: number, body: unknown): void {
  writeText(res, status, JSON.stringify(body));
}

function writeText(res: ServerResponse, status: number, text: string): void {
  // Encoded once, off the JS heap: a string would be measured, then joined to the head and copied
  // again on the heap by node:http (two copies of a few KB on every call).
  const body = Buffer.from(text);
  res.writeHead(status, { "content-type": "application/json", "content-length": body.length }).end(body);
}
