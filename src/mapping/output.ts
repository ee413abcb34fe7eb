import type { OutputParam } from "../spec/model.js";
import { compilePath, type PathReader } from "./jsonpath.js";
import { compileTemplate, type Lookup } from "./template.js";

/**
 * An output projection compiled from `outputParameters`. `passthrough` means the response is
 * returned unchanged and need not even be parsed (`mapping: $.`, or no outputParameters).
 */
export interface OutputPlan {
  readonly passthrough: boolean;
  /** Builds the result from the (parsed) response; `inputs` feed `value` templates. */
  project(data: unknown, inputs: Lookup): unknown;
}

const WHOLE = new Set(["$", "$."]);

export function compileOutput(params: OutputParam[] | undefined): OutputPlan {
  if (!params || params.length === 0) return { passthrough: true, project: (data) => data };
  if (params.length === 1 && params[0].name === undefined) {
    const only = params[0];
    if (only.mapping !== undefined && WHOLE.has(only.mapping.trim()) && !only.properties && !only.items && only.value === undefined) {
      return { passthrough: true, project: (data) => data };
    }
    const shape = compileShape(only);
    return { passthrough: false, project: (data, inputs) => shape(data, inputs) };
  }
  // Named parameters (mock and orchestrated forms) build an object, one field per parameter.
  const fields = params.map((p) => [p.name ?? "result", compileShape(p)] as const);
  return {
    passthrough: false,
    project: (data, inputs) => {
      const out: Record<string, unknown> = {};
      for (const [name, shape] of fields) {
        const v = shape(data, inputs);
        if (v !== undefined) out[name] = v;
      }
      return out;
    },
  };
}

type Shape = (node: unknown, inputs: Lookup) => unknown;

/**
 * One output parameter: `value` (a template over the inputs) wins over `mapping`; `properties` and
 * `items` build nested objects and lists relative to the mapped node; scalars are coerced to `type`.
 */
export function compileShape(param: OutputParam): Shape {
  const read: PathReader | undefined = param.mapping === undefined ? undefined : compilePath(param.mapping);
  const coerce = coercer(param);
  if (param.value !== undefined) {
    const t = compileTemplate(param.value);
    return (_node, inputs) => coerce(t.render(inputs));
  }
  if (param.type === "object" && param.properties) {
    const props = Object.entries(param.properties).map(([k, p]) => [k, compileShape(p)] as const);
    return (node, inputs) => {
      const base = read ? read(node) : node;
      // Without a mapping the object is built even from nothing: its `value` properties need no
      // response (mock mode has none at all).
      if (read && (base === undefined || base === null)) return null;
      const out: Record<string, unknown> = {};
      for (const [k, shape] of props) {
        const v = shape(base, inputs);
        if (v !== undefined) out[k] = v;
      }
      return out;
    };
  }
  if (param.type === "array" && param.items) {
    const item = Array.isArray(param.items) ? compileNamedItems(param.items) : compileShape(param.items);
    return (node, inputs) => {
      const base = read ? read(node) : node;
      if (base === undefined || base === null) return [];
      // XML and some APIs give a lone element where a list is meant: a list of one.
      const list = Array.isArray(base) ? base : [base];
      return list.map((el) => item(el, inputs));
    };
  }
  if (read) return (node) => coerce(read(node));
  if (param.const !== undefined) return () => param.const;
  return (node) => coerce(node);
}

/** `items` written as a list of named fields (the orchestrated form): each element becomes an object. */
function compileNamedItems(items: OutputParam[]): Shape {
  const fields = items.map(
    (p) => [p.name ?? "value", p.mapping || p.value ? compileShape(p) : compileShape({ ...p, mapping: `$.${p.name}` })] as const,
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
