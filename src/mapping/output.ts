import type { OutputParam } from "../spec/model.js";
import { compilePath, memberChain, type PathReader } from "./jsonpath.js";
import { compileTemplate, type Lookup } from "./template.js";
import { isJsonObject } from "../json.js";

/**
 * `outputParameters`, compiled once into what everything else needs of them: the projection that
 * builds an answer, and the JSON Schema of that answer (OpenAPI export, MCP output schema). One
 * reading, so the document and the runtime cannot disagree.
 */
export interface OutputPlan {
  /** The response is returned unchanged and need not even be parsed (`mapping: $.`, or no outputParameters). */
  readonly passthrough: boolean;
  /** Builds the result from the (parsed) response; `inputs` feed `value` templates. */
  project(data: unknown, inputs: Lookup): unknown;
  /**
   * The member chains `project` follows into the response, each to a value it reads whole, when it
   * reads nothing else of it: a document holding just those values gives the same result
   * (src/json-text.ts builds only them). Undefined when it may read more.
   */
  readonly reads?: ReadonlyArray<readonly string[]>;
  /** JSON Schema of the result; `{}` (anything) for a passthrough. */
  readonly schema: Json;
}

type Json = Record<string, unknown>;
type Shape = (node: unknown, inputs: Lookup) => unknown;

const WHOLE = new Set(["$", "$."]);
const PASSTHROUGH: OutputPlan = { passthrough: true, project: (data) => data, schema: {} };

/**
 * The mapped and mock forms: one unnamed parameter shapes the whole answer; named parameters build
 * an object, one field each.
 */
export function compileOutput(params: OutputParam[] | undefined): OutputPlan {
  if (!params || params.length === 0) return PASSTHROUGH;
  if (params.length === 1 && params[0].name === undefined) {
    const only = params[0];
    if (only.mapping !== undefined && WHOLE.has(only.mapping.trim()) && !only.properties && !only.items && only.value === undefined) {
      return PASSTHROUGH;
    }
    const { shape, reads } = compileShape(only);
    return { passthrough: false, project: shape, schema: schemaOf(only), ...(reads ? { reads } : {}) };
  }
  const fields = params.map((p) => [p.name ?? "result", compileShape(p)] as const);
  const reads = allReads(fields.map(([, c]) => c));
  return {
    passthrough: false,
    ...(reads ? { reads } : {}),
    project: (data, inputs) => {
      const out: Record<string, unknown> = {};
      for (const [name, { shape }] of fields) {
        const v = shape(data, inputs);
        if (v !== undefined) out[name] = v;
      }
      return out;
    },
    schema: objectSchema(params.map((p) => [p.name ?? "result", p])),
  };
}

/**
 * The orchestrated form, over the object `mappings` built: each declared field reads the mapped
 * field of its name unless it says otherwise (nested `properties` and `items` likewise), and a
 * declared field that got no value is `null`, so callers always see the declared keys.
 */
export function compileDeclaredOutput(params: OutputParam[]): OutputPlan {
  const fields = params.map((p, i) => {
    const name = p.name ?? `result${i}`;
    return [name, compileShape(withDefaultMappings(p, name)).shape, p] as const;
  });
  return {
    passthrough: false,
    project: (mapped, inputs) => {
      const out: Record<string, unknown> = {};
      for (const [name, shape, p] of fields) out[name] = declaredKeys(shape(mapped, inputs), p);
      return out;
    },
    schema: objectSchema(fields.map(([name, , p]) => [name, p])),
  };
}

/**
 * A compiled output parameter: the shape that builds it from a node, and the member chains it
 * follows into that node, each to a value it reads whole (OutputPlan.reads); no `reads` when it may
 * read more: the node itself, or a path that is not a plain member chain.
 */
interface Compiled {
  shape: Shape;
  reads?: string[][];
}

/**
 * One output parameter: `value` (a template over the inputs) wins over `mapping`; `properties` and
 * `items` build nested objects and lists relative to the mapped node; scalars are coerced to `type`.
 */
function compileShape(param: OutputParam): Compiled {
  const read: PathReader | undefined = param.mapping === undefined ? undefined : compilePath(param.mapping);
  // A mapped shape reads the one value its mapping names; its properties and items read what it found.
  const chain = param.mapping === undefined ? undefined : memberChain(param.mapping);
  const mapped = chain ? [chain] : undefined;
  const coerce = coercer(param);
  if (param.value !== undefined) {
    const t = compileTemplate(param.value);
    return { shape: (_node, inputs) => coerce(t.render(inputs)), reads: [] };
  }
  if (param.type === "object" && param.properties) {
    const props = Object.entries(param.properties).map(([k, p]) => [k, compileShape(p)] as const);
    const shape: Shape = (node, inputs) => {
      const base = read ? read(node) : node;
      // Without a mapping the object is built even from nothing: its `value` properties need no
      // response (mock mode has none at all).
      if (read && (base === undefined || base === null)) return null;
      const out: Record<string, unknown> = {};
      for (const [k, { shape }] of props) {
        const v = shape(base, inputs);
        if (v !== undefined) out[k] = v;
      }
      return out;
    };
    return { shape, reads: read ? mapped : allReads(props.map(([, c]) => c)) };
  }
  if (param.type === "array" && param.items) {
    const item = Array.isArray(param.items) ? compileNamedItems(param.items) : compileShape(param.items).shape;
    const shape: Shape = (node, inputs) => {
      const base = read ? read(node) : node;
      if (base === undefined || base === null) return [];
      // XML and some APIs give a lone element where a list is meant: a list of one.
      const list = Array.isArray(base) ? base : [base];
      return list.map((el) => item(el, inputs));
    };
    // Without a mapping the list is the node itself.
    return { shape, reads: read ? mapped : undefined };
  }
  if (read) return { shape: (node) => coerce(read(node)), reads: mapped };
  if (param.const !== undefined) return { shape: () => param.const, reads: [] };
  return { shape: (node) => coerce(node) };
}

/** The chains a set of parameters reads of one node: all of theirs, or none known if one may read more. */
function allReads(compiled: Compiled[]): string[][] | undefined {
  const chains: string[][] = [];
  for (const c of compiled) {
    if (!c.reads) return undefined;
    chains.push(...c.reads);
  }
  return chains;
}

/** `items` written as named fields (the orchestrated form): each element becomes an object. */
function compileNamedItems(items: OutputParam[]): Shape {
  const fields = items.map(
    (p) => [p.name ?? "value", (p.mapping || p.value ? compileShape(p) : compileShape({ ...p, mapping: `$.${p.name}` })).shape] as const,
  );
  return (node, inputs) => {
    const out: Record<string, unknown> = {};
    for (const [k, shape] of fields) {
      const v = shape(node, inputs);
      if (v !== undefined) out[k] = v;
    }
    return out;
  };
}

function coercer(param: OutputParam): (v: unknown) => unknown {
  switch (param.type) {
    case "string":
      return (v) => {
        if (v === undefined || v === null) return v;
        return typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v);
      };
    case "number":
    case "integer":
      return (v) => {
        if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
        return v;
      };
    case "boolean":
      return (v) => (v === "true" ? true : v === "false" ? false : v);
    default:
      return (v) => v;
  }
}

/** Gives every field that says nothing about its source the mapping `$['<its key>']`. */
function withDefaultMappings(param: OutputParam, key: string | undefined): OutputParam {
  const own = param.mapping !== undefined || param.value !== undefined || param.const !== undefined;
  const out: OutputParam = { ...param };
  if (!own && key !== undefined) out.mapping = `$['${key.replace(/'/g, "\\'")}']`;
  if (param.properties) {
    out.properties = Object.fromEntries(Object.entries(param.properties).map(([k, p]) => [k, withDefaultMappings(p, p.name ?? k)]));
  }
  if (param.items && !Array.isArray(param.items)) out.items = withDefaultMappings(param.items, undefined);
  return out;
}

/** Puts `null` where a declared field (at any depth) got no value. */
function declaredKeys(value: unknown, param: OutputParam): unknown {
  if (value === undefined) return null;
  if (param.properties && isJsonObject(value)) {
    for (const [k, p] of Object.entries(param.properties)) value[k] = declaredKeys(value[k], p);
  } else if (Array.isArray(param.items) && Array.isArray(value)) {
    const items = param.items;
    for (const el of value) {
      if (!isJsonObject(el)) continue;
      for (const p of items) {
        const k = p.name ?? "value";
        el[k] = declaredKeys(el[k], p);
      }
    }
  } else if (param.items && !Array.isArray(param.items) && Array.isArray(value)) {
    const item = param.items;
    return value.map((el) => declaredKeys(el, item));
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// the answer's JSON Schema, from the same parameters

const JSON_TYPES = new Set(["string", "number", "integer", "boolean", "array", "object"]);

function objectSchema(fields: Array<readonly [string, OutputParam]>): Json {
  const properties: Record<string, unknown> = {};
  for (const [name, p] of fields) properties[name] = schemaOf(p);
  return { type: "object", properties };
}

function schemaOf(p: OutputParam): Json {
  const described = (s: Json): Json => (p.description ? { ...s, description: p.description } : s);
  if (p.mapping !== undefined && WHOLE.has(p.mapping.trim()) && !p.properties && !p.items) return described({});
  if (p.const !== undefined) return described({ const: p.const });
  if (p.properties) return described(objectSchema(Object.entries(p.properties)));
  if (p.type === "array") {
    if (Array.isArray(p.items)) return described({ type: "array", items: objectSchema(p.items.map((f) => [f.name ?? "value", f])) });
    return described({ type: "array", items: p.items ? schemaOf(p.items) : {} });
  }
  if (!JSON_TYPES.has(p.type)) return described({});
  const s: Json = { type: p.type };
  return described(s);
}
