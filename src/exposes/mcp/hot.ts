import { isUtf8 } from "node:buffer";
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  classifyInboundRequest,
  SERVER_INFO_META_KEY,
  SUPPORTED_PROTOCOL_VERSIONS,
  type Implementation,
} from "@modelcontextprotocol/server";
import { CallerGone } from "../../consumes/http/client.js";
import { joined, readUpTo, utf8Text } from "../../streams.js";
import { requestUrl } from "../rest/request.js";
import { acceptPlan } from "./accept.js";
import { withAbsentCapabilitiesAsNone } from "./envelope.js";
import { answerInternalError } from "./internal-error.js";
import type { McpService } from "./server.js";
import { escapedExtra, isObjectText, writeEscaped } from "../../json-text.js";
import { withStructuredContent, type CompiledTool, type ToolResult } from "./tools.js";
import { isJsonObject } from "../../json.js";

/*
 * A `tools/call`, the request an agent makes over and over, answered here rather than by the SDK,
 * whose per-request machinery (Fetch Request and Response objects, a Server and a transport per
 * request, the handler context, zod checks of request and result) costs several times the tool
 * call itself. The answer is what the SDK writes for the same call: on 2026-07-28 the tool's
 * result with `resultType: "complete"` and `serverInfo` in `_meta`; on a 2025 revision (a
 * stateless call, no session) the result, a non-object `structuredContent` wrapped as
 * `{result: …}`.
 *
 * Only a call that the SDK would itself dispatch to the tool as it is takes this path: a JSON-RPC
 * request of the shape the SDK's schema takes, for a tool this server has; on 2026-07-28 all three
 * standard headers present and agreeing with the body and an envelope the SDK's own classifier
 * (`classifyInboundRequest`) accepts; on 2025 revisions no envelope, a protocol version header the
 * SDK serves (or none) and an Accept header that gets JSON; and nothing the call would have to act
 * on (a progress token, a log level, multi-round-trip input). Anything else, every error answer
 * included, goes to the SDK with the body already read. test/mcp/hot-path.test.ts sends every
 * flagship tool and error case both ways and requires the same answers.
 */

export interface HotOptions {
  /** The endpoint's paths, exactly (a query string or any other path takes the usual way). */
  paths: readonly string[];
  maxBodySize: number;
  /** Whether 2025-era clients keep sessions: their calls then all go to the SDK. */
  sessions: boolean;
  /** Whether the block's Host/Origin or authentication checks refuse it (the usual path answers 403 or 401). */
  refused(header: (name: string) => string | undefined, url: string): boolean;
  /** Logs an error nobody expected (redacted), before the caller gets a 500. */
  unexpected(error: unknown): void;
  /** The usual handling, for a request whose body was read here: `text` is that body. */
  fallback(req: IncomingMessage, res: ServerResponse, text: string): void;
}

const MODERN = "2026-07-28";
const MODERN_CLAIM = "io.modelcontextprotocol/protocolVersion";
const CLIENT_INFO = "io.modelcontextprotocol/clientInfo";
const CLIENT_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities";
const TRACE_KEYS = ["traceparent", "tracestate", "baggage"];
/** What a request's `_meta` may hold for the call to be answered here: the envelope (2026-07-28), and the trace context the carrier reads. */
const MODERN_META = new Set([MODERN_CLAIM, CLIENT_INFO, CLIENT_CAPABILITIES, ...TRACE_KEYS]);
const LEGACY_META = new Set(TRACE_KEYS);

/** Writes a call's answer, from its result or from the upstream's JSON text. */
type Writer = (call: ToolCall, tool: CompiledTool, result: ToolResult | JsonText) => string | Buffer;

interface ToolCall {
  id: string | number;
  name: string;
  arguments?: Record<string, unknown>;
  meta: Record<string, unknown>;
}

/** Returns a listener that takes the request (true) or leaves it, unread, to the caller (false). */
export function hotCalls(service: McpService, options: HotOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const paths = new Set(options.paths);
  const serverMeta = JSON.stringify({ [SERVER_INFO_META_KEY]: service.info } satisfies Record<string, Implementation>);
  return (req, res) => {
    if (req.method !== "POST" || !paths.has(req.url ?? "")) return false;
    const header = headerIndex(req);
    if (header("content-type") !== "application/json" || !boundedLength(req, options.maxBodySize)) return false;
    const version = header("mcp-protocol-version");
    let parse: (text: string) => ToolCall | undefined;
    let write: Writer;
    if (version === MODERN) {
      const name = header("mcp-name");
      if (header("mcp-method") !== "tools/call" || name === undefined) return false;
      parse = (text) => modernCall(text, name);
      write = (call, _tool, result) => modernAnswer(call, result, serverMeta);
    } else if (
      !options.sessions &&
      (version === undefined || SUPPORTED_PROTOCOL_VERSIONS.includes(version)) &&
      answersJson(header("accept"))
    ) {
      parse = legacyCall;
      write = legacyAnswer;
    } else return false;
    let href: string;
    try {
      href = requestUrl(req);
    } catch {
      return false; // a target or Host that is not a URL: the usual path answers it
    }
    if (options.refused(header, href)) return false;
    void answer(service, options, parse, write, header, req, res).catch((e: unknown) => {
      options.unexpected(e);
      answerInternalError(res);
    });
    return true;
  };
}

async function answer(
  service: McpService,
  options: HotOptions,
  parse: (text: string) => ToolCall | undefined,
  write: Writer,
  header: (name: string) => string | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  let text: string;
  try {
    const read = await readUpTo(req, options.maxBodySize);
    text = utf8Text(joined(read.chunks, read.size));
  } catch {
    // The caller hung up mid-body: nobody is left to answer.
    res.destroy();
    return;
  }
  const call = parse(text);
  const tool = call && service.tool(call.name);
  if (!call || !tool) return options.fallback(req, res, text);
  const meta = call.meta;
  const carrier = (n: string) => header(n) ?? (typeof meta[n] === "string" ? (meta[n] as string) : undefined);
  const gone = CallerGone.of(res);
  let result: ToolResult;
  try {
    result = await service.call(tool, call.arguments ?? {}, gone, carrier, true);
  } catch (e) {
    // The caller went away and its upstream call was cancelled: there is nobody to answer.
    if (gone.aborted) return;
    throw e;
  }
  if (res.destroyed) return;
  writeJson(res, 200, write(call, tool, jsonTextOf(result) ?? withStructuredContent(result)));
}

/**
 * The request's headers by lowercase name, read as the Fetch `Headers` the SDK would get: every
 * occurrence, joined. Indexed once: a call reads a dozen of them.
 */
function headerIndex(req: IncomingMessage): (name: string) => string | undefined {
  const index = new Map<string, string>();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const seen = index.get(name);
    index.set(name, seen === undefined ? raw[i + 1] : `${seen}, ${raw[i + 1]}`);
  }
  return (name) => index.get(name);
}

/** A 2025-era client gets JSON here only when it takes JSON; one preferring SSE goes to the SDK. */
function answersJson(header: string | undefined): boolean {
  const accept = header ?? "";
  const plan = acceptPlan(accept, true);
  return plan.json && (plan.rewrite || (accept.includes("application/json") && accept.includes("text/event-stream")));
}

/**
 * The body, when it is a JSON-RPC request of the shape the SDK's schema takes (a strict object; a
 * string or integer id) for `tools/call`, with a name, arguments that are an object, and a `_meta`
 * holding only `allowed` keys.
 */
function toolCallOf(body: unknown, allowed: ReadonlySet<string>): ToolCall | undefined {
  if (!isJsonObject(body) || body.jsonrpc !== "2.0" || body.method !== "tools/call") return undefined;
  for (const key in body) if (key !== "jsonrpc" && key !== "id" && key !== "method" && key !== "params") return undefined;
  const { id, params } = body;
  if (!(typeof id === "string" || Number.isSafeInteger(id)) || !isJsonObject(params) || typeof params.name !== "string") return undefined;
  if (params.arguments !== undefined && !isJsonObject(params.arguments)) return undefined;
  // Multi-round-trip input or state, a task: the SDK acts on those.
  for (const key in params) if (key !== "name" && key !== "arguments" && key !== "_meta") return undefined;
  const meta = params._meta ?? {};
  // A progress token, a log level: the SDK acts on those too.
  if (!isJsonObject(meta)) return undefined;
  for (const key in meta) if (!allowed.has(key)) return undefined;
  return { id: id as string | number, name: params.name, arguments: params.arguments as Record<string, unknown> | undefined, meta };
}

/** A 2026-07-28 `tools/call` of `name` that the SDK's handler would hand to the tool as it is. */
function modernCall(text: string, name: string): ToolCall | undefined {
  let body: unknown;
  try {
    body = withAbsentCapabilitiesAsNone(JSON.parse(text));
  } catch {
    return undefined;
  }
  const call = toolCallOf(body, MODERN_META);
  if (!call || call.name !== name || call.meta[MODERN_CLAIM] !== MODERN || !validEnvelope(call.meta, body, name)) return undefined;
  return call;
}

/** A 2025-era `tools/call` (no envelope) that the SDK's stateless transport would hand to the tool as it is. */
function legacyCall(text: string): ToolCall | undefined {
  try {
    return toolCallOf(JSON.parse(text), LEGACY_META);
  } catch {
    return undefined;
  }
}

/**
 * Whether the SDK's classifier takes this request's envelope (the client's identity and
 * capabilities, checked against the revision's schemas). A client sends the same two on every
 * request, so the answer is kept by their JSON text: the classifier's zod checks cost as much as
 * the rest of the call's own work together.
 */
function validEnvelope(meta: Record<string, unknown>, body: unknown, name: string): boolean {
  const key = `${JSON.stringify(meta[CLIENT_INFO])}\n${JSON.stringify(meta[CLIENT_CAPABILITIES])}`;
  let valid = envelopes.get(key);
  if (valid === undefined) {
    const outcome = classifyInboundRequest({
      httpMethod: "POST",
      protocolVersionHeader: MODERN,
      mcpMethodHeader: "tools/call",
      mcpNameHeader: name,
      body,
    });
    valid = outcome.kind === "modern" && outcome.messageKind === "request" && outcome.classification.revision === MODERN;
    // A bounded memo: a client sending ever-new values only costs the check.
    if (envelopes.size < ENVELOPES_KEPT) envelopes.set(key, valid);
  }
  return valid;
}

const envelopes = new Map<string, boolean>();
const ENVELOPES_KEPT = 64;

/*
 * Answers write `structuredContent` as the text block's JSON rather than serialising the data a
 * second time (see ToolResult). An upstream body that is JSON text (most results) is written from
 * its bytes: checked, escaped into the text block and copied as `structuredContent`, never parsed
 * (see src/json-text.ts).
 */

/** An upstream body that is UTF-8 JSON text, and how many bytes it gains escaped. */
interface JsonText {
  bytes: Buffer;
  extra: number;
}

function jsonTextOf(result: ToolResult): JsonText | undefined {
  const bytes = result.body;
  if (!bytes || !isUtf8(bytes)) return undefined;
  const extra = escapedExtra(bytes);
  return extra < 0 ? undefined : { bytes, extra };
}

function isJsonText(result: ToolResult | JsonText): result is JsonText {
  return "bytes" in result;
}

/** The answer as the SDK's 2026-07-28 codec writes it: the tool's result, its result type and the server's identity. */
function modernAnswer(call: ToolCall, result: ToolResult | JsonText, serverMeta: string): string | Buffer {
  const tail = `,"resultType":"complete","_meta":${serverMeta}},"jsonrpc":"2.0","id":${JSON.stringify(call.id)}}`;
  if (isJsonText(result)) return answerWith(result, "", tail);
  const structured = result.structuredContent === undefined ? "" : `,"structuredContent":${structuredText(result)}`;
  return `{"result":${head(result)}${structured}${tail}`;
}

/**
 * The answer as the SDK's 2025 codec writes it: the tool's result, `structuredContent` an object,
 * anything else (or anything at all when the advertised output schema's root is not an object, as
 * the advertised schema is then wrapped too) as `{result: …}`.
 */
function legacyAnswer(call: ToolCall, tool: CompiledTool, result: ToolResult | JsonText): string | Buffer {
  const tail = `},"jsonrpc":"2.0","id":${JSON.stringify(call.id)}}`;
  const wrapped = (object: boolean) => !object || (tool.outputSchema !== undefined && tool.outputSchema.type !== "object");
  if (isJsonText(result))
    return wrapped(isObjectText(result.bytes)) ? answerWith(result, `{"result":`, `}${tail}`) : answerWith(result, "", tail);
  const { structuredContent } = result;
  let structured = "";
  if (structuredContent !== undefined) {
    const text = structuredText(result);
    structured = `,"structuredContent":${wrapped(isJsonObject(structuredContent)) ? `{"result":${text}}` : text}`;
  }
  return `{"result":${head(result)}${structured}${tail}`;
}

/** An answer carrying JSON text: as its one text block, and as `structuredContent` between `open` and `tail`. */
function answerWith({ bytes, extra }: JsonText, open: string, tail: string): Buffer {
  const before = `{"result":{"content":[{"type":"text","text":"`;
  const between = `"}],"structuredContent":${open}`;
  const out = Buffer.allocUnsafe(before.length + bytes.length + extra + between.length + bytes.length + Buffer.byteLength(tail));
  let at = out.write(before, 0, "latin1");
  at = writeEscaped(bytes, out, at);
  at += out.write(between, at, "latin1");
  at += bytes.copy(out, at);
  out.write(tail, at);
  return out;
}

/** The JSON text of a result's structured content: its one text block (only text results have structured content). */
function structuredText(result: ToolResult): string {
  return (result.content[0] as { text: string }).text;
}

/** A result's JSON up to its structured content: `{"content":[…]` and `"isError":true` when it is one. */
function head(result: ToolResult): string {
  return `{"content":${JSON.stringify(result.content)}${result.isError ? ',"isError":true' : ""}`;
}

/** A body the runtime reads itself: its Content-Length is given and within the limit (not chunked). */
function boundedLength(req: IncomingMessage, max: number): boolean {
  const length = Number(req.headers["content-length"]);
  return Number.isInteger(length) && length <= max && req.headers["transfer-encoding"] === undefined;
}

function writeJson(res: ServerResponse, status: number, answer: string | Buffer): void {
  // Encoded once, off the JS heap: a string would be measured, then joined to the head and copied
  // again on the heap by node:http.
  const body = typeof answer === "string" ? Buffer.from(answer) : answer;
  res.writeHead(status, { "content-type": "application/json", "content-length": body.length }).end(body);
}
