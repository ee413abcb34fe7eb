import { MAX_READ_BODY, type CallerSignal } from "../../consumes/http/client.js";
import { joined, readAll } from "../../streams.js";
import { InputError, ScriptError, UpstreamError } from "../../errors.js";
import { FormatError } from "../../mapping/formats.js";
import type { CallContext } from "../../observability/context.js";
import type { Runtime } from "../../runtime.js";
import type { ExposesMcp, McpTool } from "../../spec/model.js";
import { hintsOf } from "../hints.js";
import { binaryContent, readBinary, type BinaryContent } from "./binary.js";
import { compileInvocation, invocationContext, type Invocation, type InvocationContext, type Outcome } from "../invocation.js";
import { compileValidator, inputsSchema, MAX_JSON_DEPTH, nestedDeeperThan, type JsonSchemaObject, type Validator } from "../validate.js";

/** LLM tool APIs accept only these property names. */
const PROPERTY_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export interface ToolAnnotations {
  title?: string;
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** An MCP tool compiled from the file: what `tools/list` advertises and what `tools/call` runs. */
export interface CompiledTool {
  /** The tool as the capability declares it. */
  unit: McpTool;
  /** The namespace of the exposes block serving it. */
  exposes: string;
  name: string;
  title?: string;
  description?: string;
  inputSchema: JsonSchemaObject;
  /** The upstream's response schema (object root), when `--openapi` gave one and the output is passed through. */
  outputSchema?: Record<string, unknown>;
  annotations: ToolAnnotations;
  invocation: Invocation;
  /** Advertised argument name → the input's own name (they differ only when sanitised). */
  argumentNames: ReadonlyMap<string, string>;
  validate: Validator;
}

export interface ToolResult {
  /** One text block; or, for raw bytes (`outputRawFormat: binary`), one image, audio or embedded blob block. */
  content: Array<{ type: "text"; text: string } | BinaryContent>;
  /**
   * The result as JSON data, when the text is JSON: any JSON value, as 2026-07-28 allows (the 2025
   * revisions allow only an object; their answers wrap anything else, see server.ts). When present,
   * the text block is its JSON text, so an answer can carry that text as is (see hot.ts).
   */
  structuredContent?: unknown;
  /**
   * The upstream's body, which the text block decodes as UTF-8, when the caller asked for it
   * (`bodyAsBytes`): `structuredContent` is then left for the caller to read from it (hot.ts
   * writes the bytes themselves when they are JSON text; `withStructuredContent` reads them).
   */
  body?: Buffer;
  isError?: boolean;
}

export function compileTools(block: ExposesMcp, runtime: Runtime): CompiledTool[] {
  const ctx = invocationContext(runtime, {
    prefixes: ["tools", block.namespace],
    requiredByDefault: true,
    maxBinarySize: block.maxBinarySize,
  });
  return block.tools.map((tool) => compileTool(tool, ctx, block.namespace));
}

function compileTool(tool: McpTool, ctx: InvocationContext, exposes: string): CompiledTool {
  const invocation = compileInvocation(tool, ctx);
  const advertised = advertisedNames(invocation.inputs.map((i) => i.name));
  const argumentNames = new Map(invocation.inputs.map((i) => [advertised.get(i.name)!, i.name]));
  const inputSchema = inputsSchema(invocation.inputs, (i) => advertised.get(i.name)!, false);
  for (const input of invocation.inputs) {
    // The whole JSON body of a generated operation is one object argument, shaped by the upstream.
    if (input.wholeBody && !input.schema)
      inputSchema.properties[advertised.get(input.name)!] = { type: input.type, description: input.description ?? "Request body (JSON)." };
  }
  return {
    unit: tool,
    exposes,
    name: tool.name,
    title: tool.display,
    description: tool.description,
    inputSchema,
    ...(invocation.outputSchema ? { outputSchema: invocation.outputSchema } : {}),
    annotations: annotations(tool),
    invocation,
    argumentNames,
    validate: compileValidator(inputSchema),
  };
}

/**
 * `Search string` → `Search_string`, `created[after]` → `created_after`: runs of characters LLM tool
 * APIs reject become `_`, trimmed at the ends; a clash gets `_2`, `_3`…
 */
export function advertisedNames(names: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set(names.filter((n) => PROPERTY_NAME.test(n)));
  for (const name of names) {
    if (PROPERTY_NAME.test(name)) {
      out.set(name, name);
      continue;
    }
    const base =
      name
        .replace(/[^A-Za-z0-9_.-]+/g, "_")
        .replace(/^_+|_+$/g, "")
        .slice(0, 60) || "arg";
    let candidate = base;
    for (let n = 2; taken.has(candidate); n++) candidate = `${base}_${n}`;
    taken.add(candidate);
    out.set(name, candidate);
  }
  return out;
}

/** Every tool carries all four hints (see exposes/hints.ts). */
function annotations(tool: McpTool): ToolAnnotations {
  const h = hintsOf(tool);
  return {
    ...(tool.display ? { title: tool.display } : {}),
    readOnlyHint: h.readOnly,
    destructiveHint: h.destructive,
    idempotentHint: h.idempotent,
    openWorldHint: h.openWorld,
  };
}

/** Runs one `tools/call`: validation problems and upstream failures are tool errors, not protocol errors. */
export async function callTool(
  tool: CompiledTool,
  args: Record<string, unknown>,
  signal: CallerSignal | undefined,
  runtime: Runtime,
  context?: CallContext,
  bodyAsBytes = false,
): Promise<ToolResult> {
  if (nestedDeeperThan(args)) return errorResult(`Invalid arguments for tool ${tool.name}: nested deeper than ${MAX_JSON_DEPTH} levels`);
  const problems = tool.validate(args);
  if (problems.length)
    return errorResult(`Invalid arguments for tool ${tool.name}: ${problems.map((p) => `${p.parameter} ${p.message}`).join("; ")}`);
  const values: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) values[tool.argumentNames.get(k) ?? k] = v;
  try {
    const outcome = await tool.invocation.invoke(values, { signal, timeout: runtime.callTimeout, context });
    if (tool.invocation.binary && (outcome.kind === "bytes" || outcome.kind === "stream")) {
      const { bytes, mediaType } = await readBinary(outcome);
      return { content: [binaryContent(bytes, mediaType, tool.exposes, tool.name)] };
    }
    return await resultOf(outcome, runtime.maxResponseBody ?? MAX_READ_BODY, bodyAsBytes);
  } catch (e) {
    if (e instanceof InputError) return errorResult(`Invalid arguments for tool ${tool.name}: ${e.message}`);
    if (e instanceof UpstreamError) return errorResult(`Upstream error (${e.status}): ${runtime.redactor.redact(e.message)}`);
    if (e instanceof FormatError) return errorResult(`Upstream error (502): ${e.message}`);
    if (e instanceof ScriptError) return errorResult(`Script error (${e.status}): ${runtime.redactor.redact(e.message)}`);
    throw e;
  }
}

async function resultOf(outcome: Outcome, limit: number, bodyAsBytes: boolean): Promise<ToolResult> {
  if (outcome.kind === "upstream-error") {
    return errorResult(`Upstream answered HTTP ${outcome.status}: ${outcome.body.toString("utf8")}`);
  }
  if (bodyAsBytes && outcome.kind !== "value") {
    const body = await bodyOf(outcome, limit);
    return { content: [{ type: "text", text: body.toString("utf8") }], body };
  }
  const { text, value } = await readOutcome(outcome, limit);
  const result: ToolResult = { content: [{ type: "text", text }] };
  if (value !== undefined) result.structuredContent = value;
  return result;
}

/** A result made with `bodyAsBytes`, as it would have been made without: its body's JSON read as structured content. */
export function withStructuredContent(result: ToolResult): ToolResult {
  if (!result.body) return result;
  const value = parseOrUndefined((result.content[0] as { text: string }).text);
  return value === undefined ? { content: result.content } : { content: result.content, structuredContent: value };
}

/** A successful outcome's text, and its JSON data when it has some (`value` undefined otherwise). */
export async function readOutcome(
  outcome: Exclude<Outcome, { kind: "upstream-error" }>,
  limit: number,
): Promise<{ text: string; value: unknown }> {
  if (outcome.kind === "value") {
    const value = outcome.value ?? null;
    return { text: JSON.stringify(value), value };
  }
  const text = (await bodyOf(outcome, limit)).toString("utf8");
  return { text, value: parseOrUndefined(text) };
}

/** An upstream body, whole. */
async function bodyOf(outcome: Extract<Outcome, { kind: "bytes" | "stream" }>, limit: number): Promise<Buffer> {
  if (outcome.kind === "bytes") return joined(outcome.chunks, outcome.length);
  // A result is held in memory whole: the same bound as any body read whole.
  let read: Buffer | undefined;
  try {
    read = await readAll(outcome.body, limit);
  } catch (e) {
    throw new UpstreamError("unreachable", `upstream response broke off (${(e as Error).message})`);
  }
  if (read === undefined) {
    outcome.body.destroy();
    throw new UpstreamError("bad_response", `upstream answered with a body larger than ${limit} bytes, the most this runtime reads`);
  }
  return read;
}

/** The JSON data of a body; undefined when it is empty or not JSON (the text block alone then). */
function parseOrUndefined(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorResult(text: string): ToolResult {
  return { content: [{ type: "text", text }], isError: true };
}
