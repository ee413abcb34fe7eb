import type { IncomingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import type { CallOptions, UpstreamResponse } from "../consumes/http/client.js";
import { readErrorBody } from "../consumes/http/response.js";
import type { OperationPlan } from "../consumes/http/plan.js";
import type { Lookup } from "../mapping/template.js";
import type { Scripting } from "../orchestration/scripting.js";
import type { ConsumedOperation, ParamType } from "../spec/model.js";

/**
 * An exposed unit (REST operation, MCP tool or resource, aggregate flow) once compiled: the inputs
 * its callers give, how it is invoked, and what an invocation produces. REST and MCP both run
 * units through this one shape; single calls and steps relay upstream errors the same way.
 */

/** One input a caller gives an exposed operation or tool. */
export interface InputSpec {
  /** The name the caller uses (REST query name, MCP argument name). */
  name: string;
  type: ParamType;
  description?: string;
  required: boolean;
  /** Where a REST caller puts it; MCP callers pass everything as arguments. */
  in: "path" | "query" | "header" | "cookie" | "body";
  pattern?: string;
  /** The input is the whole JSON request body (a consumed `in: body` parameter), not one field of it. */
  wholeBody?: boolean;
  /** A full JSON Schema for the input (the upstream's request-body schema, from `--openapi`). */
  schema?: Record<string, unknown>;
  /** The input's fixed `value`: it overrides whatever the caller sends, and callers are not asked for it. */
  fixed?: { value: unknown };
  /** `value: $…` on a body input: where in the JSON request body it is read (JSONPath), instead of its name. */
  bodyPath?: string;
}

/**
 * What an invocation produced. A `$.` passthrough is the upstream's body as it came: whole (`bytes`)
 * when it ended within the read-ahead, else a stream; nothing looks inside it.
 */
export type Outcome =
  | { kind: "bytes"; status: number; headers: IncomingHttpHeaders; chunks: Buffer[]; length: number }
  | { kind: "stream"; status: number; headers: IncomingHttpHeaders; body: Readable }
  | { kind: "value"; status: number; value: unknown }
  | { kind: "upstream-error"; status: number; headers: IncomingHttpHeaders; body: Buffer };

export interface Invocation {
  readonly inputs: InputSpec[];
  /** HTTP method of the consumed operation, when there is exactly one (for MCP hints). */
  readonly upstreamMethod?: string;
  /** The upstream's response schema (from `--openapi`), when the result is that response passed through. */
  readonly outputSchema?: Record<string, unknown>;
  /** JSON Schema of a successful result as far as the file says (`{}` when it says nothing). */
  readonly resultSchema: Record<string, unknown>;
  /** The result is raw bytes (`outputRawFormat: binary`) with their media type, not JSON. */
  readonly binary?: boolean;
  /** The media type of a successful result that is not JSON: an upstream answer passed through as it came. */
  readonly rawMediaType?: string;
  invoke(inputs: Record<string, unknown>, opts: CallOptions): Promise<Outcome>;
}

/** What compiling a unit needs from its exposes block and the runtime. */
export interface InvocationContext {
  /** `with` prefixes that name the caller's inputs: `rest`/`tools` and the exposes namespace. */
  prefixes: string[];
  planOf(operation: ConsumedOperation): OperationPlan;
  binds: Lookup;
  /** Where REST inputs live when the file does not say: path variables of the exposed path. */
  pathVariables?: string[];
  /** MCP declares `required` defaulting to true; REST query inputs default to optional. */
  requiredByDefault: boolean;
  redact(text: string): string;
  maxErrorBody: number;
  /** The exposes block's `maxBinarySize`: the most bytes of a binary answer, unless its operation says. */
  maxBinarySize?: number;
  /** Runs script steps; there when the capability has any. */
  scripting?: Scripting;
}

/** An upstream error answer, relayed: its status and its body (bounded, credentials scrubbed). */
export async function relayedError(res: UpstreamResponse, ctx: InvocationContext, opts: CallOptions): Promise<Outcome> {
  const raw = await readErrorBody(res.body, ctx.maxErrorBody, opts);
  return { kind: "upstream-error", status: res.status, headers: res.headers, body: Buffer.from(ctx.redact(raw.toString("utf8"))) };
}
