/**
 * A `script` step: runs its JavaScript files in a sandbox (scripting.ts, sandbox/) with one binding,
 * `context`: the caller's inputs, then every earlier step's result under the step's name, then the
 * step's `with` entries, each read over what is bound before it. The value the script assigns to
 * `result` is the step's result, read by later steps, mappings and outputParameters as
 * `$.<step>.…`; a script that assigns none leaves no result.
 *
 * A `with` entry reads as everywhere in this runtime: `{{name}}` a template (`{{get-orders.total}}`
 * reaches into an earlier step's result; a template that is one placeholder keeps the value's type;
 * names not bound here are bound variables), `<namespace>.name` the caller's input, `$.step.…`
 * JSONPath over earlier results, anything else a literal.
 */
import type { CallOptions } from "../consumes/http/client.js";
import type { InvocationContext } from "../exposes/unit.js";
import { compilePath } from "../mapping/jsonpath.js";
import { normalizeName } from "../mapping/names.js";
import type { Lookup } from "../mapping/template.js";
import { readWith } from "../mapping/with.js";
import type { ScriptStep } from "../spec/model.js";

/** What a step reads and writes during one run of an orchestration. */
export interface ScriptStepState {
  values: Record<string, unknown>;
  lookup: Lookup;
  results: Record<string, unknown>;
  opts: CallOptions;
}

type Bindings = Record<string, unknown>;

export function compileScriptStep(
  step: ScriptStep,
  ctx: InvocationContext,
  inputNames: string[],
): (state: ScriptStepState) => Promise<void> {
  const scripting = ctx.scripting;
  // The runtime makes one whenever the capability has a script step.
  if (!scripting) throw new Error(`script step "${step.name}": no scripting in this runtime`);
  const entries = Object.entries(step.with ?? {}).map(([key, value]) => [key, entryReader(value, ctx.prefixes, inputNames)] as const);
  return async (state) => {
    const bindings: Bindings = { ...state.values, ...state.results };
    for (const [key, read] of entries) bindings[key] = read(bindings, state) ?? null;
    const out = await scripting.run(step, bindings, state.opts.timeout);
    if (out.assigned) state.results[step.name] = out.value;
  };
}

function entryReader(
  value: string | number | boolean,
  prefixes: string[],
  inputNames: string[],
): (bindings: Bindings, state: ScriptStepState) => unknown {
  const source = readWith(value, prefixes);
  switch (source.kind) {
    case "input": {
      const wanted = normalizeName(source.name);
      const spelled = inputNames.find((n) => normalizeName(n) === wanted) ?? source.name;
      return (_b, state) => state.values[spelled];
    }
    case "template":
      return (bindings, state) => source.template.render((name) => lookupIn(bindings, name) ?? state.lookup(name));
    case "path": {
      const read = compilePath(source.expression);
      return (_b, state) => read(state.results);
    }
    case "literal":
      return () => source.value;
  }
}

/** `name` among the bindings, or `a.b.c` down into `a`'s value. */
function lookupIn(bindings: Bindings, name: string): unknown {
  if (Object.hasOwn(bindings, name)) return bindings[name];
  const parts = name.split(".");
  if (parts.length < 2 || !Object.hasOwn(bindings, parts[0])) return undefined;
  let node: unknown = bindings[parts[0]];
  for (const part of parts.slice(1)) {
    if (node === null || typeof node !== "object" || !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}
