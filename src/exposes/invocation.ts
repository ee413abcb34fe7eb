import type { Readable } from "node:stream";
import type { IncomingHttpHeaders } from "node:http";
import { readBody, upstreamFailure, type CallOptions } from "../consumes/http/client.js";
import type { UpstreamBody } from "../consumes/http/body.js";
import type { Args, OperationPlan } from "../consumes/http/plan.js";
import { UpstreamError } from "../errors.js";
import { bodyDecoder, RAW_MEDIA_TYPES, type BodyDecoder } from "../mapping/output-raw-format.js";
import { normalizeName } from "../mapping/names.js";
import { compileOutput, type OutputPlan } from "../mapping/output.js";
import type { Lookup } from "../mapping/template.js";
import { readWith, type WithSource } from "../mapping/with.js";
import { compilePath } from "../mapping/jsonpath.js";
import { compileOrchestration } from "../orchestration/steps.js";
import type { ConsumedParam, ExposedParam, Invocable, ParamType } from "../spec/model.js";

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

/** An exposed REST operation or MCP tool, compiled: the part both adapters share. */
export interface Invocation {
  readonly inputs: InputSpec[];
  /** HTTP method of the consumed operation, when there is exactly one (for MCP hints). */
  readonly upstreamMethod?: string;
  /** JSON Schema of a successful result, when known (the upstream's response schema, passed through). */
  readonly outputSchema?: Record<string, unknown>;
  /** The media type of a successful result that is not JSON: an upstream answer passed through as it came. */
  readonly rawMediaType?: string;
  invoke(inputs: Record<string, unknown>, opts: CallOptions): Promise<Outcome>;
}

export interface InvocationContext {
  /** `with` prefixes that name the caller's inputs: `rest`/`tools` and the exposes namespace. */
  prefixes: string[];
  plans: ReadonlyMap<string, OperationPlan>;
  binds: Lookup;
  /** Where REST inputs live when the file does not say: path variables of the exposed path. */
  pathVariables?: string[];
  /** MCP declares `required` defaulting to true; REST query inputs default to optional. */
  requiredByDefault: boolean;
  redact(text: string): string;
  maxErrorBody: number;
}

export function compileInvocation(unit: Invocable, ctx: InvocationContext, declared: ExposedParam[] = []): Invocation {
  const plan = unit.call ? ctx.plans.get(unit.call) : undefined;
  if (unit.call && !plan) throw new Error(`call ${unit.call} was not resolved by the loader`);
  const withSources = Object.entries(unit.with ?? {}).map(([param, value]) => [param, readWith(value, ctx.prefixes)] as const);
  const inputs = deriveInputs(unit, plan, withSources, declared, ctx);
  if (unit.steps?.length) return compileOrchestration(unit, ctx, inputs);
  const output = compileOutput(unit.outputParameters);
  const format = plan?.ref.operation.outputRawFormat ?? "json";
  const inputLookup =
    (values: Record<string, unknown>): Lookup =>
    (name) =>
      name in values ? values[name] : ctx.binds(name);

  if (!plan) {
    // Mock mode: no upstream; the output is built from the inputs alone.
    return {
      inputs,
      async invoke(values) {
        return { kind: "value", status: 200, value: output.project(null, inputLookup(values)) };
      },
    };
  }

  const buildArgs = argsBuilder(plan, withSources, inputs);
  const outputSchema = output.passthrough && format === "json" ? plan.schemas?.response : undefined;
  const rawMediaType = output.passthrough && !unit.outputParameters?.length ? RAW_MEDIA_TYPES.get(format) : undefined;
  const asItCame = (output.passthrough && format === "json") || rawMediaType !== undefined;
  const decode = bodyDecoder(plan.ref.operation, plan.ref.file);
  return {
    inputs,
    upstreamMethod: plan.method,
    ...(outputSchema ? { outputSchema } : {}),
    ...(rawMediaType ? { rawMediaType } : {}),
    async invoke(values, opts) {
      const lookup = inputLookup(values);
      const res = await plan.call(buildArgs(values, lookup), opts);
      if (res.status >= 400) {
        const raw = await readLimited(res.body, ctx.maxErrorBody, opts);
        return { kind: "upstream-error", status: res.status, headers: res.headers, body: Buffer.from(ctx.redact(raw.toString("utf8"))) };
      }
      if (asItCame) {
        const body = res.body.whole() ?? (await prefetch(res.body, PREFETCH_BYTES, opts, plan.ref.consumes.baseUri));
        return "chunks" in body
          ? { kind: "bytes", status: res.status, headers: res.headers, chunks: body.chunks, length: body.size }
          : { kind: "stream", status: res.status, headers: res.headers, body };
      }
      const body = await readBody(res, opts, plan.ref.consumes.baseUri);
      return { kind: "value", status: res.status, value: await project(output, decode, body, lookup) };
    },
  };
}

async function project(output: OutputPlan, decode: BodyDecoder, body: Buffer, lookup: Lookup): Promise<unknown> {
  let data: unknown;
  try {
    data = await decode(body);
  } catch (e) {
    throw new UpstreamError("bad_response", (e as Error).message);
  }
  return output.project(data, lookup);
}

/**
 * A passed-through body is read ahead up to this many bytes before the caller gets a status: an
 * upstream that breaks off or stalls within it still gets an honest 502/504 rather than a 200 with a
 * truncated body. A body that ends within it is answered whole, with a Content-Length; larger bodies
 * stream, and a failure after this point cuts the caller's connection.
 */
export const PREFETCH_BYTES = 256 * 1024;

/** The whole body as its chunks (not copied into one buffer) when it ends within `limit`, else a stream. */
async function prefetch(
  body: UpstreamBody,
  limit: number,
  opts: CallOptions,
  origin: string,
): Promise<{ chunks: Buffer[]; size: number } | Readable> {
  const read = await body.read(limit);
  if (read.error) throw upstreamFailure(read.error, origin, false, opts);
  // Larger: the whole body as a stream, what was read ahead first; a failure later cuts the caller's
  // stream, and a caller that leaves cancels the call.
  return read.ended ? read : body.stream();
}

/**
 * Reads an upstream error body for relaying, at most `limit` bytes. A body that breaks off is
 * relayed as far as it came: the status is the answer, the body only explains it.
 */
async function readLimited(body: UpstreamBody, limit: number, opts: CallOptions): Promise<Buffer> {
  const read = await body.read(limit);
  if (read.error && opts.signal?.aborted) throw new Error("caller aborted");
  if (!read.ended && !read.error) body.destroy();
  // Past the limit: what came before the chunk that crossed it.
  const kept: Buffer[] = [];
  let size = 0;
  for (const chunk of read.chunks) {
    if ((size += chunk.length) > limit) break;
    kept.push(chunk);
  }
  return Buffer.concat(kept);
}

/**
 * The caller's inputs: declared `inputParameters` when the file has them (official dialect);
 * otherwise one per `with` entry naming an input, typed by the consumed parameter it feeds
 * (generated dialect); otherwise, for a bare `call`, the consumed operation's own parameters.
 */
function deriveInputs(
  unit: Invocable,
  plan: OperationPlan | undefined,
  withSources: ReadonlyArray<readonly [string, WithSource]>,
  declared: ExposedParam[],
  ctx: InvocationContext,
): InputSpec[] {
  const pathVars = new Set((ctx.pathVariables ?? []).map(normalizeName));
  const placement = (name: string, fed?: ConsumedParam): InputSpec["in"] => {
    if (pathVars.has(normalizeName(name))) return "path";
    if (fed?.in === "body" || name === "body") return "body";
    if (fed?.in === "header" || fed?.in === "cookie") return fed.in;
    return "query";
  };
  const all = [...declared, ...(unit.inputParameters ?? [])];
  if (all.length) {
    return dedupe(
      all.map((p) => {
        const where = (p.in as InputSpec["in"] | undefined) ?? placement(p.name);
        return {
          name: p.name,
          type: p.type,
          description: p.description,
          required: where === "path" || (p.required ?? ctx.requiredByDefault),
          in: where,
          pattern: p.pattern,
        };
      }),
    );
  }
  const params = plan?.ref.params ?? [];
  // A body declared on GET or HEAD is never sent (plan.ts), so the caller is not asked for one either.
  const bodyless = plan?.method === "GET" || plan?.method === "HEAD";
  const found: InputSpec[] = [];
  const feed = (name: string, fed: ConsumedParam | undefined) => {
    if (bodyless && fed?.in === "body") return;
    const where = placement(name, fed);
    const isBody = fed?.in === "body";
    found.push({
      name,
      // Generated files type some JSON bodies `string`; a body is sent as JSON, so it is an object.
      type: isBody ? (fed?.type === "array" ? "array" : "object") : (fed?.type ?? "string"),
      description: fed?.description,
      required: where === "path" || fed?.in === "path" || fed?.required === true,
      in: where,
      ...(isBody ? { wholeBody: true } : {}),
      ...(isBody && plan?.schemas?.body ? { schema: plan.schemas.body } : {}),
    });
  };
  if (unit.with) {
    for (const [param, src] of withSources) {
      if (src.kind === "input")
        feed(
          src.name,
          params.find((p) => p.name === param),
        );
    }
  } else if (plan) {
    for (const p of params) if (p.value === undefined && p.in !== "environment") feed(p.name, p);
  }
  for (const v of ctx.pathVariables ?? []) {
    if (!found.some((i) => normalizeName(i.name) === normalizeName(v))) found.push({ name: v, type: "string", required: true, in: "path" });
  }
  return dedupe(found);
}

function dedupe(inputs: InputSpec[]): InputSpec[] {
  const seen = new Map<string, InputSpec>();
  for (const i of inputs) if (!seen.has(i.name)) seen.set(i.name, i);
  return [...seen.values()];
}

/** Turns the caller's inputs into the consumed operation's arguments, following `with`. */
function argsBuilder(plan: OperationPlan, withSources: ReadonlyArray<readonly [string, WithSource]>, inputs: InputSpec[]) {
  if (withSources.length === 0) {
    // Without `with`, inputs pass through to consumed parameters of the same name.
    const byNorm = new Map(plan.ref.params.map((p) => [normalizeName(p.name), p.name]));
    return (values: Record<string, unknown>): Args => {
      const args: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(values)) args[byNorm.get(normalizeName(k)) ?? k] = v;
      return args;
    };
  }
  const readers = withSources.map(([param, src]) => {
    switch (src.kind) {
      case "input": {
        // The input may arrive under its own spelling (`connection-id`) or the `with` one.
        const wanted = normalizeName(src.name);
        const spelled = inputs.find((i) => normalizeName(i.name) === wanted)?.name ?? src.name;
        return [param, (values: Record<string, unknown>) => values[spelled]] as const;
      }
      case "template":
        return [param, (_v: Record<string, unknown>, lookup: Lookup) => src.template.render(lookup)] as const;
      case "path": {
        const read = compilePath(src.expression);
        return [param, (values: Record<string, unknown>) => read(values)] as const;
      }
      case "literal":
        return [param, () => src.value] as const;
    }
  });
  return (values: Record<string, unknown>, lookup: Lookup): Args => {
    const args: Record<string, unknown> = {};
    for (const [param, read] of readers) {
      const v = read(values, lookup);
      if (v !== undefined) args[param] = v;
    }
    return args;
  };
}
