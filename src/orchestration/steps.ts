/**
 * Orchestrated operations (official dialect): `steps` of type `call` and `lookup`, then `mappings`
 * into the result, then `outputParameters` to shape it. One compiled plan per exposed operation or
 * tool; a request only runs the steps in order.
 *
 * - A `call` step calls a consumed operation. Its `with` reads the caller's inputs (`{{imo}}`,
 *   `<namespace>.imo`), earlier step results (`$.get-ship.assignedCrew`) or literals; without `with`,
 *   inputs pass to consumed parameters of the same name. Its parsed response is the step's result.
 * - A `lookup` step finds, in an earlier step's result (`index`, a list), the entries whose `match`
 *   field equals `lookupValue` (JSONPath over step results) and keeps their `outputParameters`
 *   fields. A list of values gives a list of matches; one value gives one match (or null). `match`
 *   may also name an `outputParameters` entry of the index step's consumed operation, read with
 *   its JSONPath relative to each entry.
 * - `mappings` set `targetName` (dot notation builds nested objects: `route.from`) to `value`
 *   (JSONPath over step results: `$.<step-name>.<field>`).
 * - The caller's timeout bounds the whole run; each call step gets the time that is left.
 * - `outputParameters` shape the mapped object: a named field without its own `mapping` reads the
 *   mapped field of the same name, nested `properties` and `items` likewise; a declared field that
 *   is missing is `null`, so callers always see the declared keys.
 */
import { readBody, type CallOptions } from "../consumes/http/client.js";
import type { Args, OperationPlan } from "../consumes/http/plan.js";
import { UpstreamError } from "../errors.js";
import type { InputSpec, Invocation, InvocationContext, Outcome } from "../exposes/invocation.js";
import { bodyDecoder } from "../mapping/output-raw-format.js";
import { compilePath, type PathReader } from "../mapping/jsonpath.js";
import { normalizeName } from "../mapping/names.js";
import { compileOutput, compileShape } from "../mapping/output.js";
import { compileTemplate, hasPlaceholders, type Lookup } from "../mapping/template.js";
import { readWith } from "../mapping/with.js";
import type { Invocable, OutputParam, Step } from "../spec/model.js";

/** Results of the steps run so far, by step name: what `$.<step>.…` reads. */
type StepResults = Record<string, unknown>;

interface RunState {
  values: Record<string, unknown>;
  lookup: Lookup;
  results: StepResults;
  opts: CallOptions;
}

/** A compiled step: runs, then leaves its result in `results[name]` or stops with an outcome. */
type CompiledStep = (state: RunState) => Promise<Outcome | undefined>;

/** Thrown by the loader's contract being broken; a valid file never gets here. */
function unresolved(what: string): never {
  throw new Error(`${what} was not resolved by the loader`);
}

export function compileOrchestration(unit: Invocable, ctx: InvocationContext, inputs: InputSpec[]): Invocation {
  const steps = (unit.steps ?? []).map((step) => compileStep(step, unit.steps ?? [], ctx, inputs));
  const finish = compileResult(unit);
  return {
    inputs,
    async invoke(values, opts) {
      // The call timeout bounds the whole run, not each step: later steps get what is left.
      const deadline = Date.now() + opts.timeout;
      const state: RunState = {
        values,
        lookup: (name) => (name in values ? values[name] : ctx.binds(name)),
        results: {},
        opts,
      };
      for (const step of steps) {
        const left = deadline - Date.now();
        if (left <= 0) throw new UpstreamError("timeout", `the steps did not finish within ${opts.timeout} ms`);
        state.opts = { ...opts, timeout: left };
        const stop = await step(state);
        if (stop) return stop;
      }
      return { kind: "value", status: 200, value: finish(state) };
    },
  };
}

function compileStep(step: Step, all: Step[], ctx: InvocationContext, inputs: InputSpec[]): CompiledStep {
  switch (step.type) {
    case "call":
      return compileCallStep(step, ctx, inputs);
    case "lookup":
      return compileLookupStep(step, all, ctx);
    default:
      throw new Error(`step "${step.name}": ${step.type} steps are not supported by this runtime`);
  }
}

function compileCallStep(step: Extract<Step, { type: "call" }>, ctx: InvocationContext, inputs: InputSpec[]): CompiledStep {
  const plan = ctx.plans.get(step.call) ?? unresolved(`call ${step.call}`);
  const buildArgs = stepArgs(plan, step.with, ctx.prefixes, inputs);
  const decode = bodyDecoder(plan.ref.operation, plan.ref.file);
  return async (state) => {
    const res = await plan.call(buildArgs(state), state.opts);
    const bytes = await readBody(res, state.opts, plan.ref.consumes.baseUri);
    if (res.status >= 400) {
      const raw = bytes.toString("utf8");
      const body = raw.length > ctx.maxErrorBody ? raw.slice(0, ctx.maxErrorBody) : raw;
      return { kind: "upstream-error", status: res.status, headers: res.headers, body: Buffer.from(ctx.redact(body)) };
    }
    try {
      state.results[step.name] = await decode(bytes);
    } catch (e) {
      throw new UpstreamError("bad_response", `step "${step.name}": ${(e as Error).message}`);
    }
    return undefined;
  };
}

/** The arguments of a call step: its `with`, or else the inputs named like consumed parameters. */
function stepArgs(plan: OperationPlan, withMap: Record<string, string | number> | undefined, prefixes: string[], inputs: InputSpec[]) {
  if (!withMap) {
    const byNorm = new Map(plan.ref.params.map((p) => [normalizeName(p.name), p.name]));
    return (state: RunState): Args => {
      const args: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(state.values)) {
        const param = byNorm.get(normalizeName(k));
        if (param !== undefined && v !== undefined) args[param] = v;
      }
      return args;
    };
  }
  const readers = Object.entries(withMap).map(([param, value]) => {
    const src = readWith(value, prefixes);
    switch (src.kind) {
      case "input": {
        const spelled = inputs.find((i) => normalizeName(i.name) === normalizeName(src.name))?.name ?? src.name;
        return [param, (s: RunState) => s.values[spelled]] as const;
      }
      case "template":
        // `{{name}}` reads the caller's inputs and binds; `{{step.field}}` an earlier step's result.
        return [
          param,
          (s: RunState) => src.template.render((n) => (n in s.values ? s.values[n] : (readDotted(s.results, n) ?? s.lookup(n)))),
        ] as const;
      case "path": {
        const read = compilePath(src.expression);
        return [param, (s: RunState) => read(s.results)] as const;
      }
      case "literal":
        return [param, () => src.value] as const;
    }
  });
  return (state: RunState): Args => {
    const args: Record<string, unknown> = {};
    for (const [param, read] of readers) {
      const v = read(state);
      if (v !== undefined) args[param] = v;
    }
    return args;
  };
}

function readDotted(results: StepResults, name: string): unknown {
  const dot = name.indexOf(".");
  if (dot <= 0 || !(name.slice(0, dot) in results)) return undefined;
  return compilePath(`$['${name.slice(0, dot)}'].${name.slice(dot + 1)}`)(results);
}

function compileLookupStep(step: Extract<Step, { type: "lookup" }>, all: Step[], ctx: InvocationContext): CompiledStep {
  const readValue = compilePath(step.lookupValue);
  const keyOf = matchReader(step, all, ctx);
  const fields = step.outputParameters;
  const pick = (entry: Record<string, unknown>) => Object.fromEntries(fields.map((f) => [f, entry[f] ?? null]));
  return async (state) => {
    const index = state.results[step.index];
    const entries = (Array.isArray(index) ? index : index && typeof index === "object" ? [index] : []).filter(
      (e): e is Record<string, unknown> => e !== null && typeof e === "object" && !Array.isArray(e),
    );
    const byKey = new Map<string, Record<string, unknown>>();
    for (const e of entries) {
      const k = keyOf(e);
      if (k !== undefined && k !== null && typeof k !== "object" && !byKey.has(String(k))) byKey.set(String(k), e);
    }
    const wanted = readValue(state.results);
    if (Array.isArray(wanted)) {
      state.results[step.name] = wanted.flatMap((w) => {
        const hit = byKey.get(String(w));
        return hit ? [pick(hit)] : [];
      });
    } else {
      const hit = wanted === undefined || wanted === null ? undefined : byKey.get(String(wanted));
      state.results[step.name] = hit ? pick(hit) : null;
    }
    return undefined;
  };
}

/**
 * How a lookup reads an index entry's key: the entry's `match` field, or, when the index step's
 * consumed operation declares an output parameter named `match`, that parameter's JSONPath.
 */
function matchReader(
  step: Extract<Step, { type: "lookup" }>,
  all: Step[],
  ctx: InvocationContext,
): (entry: Record<string, unknown>) => unknown {
  const source = all.find((s) => s.name === step.index);
  const plan = source?.type === "call" ? ctx.plans.get(source.call) : undefined;
  const declared = plan?.ref.operation.outputParameters?.find((o) => o.name === step.match);
  if (declared && typeof declared.value === "string" && declared.value.startsWith("$")) {
    const read = compilePath(declared.value);
    return (entry) => (step.match in entry ? entry[step.match] : read(entry));
  }
  return (entry) => entry[step.match];
}

/** What the operation answers: mappings over the step results, shaped by `outputParameters`. */
function compileResult(unit: Invocable): (state: RunState) => unknown {
  const mappings = (unit.mappings ?? []).map((m) => ({ target: m.targetName.split("."), read: mappingReader(m.value) }));
  const outputs = unit.outputParameters ?? [];
  if (!mappings.length) {
    if (!outputs.length) {
      // Nothing says what to answer: the last step's result.
      const last = unit.steps?.at(-1)?.name;
      return (state) => (last === undefined ? null : (state.results[last] ?? null));
    }
    const plan = compileOutput(outputs);
    return (state) => plan.project(state.results, state.lookup);
  }
  const shape = outputs.length ? declaredShape(outputs) : undefined;
  return (state) => {
    const mapped: Record<string, unknown> = {};
    for (const m of mappings) setPath(mapped, m.target, m.read(state));
    return shape ? shape(mapped, state.lookup) : mapped;
  };
}

function mappingReader(value: string): (state: RunState) => unknown {
  const v = value.trim();
  if (v.startsWith("$")) {
    const read: PathReader = compilePath(v);
    return (state) => read(state.results);
  }
  if (hasPlaceholders(v)) {
    const t = compileTemplate(v);
    return (state) => t.render(state.lookup);
  }
  return () => value;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown) {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== "object" || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value === undefined ? null : value;
}

/** Named output parameters over the mapped object; a missing declared field is `null`. */
function declaredShape(params: OutputParam[]): (mapped: Record<string, unknown>, lookup: Lookup) => Record<string, unknown> {
  const fields = params.map((p, i) => {
    const name = p.name ?? `result${i}`;
    return [name, compileShape(withDefaultMappings(p, name)), p] as const;
  });
  return (mapped, lookup) => {
    const out: Record<string, unknown> = {};
    for (const [name, shape, p] of fields) out[name] = declaredKeys(shape(mapped, lookup), p);
    return out;
  };
}

/** Puts `null` where a declared field (at any depth) got no value. */
function declaredKeys(value: unknown, param: OutputParam): unknown {
  if (value === undefined) return null;
  if (param.properties && value && typeof value === "object" && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const [k, p] of Object.entries(param.properties)) obj[k] = declaredKeys(obj[k], p);
  } else if (Array.isArray(param.items) && Array.isArray(value)) {
    const items = param.items;
    for (const el of value) {
      if (!el || typeof el !== "object" || Array.isArray(el)) continue;
      const obj = el as Record<string, unknown>;
      items.forEach((p) => {
        const k = p.name ?? "value";
        obj[k] = declaredKeys(obj[k], p);
      });
    }
  } else if (param.items && !Array.isArray(param.items) && Array.isArray(value)) {
    const item = param.items;
    return value.map((el) => declaredKeys(el, item));
  }
  return value;
}

/** Gives every field that says nothing about its source the mapping `$['<its key>']`. */
export function withDefaultMappings(param: OutputParam, key: string | undefined): OutputParam {
  const own = param.mapping !== undefined || param.value !== undefined || param.const !== undefined;
  const out: OutputParam = { ...param };
  if (!own && key !== undefined) out.mapping = `$['${key.replace(/'/g, "\\'")}']`;
  if (param.properties) {
    out.properties = Object.fromEntries(Object.entries(param.properties).map(([k, p]) => [k, withDefaultMappings(p, p.name ?? k)]));
  }
  if (param.items && !Array.isArray(param.items)) out.items = withDefaultMappings(param.items, undefined);
  return out;
}
