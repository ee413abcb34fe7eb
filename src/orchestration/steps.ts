/**
 * Orchestrated operations: `steps` of type `call` and `lookup`, then `mappings` into the result,
 * then `outputParameters` to shape it. One compiled plan per exposed operation or tool; a request
 * only runs the steps in order.
 *
 * - A `call` step calls a consumed operation. Its `with` reads the caller's inputs (`{{imo}}`,
 *   `<namespace>.imo`), earlier step results (`$.get-ship.assignedCrew`) or literals; without `with`,
 *   inputs pass to consumed parameters of the same name. Its parsed response is the step's result.
 * - A `lookup` step finds, in an earlier step's result (`index`, a list), the entries whose `match`
 *   field equals `lookupValue` (JSONPath over step results, or a `{{template}}` over the inputs and
 *   step results) and keeps their `outputParameters` fields. A list of values gives a list of
 *   matches; one value gives one match (or null).
 * - A call step's result is what its consumed operation's `outputParameters` make of the response
 *   (see mapping/consumed-output.ts): a `match` may name one of them.
 * - `mappings` set `target` (dot notation builds nested objects: `route.from`) to `value`
 *   (JSONPath over step results: `$.<step-name>.<field>`).
 * - The caller's timeout bounds the whole run; each call step gets the time that is left.
 * - `outputParameters` shape the result (see mapping/output.ts).
 */
import type { CallOptions } from "../consumes/http/client.js";
import { readData } from "../consumes/http/response.js";
import { UpstreamError } from "../errors.js";
import { relayedError, type InputSpec, type Invocation, type InvocationContext, type Outcome } from "../exposes/unit.js";
import { compileStepOutput } from "../mapping/consumed-output.js";
import { compilePath, type PathReader } from "../mapping/jsonpath.js";
import { compileDeclaredOutput, compileOutput } from "../mapping/output.js";
import { compileTemplate, hasPlaceholders, type Lookup } from "../mapping/template.js";
import { compileWith, scopeLookup } from "../mapping/with.js";
import type { CallStep, Invocable, LookupStep, Step } from "../spec/model.js";
import { compileScriptStep } from "./script.js";
import { isJsonObject } from "../json.js";

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

export function compileOrchestration(unit: Invocable, ctx: InvocationContext, inputs: InputSpec[]): Invocation {
  const steps = (unit.steps ?? []).map((step) => compileStep(step, ctx, inputs));
  const finish = compileResult(unit);
  return {
    inputs,
    resultSchema: finish.schema,
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
      return { kind: "value", status: 200, value: finish.project(state) };
    },
  };
}

function compileStep(step: Step, ctx: InvocationContext, inputs: InputSpec[]): CompiledStep {
  switch (step.type) {
    case "call":
      return compileCallStep(step, ctx, inputs);
    case "lookup":
      return compileLookupStep(step);
    case "script": {
      const run = compileScriptStep(
        step,
        ctx,
        inputs.map((i) => i.name),
      );
      return async (state) => {
        await run(state);
        return undefined;
      };
    }
  }
}

function compileCallStep(step: CallStep, ctx: InvocationContext, inputs: InputSpec[]): CompiledStep {
  const operation = step.call;
  const plan = ctx.planOf(operation);
  const buildArgs = compileWith(
    step.with,
    operation,
    ctx.prefixes,
    inputs.map((i) => i.name),
  );
  const output = compileStepOutput(operation);
  return async (state) => {
    const res = await plan.call(buildArgs(state), state.opts);
    if (res.status >= 400) return relayedError(res, ctx, state.opts);
    state.results[step.name] = output(await readData(res, operation, state.opts));
    return undefined;
  };
}

function compileLookupStep(step: LookupStep): CompiledStep {
  const readValue = lookupValueReader(step.lookupValue);
  const keyOf = (entry: Record<string, unknown>) => entry[step.match];
  const fields = step.outputParameters;
  const pick = (entry: Record<string, unknown>) => Object.fromEntries(fields.map((f) => [f, entry[f] ?? null]));
  return async (state) => {
    const index = state.results[step.index];
    const entries = (Array.isArray(index) ? index : index && typeof index === "object" ? [index] : []).filter(isJsonObject);
    const byKey = new Map<string, Record<string, unknown>>();
    for (const e of entries) {
      const k = keyOf(e);
      if (k !== undefined && k !== null && typeof k !== "object" && !byKey.has(String(k))) byKey.set(String(k), e);
    }
    const wanted = readValue(state);
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

/** `lookupValue`: JSONPath over step results, a `{{template}}` filled first, or a literal value. */
function lookupValueReader(lookupValue: string): (state: RunState) => unknown {
  const v = lookupValue.trim();
  if (hasPlaceholders(v)) {
    const t = compileTemplate(v);
    return (state) => t.render(scopeLookup(state));
  }
  if (v.startsWith("$")) {
    const read = compilePath(v);
    return (state) => read(state.results);
  }
  return () => lookupValue;
}

/** What the operation answers: mappings over the step results, shaped by `outputParameters`. */
function compileResult(unit: Invocable): { project(state: RunState): unknown; schema: Record<string, unknown> } {
  const mappings = (unit.mappings ?? []).map((m) => ({ target: m.target.split("."), read: mappingReader(m.value) }));
  const outputs = unit.outputParameters ?? [];
  if (!mappings.length) {
    if (!outputs.length) {
      // Nothing says what to answer: the last step's result.
      const last = unit.steps?.at(-1)?.name;
      return { project: (state) => (last === undefined ? null : (state.results[last] ?? null)), schema: {} };
    }
    const plan = compileOutput(outputs);
    return { project: (state) => plan.project(state.results, state.lookup), schema: plan.schema };
  }
  const shape = outputs.length ? compileDeclaredOutput(outputs) : undefined;
  return {
    project: (state) => {
      const mapped: Record<string, unknown> = {};
      for (const m of mappings) setPath(mapped, m.target, m.read(state));
      return shape ? shape.project(mapped, state.lookup) : mapped;
    },
    schema: shape?.schema ?? { type: "object" },
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
