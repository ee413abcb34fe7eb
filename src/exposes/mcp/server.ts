import type {
  CacheScope,
  Implementation,
  jsonSchemaValidator,
  Prompt,
  Resource,
  ResourceTemplateType as ResourceTemplate,
  Server,
  ServerContext,
  ServerOptions,
  Tool,
} from "@modelcontextprotocol/server";
import type { AjvJsonSchemaValidator } from "@modelcontextprotocol/server/validators/ajv";
import type { CallerSignal } from "../../consumes/http/client.js";
import type { CallContext } from "../../observability/context.js";
import type { Runtime } from "../../runtime.js";
import type { ExposesMcp } from "../../spec/model.js";
import { pageOf } from "./pages.js";
import { compilePrompts } from "./prompts.js";
import { compileResources } from "./resources.js";
import { invalidParams, sdk } from "./sdk.js";
import { callTool, compileTools, type CompiledTool, type ToolResult } from "./tools.js";
import type { CallWrapper, HeaderReader } from "./wrap.js";

/** The protocol era a server instance answers: `modern` is 2026-07-28, `legacy` the `initialize`-based 2025 revisions. */
export type Era = "legacy" | "modern";

/**
 * What the block's 2026-07-28 cacheable results (`tools/list`, `server/discover`, the resource and
 * prompt lists, `resources/read`) carry when the file does not say: the reference engine's and the SDK's default, "ask again every time".
 */
export const DEFAULT_CACHE = { ttlMs: 0, cacheScope: "private" as CacheScope };

/**
 * The MCP side of one `type: mcp` block, compiled once. `newServer()` gives an SDK `Server` wired to
 * it: cheap enough to make per request, since all the work was done here.
 */
export interface McpService {
  name: string;
  tools: CompiledTool[];
  /** `serverInfo`: what every answer names as its server. */
  info: Implementation;
  /** `ttlMs` and `cacheScope` of the 2026-07-28 cacheable results (the lists, `resources/read`, `server/discover`). */
  cache: { ttlMs: number; cacheScope: CacheScope };
  /** The server's `instructions` (the block's description). */
  instructions?: string;
  /** A tool by its advertised name. */
  tool(name: string): CompiledTool | undefined;
  /** `tools/list`'s page starting at `cursor` (the whole list for a small server), as the SDK path returns it. */
  listPage(cursor: string | undefined): { tools: Tool[]; nextCursor?: string };
  /**
   * Runs a `tools/call` of a tool found by {@link tool}, observed when the service was made with a
   * wrapper; `signal` is aborted when the caller goes away. With `bodyAsBytes`, a body result
   * comes as its bytes (see ToolResult.body).
   */
  call(
    tool: CompiledTool,
    args: Record<string, unknown>,
    signal: CallerSignal | undefined,
    carrier: HeaderReader,
    bodyAsBytes?: boolean,
  ): Promise<ToolResult>;
  /**
   * An SDK server wired to this block; only once the SDK has loaded (`loadSdk`).
   * @param callerGone aborted when the caller goes away (its HTTP connection closed early): tool
   * calls then use it instead of the SDK's per-request signal.
   */
  newServer(era: Era, callerGone?: CallerSignal): Server;
}

export function mcpService(block: ExposesMcp, runtime: Runtime, version: string, wrap?: CallWrapper): McpService {
  const tools = compileTools(block, runtime);
  // Resources and prompts are served, and advertised, only when the block declares some.
  const resources = block.resources.length ? compileResources(block, runtime, wrap) : undefined;
  const prompts = block.prompts.length ? compilePrompts(block, runtime.capability.file) : undefined;
  const byName = new Map(tools.map((t) => [t.name, t]));
  const listed: Tool[] = tools.map((t) => ({
    name: t.name,
    ...(t.title ? { title: t.title } : {}),
    ...(t.description ? { description: t.description } : {}),
    inputSchema: t.inputSchema as unknown as Tool["inputSchema"],
    ...(t.outputSchema ? { outputSchema: t.outputSchema as Tool["outputSchema"] } : {}),
    annotations: t.annotations,
  }));
  const info: Implementation = {
    name: block.namespace,
    version,
    ...(runtime.capability.info?.display ? { title: runtime.capability.info.display } : {}),
  };
  const cache = cacheOf(block);
  const options: ServerOptions = {
    capabilities: {
      tools: { listChanged: false },
      ...(resources ? { resources: { listChanged: false } } : {}),
      ...(prompts ? { prompts: { listChanged: false } } : {}),
    },
    ...(block.description ? { instructions: block.description } : {}),
    cacheHints: {
      "tools/list": cache,
      "server/discover": cache,
      "resources/list": cache,
      "resources/templates/list": cache,
      "resources/read": cache,
      "prompts/list": cache,
    },
    // A Server builds a fresh ajv instance (with formats) for its JSON Schema validator unless it is
    // given one: per request, most of a call's CPU. One shared validator, made on first use (the SDK
    // needs it only for elicitation, which tools here never use).
    jsonSchemaValidator: sharedValidator(),
  };

  const listPage = (cursor: string | undefined) => {
    const { items, nextCursor } = pageOf(listed, cursor, "tools/list");
    return { tools: items as Tool[], ...(nextCursor ? { nextCursor } : {}) };
  };
  const call: McpService["call"] = (tool, args, signal, carrier, bodyAsBytes) => {
    const run = (context?: CallContext) => callTool(tool, args, signal, runtime, context, bodyAsBytes);
    return wrap ? wrap({ name: tool.name, method: "tools/call" }, carrier, run, (r) => r.isError === true) : run();
  };

  return {
    name: block.namespace,
    tools,
    info,
    cache,
    ...(block.description ? { instructions: block.description } : {}),
    tool: (name) => byName.get(name),
    listPage,
    call,
    newServer(_era, callerGone) {
      const server = new (sdk().Server)(info, options);
      server.setRequestHandler("tools/list", async (request) => listPage(request.params?.cursor));
      server.setRequestHandler("tools/call", async (request, ctx) => {
        const { name } = request.params;
        const tool = byName.get(name);
        if (!tool) throw unknownTool(name, tools.length);
        const result = await call(tool, request.params.arguments ?? {}, callerGone ?? ctx.mcpReq.signal, carrierOf(ctx));
        // The era's rules for structured results: any JSON value on 2026-07-28, an object (a
        // non-object wrapped as `{result: …}`, as the advertised schema is) on the 2025 revisions.
        return server.projectCallToolResult(result as Parameters<Server["projectCallToolResult"]>[0], tool.outputSchema);
      });
      if (resources) {
        server.setRequestHandler("resources/list", async (request) => {
          const { items, nextCursor } = pageOf(await resources.list(), request.params?.cursor, "resources/list");
          return { resources: items as Resource[], ...(nextCursor ? { nextCursor } : {}) };
        });
        server.setRequestHandler("resources/templates/list", async (request) => {
          const { items, nextCursor } = pageOf(resources.templates, request.params?.cursor, "resources/templates/list");
          return { resourceTemplates: items as ResourceTemplate[], ...(nextCursor ? { nextCursor } : {}) };
        });
        server.setRequestHandler("resources/read", (request, ctx) =>
          resources.read(request.params.uri, callerGone ?? ctx.mcpReq.signal, carrierOf(ctx)),
        );
      }
      if (prompts) {
        server.setRequestHandler("prompts/list", async (request) => {
          const { items, nextCursor } = pageOf(prompts.listed, request.params?.cursor, "prompts/list");
          return { prompts: items as Prompt[], ...(nextCursor ? { nextCursor } : {}) };
        });
        server.setRequestHandler("prompts/get", (request) => prompts.get(request.params.name, request.params.arguments));
      }
      return server;
    },
  };
}

/** The protocol error for a `tools/call` naming a tool this server does not have. */
export function unknownTool(name: unknown, count: number): Error {
  return invalidParams(
    `Unknown tool: ${JSON.stringify(name)} (this server has ${count} tool${count === 1 ? "" : "s"}; tools/list names them)`,
  );
}

/**
 * The block's cache hint: `ttlMs` and `cacheScope` from the file (Ikanos declares them), else the
 * default. Validation refuses values the SDK would reject; a model built another way still gets a
 * clear error here rather than the SDK's RangeError.
 */
function cacheOf(block: ExposesMcp): { ttlMs: number; cacheScope: CacheScope } {
  const { ttlMs, cacheScope } = block;
  if (ttlMs !== undefined && !(Number.isSafeInteger(ttlMs) && ttlMs >= 0))
    throw new Error(`exposes "${block.namespace}": ttlMs must be a whole number of milliseconds, 0 or more (got ${JSON.stringify(ttlMs)})`);
  if (cacheScope !== undefined && cacheScope !== "public" && cacheScope !== "private")
    throw new Error(`exposes "${block.namespace}": cacheScope must be "public" or "private" (got ${JSON.stringify(cacheScope)})`);
  return {
    ttlMs: ttlMs ?? DEFAULT_CACHE.ttlMs,
    cacheScope: (cacheScope as CacheScope | undefined) ?? DEFAULT_CACHE.cacheScope,
  };
}

/** Request id and trace context of a call served by the SDK: the HTTP request's headers, then `_meta`. */
function carrierOf(ctx: ServerContext): HeaderReader {
  const headers = ctx.http?.req?.headers;
  const meta = ctx.mcpReq._meta as Record<string, unknown> | undefined;
  return (name) => headers?.get(name) ?? (typeof meta?.[name] === "string" ? (meta[name] as string) : undefined);
}

function sharedValidator(): jsonSchemaValidator {
  let validator: AjvJsonSchemaValidator | undefined;
  return { getValidator: (schema) => (validator ??= new (sdk().AjvJsonSchemaValidator)()).getValidator(schema) };
}
