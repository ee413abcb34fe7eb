import "./guards.js";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { jsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/types.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError, RequestSchema } from "@modelcontextprotocol/sdk/types.js";
import type { CallerSignal } from "../../consumes/http/client.js";
import type { CallContext } from "../../observability/context.js";
import type { Runtime } from "../../runtime.js";
import type { ExposesMcp } from "../../spec/model.js";
import { callTool, compileTools, jsonSource, type CompiledTool, type ToolResult } from "./tools.js";

/** Wraps each tool call (observability: logs, metrics, traces); `headers` are the HTTP request's, if any. */
export type ToolCallWrapper = (
  tool: CompiledTool,
  headers: Record<string, string | string[] | undefined> | undefined,
  run: (context: CallContext) => Promise<ToolResult>,
) => Promise<ToolResult>;

/**
 * `tools/call` registered with a loose request schema. The SDK's Server checks every tools/call
 * against its full schema itself and answers a bad one with Invalid params (-32602), e.g. for
 * `arguments` that are not an object; registered with the full schema, the protocol layer parsed
 * the request first and answered the same mistake with Internal error (-32603) and a zod dump
 * (and every call was parsed twice).
 */
const LooseCallToolRequestSchema = RequestSchema.extend({ method: CallToolRequestSchema.shape.method });

/** Tools per `tools/list` page; a server with more answers with a `nextCursor`. */
export const PAGE_SIZE = 100;

/**
 * The MCP side of one `type: mcp` block, compiled once. `newServer()` gives an SDK `Server` wired to
 * it: cheap enough to make per request in stateless mode, since all the work was done here.
 */
export interface McpService {
  name: string;
  tools: CompiledTool[];
  /**
   * @param callerGone aborted when the caller goes away (its HTTP connection closed early): tool
   * calls then use it instead of the SDK's per-request signal.
   */
  newServer(callerGone?: CallerSignal, answer?: AnswerSource): Server;
}

/**
 * Filled by a `tools/call` handler for the transport writing its answer: the JSON text of the
 * result's `structuredContent`, when the result already holds it (see jsonSource).
 */
export interface AnswerSource {
  structuredJson?: string;
}

export function mcpService(block: ExposesMcp, runtime: Runtime, version: string, wrap?: ToolCallWrapper): McpService {
  const tools = compileTools(block, runtime);
  const byName = new Map(tools.map((t) => [t.name, t]));
  const listed = tools.map((t) => ({
    name: t.name,
    ...(t.title ? { title: t.title } : {}),
    ...(t.description ? { description: t.description } : {}),
    inputSchema: t.inputSchema,
    ...(t.outputSchema ? { outputSchema: t.outputSchema } : {}),
    annotations: t.annotations,
  }));
  const info = {
    name: block.namespace,
    version,
    ...(runtime.capability.info?.display ? { title: runtime.capability.info.display } : {}),
  };
  const options = {
    capabilities: { tools: { listChanged: false } },
    ...(block.description ? { instructions: block.description } : {}),
    // A Server builds a fresh ajv instance (with formats) for its JSON Schema validator unless it is
    // given one: in stateless mode, one per request, most of an MCP call's CPU. One shared
    // validator, made on first use (the SDK needs it only for elicitation, which tools here never use).
    jsonSchemaValidator: sharedValidator(),
  };

  return {
    name: block.namespace,
    tools,
    newServer(callerGone, answer) {
      const server = new Server(info, options);
      server.setRequestHandler(ListToolsRequestSchema, async (request) => {
        const start = decodeCursor(request.params?.cursor);
        const page = listed.slice(start, start + PAGE_SIZE);
        const next = start + PAGE_SIZE < listed.length ? { nextCursor: encodeCursor(start + PAGE_SIZE) } : {};
        return { tools: page, ...next };
      });
      server.setRequestHandler(LooseCallToolRequestSchema, async (request, extra) => {
        // The Server checked it against CallToolRequestSchema before calling this handler.
        const params = request.params as { name: string; arguments?: Record<string, unknown> };
        const tool = byName.get(params.name);
        if (!tool) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${params.name}`);
        const args = params.arguments ?? {};
        const run = (context?: CallContext) => callTool(tool, args, callerGone ?? extra.signal, runtime, context);
        const result = wrap ? wrap(tool, extra.requestInfo?.headers, run) : run();
        type Answered = Promise<{ content: Array<{ type: "text"; text: string }> }>;
        if (!answer) return result as Answered;
        return result.then((r) => {
          answer.structuredJson = r.structuredContent && jsonSource(r.structuredContent);
          return r;
        }) as Answered;
      });
      return server;
    },
  };
}

function sharedValidator(): jsonSchemaValidator {
  let validator: AjvJsonSchemaValidator | undefined;
  return { getValidator: (schema) => (validator ??= new AjvJsonSchemaValidator()).getValidator(schema) };
}

function encodeCursor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString("base64url");
}

function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const m = /^offset:(\d+)$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!m) throw new McpError(ErrorCode.InvalidParams, "Invalid cursor");
  return Number(m[1]);
}
