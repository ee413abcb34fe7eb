import type { ConsumedOperation, WithMap } from "../spec/model.js";
import { compilePath } from "./jsonpath.js";
import { normalizeName } from "./names.js";
import { compileTemplate, hasPlaceholders, type CompiledTemplate, type Lookup } from "./template.js";

/** What one `with` entry says to fill a consumed parameter with. */
export type WithSource =
  | { kind: "input"; name: string }
  | { kind: "template"; template: CompiledTemplate }
  | { kind: "path"; expression: string }
  | { kind: "literal"; value: string | number | boolean };

/**
 * Reads a `with` value. `rest.x` (REST), `tools.x` (MCP) and `<exposeNamespace>.x` name the caller's
 * input `x` (everything after the first dot, spaces and brackets included); `{{…}}` is a template;
 * `$…` (inside steps) is JSONPath over earlier step results; anything else is a literal.
 */
export function readWith(value: string | number | boolean, prefixes: readonly string[]): WithSource {
  if (typeof value !== "string") return { kind: "literal", value };
  if (hasPlaceholders(value)) return { kind: "template", template: compileTemplate(value) };
  if (value.startsWith("$")) return { kind: "path", expression: value };
  const dot = value.indexOf(".");
  if (dot > 0 && prefixes.includes(value.slice(0, dot))) return { kind: "input", name: value.slice(dot + 1) };
  return { kind: "literal", value };
}

/** What a `with` reads from when a call is made. */
export interface WithScope {
  /** The caller's inputs, by the names the unit declares. */
  values: Record<string, unknown>;
  /** Inputs, then binds: what templates read. */
  lookup: Lookup;
  /** Results of earlier steps, by step name, inside an orchestration. */
  results?: Record<string, unknown>;
}

export type ArgsBuilder = (scope: WithScope) => Record<string, unknown>;

/**
 * Compiles the `with` of a call (a unit's or a step's) into the arguments of the consumed operation.
 * Without `with`, inputs go to the consumed parameters of the same name (names matched ignoring case,
 * `-` and `_` alike).
 *
 * @param inputNames the unit's declared input names: a `with` may spell one differently
 *   (`rest.connection_id` for `{connection-id}`), and the value is read under the declared spelling.
 */
export function compileWith(
  withMap: WithMap | undefined,
  target: ConsumedOperation,
  prefixes: readonly string[],
  inputNames: readonly string[],
): ArgsBuilder {
  if (!withMap || Object.keys(withMap).length === 0) {
    const byNorm = new Map(target.params.map((p) => [normalizeName(p.name), p.name]));
    return ({ values }) => {
      const args: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(values)) if (v !== undefined) args[byNorm.get(normalizeName(k)) ?? k] = v;
      return args;
    };
  }
  const readers = Object.entries(withMap).map(([param, value]) => [param, reader(readWith(value, prefixes), inputNames)] as const);
  return (scope) => {
    const args: Record<string, unknown> = {};
    for (const [param, read] of readers) {
      const v = read(scope);
      if (v !== undefined) args[param] = v;
    }
    return args;
  };
}

function reader(src: WithSource, inputNames: readonly string[]): (scope: WithScope) => unknown {
  switch (src.kind) {
    case "input": {
      const wanted = normalizeName(src.name);
      const spelled = inputNames.find((n) => normalizeName(n) === wanted) ?? src.name;
      return ({ values }) => values[spelled];
    }
    case "template":
      return (scope) => src.template.render(scopeLookup(scope));
    case "path": {
      const read = compilePath(src.expression);
      return ({ values, results }) => read(results ?? values);
    }
    case "literal":
      return () => src.value;
  }
}

/** What a `{{name}}` in a call reads: the caller's inputs, then an earlier step's result (`{{step.field}}`), then binds. */
export function scopeLookup({ values, lookup, results }: WithScope): Lookup {
  return (n) => (n in values ? values[n] : ((results && readDotted(results, n)) ?? lookup(n)));
}

function readDotted(results: Record<string, unknown>, name: string): unknown {
  const dot = name.indexOf(".");
  if (dot <= 0 || !(name.slice(0, dot) in results)) return undefined;
  return compilePath(`$['${name.slice(0, dot)}'].${name.slice(dot + 1)}`)(results);
}
