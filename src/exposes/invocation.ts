import { Transform, type Readable } from "node:stream";
import { upstreamFailure, type CallOptions, type UpstreamResponse } from "../consumes/http/client.js";
import type { UpstreamBody } from "../consumes/http/body.js";
import { readData } from "../consumes/http/response.js";
import { readTree } from "../json-text.js";
import { normalizeName } from "../mapping/names.js";
import { RAW_MEDIA_TYPES } from "../mapping/output-raw-format.js";
import { compileOutput } from "../mapping/output.js";
import type { Lookup } from "../mapping/template.js";
import { compileWith, readWith } from "../mapping/with.js";
import { compileOrchestration } from "../orchestration/steps.js";
import type { Runtime } from "../runtime.js";
import { UpstreamError } from "../errors.js";
import type { ConsumedOperation, ConsumedParam, ExposedParam, Invocable } from "../spec/model.js";
import { inputValue } from "./input-value.js";
import { relayedError, type InputSpec, type Invocation, type InvocationContext } from "./unit.js";

export type { InputSpec, Invocation, InvocationContext, Outcome } from "./unit.js";

/** The context units of one exposes block compile in. */
export function invocationContext(
  runtime: Runtime,
  block: Pick<InvocationContext, "prefixes" | "requiredByDefault" | "pathVariables" | "maxBinarySize">,
): InvocationContext {
  return {
    ...block,
    planOf: (operation) => runtime.planOf(operation),
    binds: runtime.binds,
    redact: (t) => runtime.redactor.redact(t),
    maxErrorBody: runtime.maxErrorBody,
    scripting: runtime.scripting,
  };
}

/**
 * Compiles an exposed unit: a single `call` (its `with` and `outputParameters`), `steps`, or neither
 * (mock mode: the output is built from the inputs alone).
 *
 * @param declared inputs declared around the unit (a REST resource's `inputParameters`)
 * @param contractMediaType the binary media type the exposing side's response contract declares
 */
export function compileInvocation(
  unit: Invocable,
  blockCtx: InvocationContext,
  declared: ExposedParam[] = [],
  contractMediaType?: string,
): Invocation {
  // What a unit takes from an aggregate flow names the caller's inputs by the aggregate's namespace too.
  const ctx = unit.flow
    ? { ...blockCtx, prefixes: [...blockCtx.prefixes, unit.flow.key.slice(0, unit.flow.key.lastIndexOf("."))] }
    : blockCtx;
  const inputs = deriveInputs(unit, declared, ctx);
  if (unit.steps?.length) return compileOrchestration(unit, ctx, inputs);
  const output = compileOutput(unit.outputParameters);
  const inputLookup =
    (values: Record<string, unknown>): Lookup =>
    (name) =>
      name in values ? values[name] : ctx.binds(name);

  const operation = unit.call;
  if (!operation) {
    return {
      inputs,
      resultSchema: output.schema,
      async invoke(values) {
        return { kind: "value", status: 200, value: output.project(null, inputLookup(values)) };
      },
    };
  }

  const plan = ctx.planOf(operation);
  const buildArgs = compileWith(
    unit.with,
    operation,
    ctx.prefixes,
    inputs.map((i) => i.name),
  );
  const format = operation.outputRawFormat ?? "json";
  if (format === "binary") {
    const send: Send = (values, opts) => plan.call(buildArgs({ values, lookup: inputLookup(values) }), opts);
    return compileBinaryCall(unit, operation, ctx, inputs, contractMediaType, send);
  }
  const rawMediaType = output.passthrough && !unit.outputParameters?.length ? RAW_MEDIA_TYPES.get(format) : undefined;
  const passthrough = (output.passthrough && format === "json") || rawMediaType !== undefined;
  const reads = output.reads && readTree(output.reads);
  const outputSchema = passthrough && format === "json" ? plan.schemas?.response : undefined;
  return {
    inputs,
    upstreamMethod: operation.method,
    ...(outputSchema ? { outputSchema } : {}),
    ...(rawMediaType ? { rawMediaType } : {}),
    resultSchema: outputSchema ?? output.schema,
    async invoke(values, opts) {
      const lookup = inputLookup(values);
      const res = await plan.call(buildArgs({ values, lookup }), opts);
      if (res.status >= 400) return relayedError(res, ctx, opts);
      if (passthrough) {
        const body = res.body.whole() ?? (await prefetch(res.body, PREFETCH_BYTES, opts, operation.consumes.baseUri));
        return "chunks" in body
          ? { kind: "bytes", status: res.status, headers: res.headers, chunks: body.chunks, length: body.size }
          : { kind: "stream", status: res.status, headers: res.headers, body };
      }
      return { kind: "value", status: res.status, value: output.project(await readData(res, operation, opts, reads), lookup) };
    },
  };
}

/** One call of the unit's consumed operation with the caller's inputs, `with` applied. */
type Send = (values: Record<string, unknown>, opts: CallOptions) => Promise<UpstreamResponse>;

/** The most bytes of a binary answer when neither its operation nor its exposes block says (as the reference). */
export const DEFAULT_MAX_BINARY_SIZE = 10 * 1024 * 1024;

/**
 * A call whose consumed operation answers raw bytes (`outputRawFormat: binary`): the body passes
 * through as it comes, never parsed or mapped, bounded by `maxBinarySize` (the operation's, else
 * the exposes block's, else 10 MiB), with its media type: the operation's `outputMediaType`, else
 * the unit's (an aggregate flow's), else the exposing side's contract, else the upstream's.
 */
function compileBinaryCall(
  unit: Invocable,
  operation: ConsumedOperation,
  ctx: InvocationContext,
  inputs: InputSpec[],
  contractMediaType: string | undefined,
  send: Send,
): Invocation {
  const limit = operation.maxBinarySize ?? ctx.maxBinarySize ?? DEFAULT_MAX_BINARY_SIZE;
  const declaredType = operation.outputMediaType ?? unit.outputMediaType ?? contractMediaType;
  const origin = operation.consumes.baseUri;
  const tooBig = (size: number | string) =>
    new UpstreamError("bad_response", `upstream ${origin} answered ${size} bytes, more than the maxBinarySize of ${limit} bytes`);
  return {
    inputs,
    upstreamMethod: operation.method,
    binary: true,
    resultSchema: { type: "string", format: "binary" },
    async invoke(values, opts) {
      const res = await send(values, opts);
      if (res.status >= 400) return relayedError(res, ctx, opts);
      const upstreamType = res.headers["content-type"];
      const headers = {
        ...res.headers,
        "content-type": declaredType ?? (typeof upstreamType === "string" ? upstreamType : "application/octet-stream"),
      };
      const declared = Number(res.headers["content-length"]);
      if (declared > limit) {
        res.body.destroy();
        throw tooBig(declared);
      }
      const read = await res.body.read(Math.min(PREFETCH_BYTES, limit));
      if (read.error) throw upstreamFailure(read.error, origin, false, opts);
      if (read.size > limit) {
        res.body.destroy();
        throw tooBig(read.ended ? read.size : `more than ${limit}`);
      }
      if (read.ended) return { kind: "bytes", status: res.status, headers, chunks: read.chunks, length: read.size };
      // Larger than the read-ahead: streamed, and cut off (the caller's connection too) past the limit.
      return { kind: "stream", status: res.status, headers, body: bounded(res.body.stream(), limit, () => tooBig(`more than ${limit}`)) };
    },
  };
}

/** A stream that fails once more than `limit` bytes have passed. */
function bounded(source: Readable, limit: number, error: () => Error): Readable {
  let seen = 0;
  const out = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      done(seen > limit ? error() : null, seen > limit ? undefined : chunk);
    },
  });
  source.on("error", (e) => out.destroy(e));
  out.on("close", () => source.destroy());
  return source.pipe(out);
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
 * The caller's inputs: declared `inputParameters` when the file has them (official dialect);
 * otherwise one per `with` entry naming an input, typed by the consumed parameter it feeds
 * (generated dialect); otherwise, for a bare `call`, the consumed operation's own parameters.
 */
function deriveInputs(unit: Invocable, declared: ExposedParam[], ctx: InvocationContext): InputSpec[] {
  const pathVars = new Set((ctx.pathVariables ?? []).map(normalizeName));
  const placement = (name: string, fed?: ConsumedParam): InputSpec["in"] => {
    if (pathVars.has(normalizeName(name))) return "path";
    if (fed?.in === "body" || name === "body") return "body";
    if (fed?.in === "header" || fed?.in === "cookie") return fed.in;
    return "query";
  };
  const all = [...declared, ...unit.inputParameters];
  if (all.length) {
    return dedupe(
      all.map((p) => {
        const where = (p.in as InputSpec["in"] | undefined) ?? placement(p.name);
        const spec: InputSpec = {
          name: p.name,
          type: p.type,
          description: p.description,
          required: where === "path" || (p.required ?? ctx.requiredByDefault),
          in: where,
          pattern: p.pattern,
        };
        return p.value === undefined ? spec : { ...spec, ...inputValue(p, spec, ctx.binds) };
      }),
    );
  }
  const operation = unit.steps?.length ? undefined : unit.call;
  const plan = operation && ctx.planOf(operation);
  const params = operation?.params ?? [];
  // A body declared on GET or HEAD is never sent (plan.ts), so the caller is not asked for one either.
  const bodyless = operation?.method === "GET";
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
  if (unit.with && Object.keys(unit.with).length) {
    for (const [param, value] of Object.entries(unit.with)) {
      const src = readWith(value, ctx.prefixes);
      if (src.kind === "input")
        feed(
          src.name,
          params.find((p) => p.name === param),
        );
    }
  } else if (operation) {
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
