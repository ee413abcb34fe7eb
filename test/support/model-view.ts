import type { Capability } from "../../src/spec/model.js";

/**
 * A capability model as plain data, to compare two loads: object references (a call's consumed
 * operation, an operation's block and resource, a unit's flow) become their keys, and file paths
 * (and imported documents) are left out: they differ by where each file lives, not by what it says.
 */
export function modelView(capability: Capability): unknown {
  const seen = new WeakSet<object>();
  const walk = (value: unknown, key?: string): unknown => {
    if (Array.isArray(value)) return value.map((v) => walk(v));
    if (!value || typeof value !== "object") return value;
    const o = value as Record<string, unknown>;
    if (key === "call" && typeof o.key === "string") return `→ ${o.key}`;
    if (key === "flow" && typeof o.key === "string") return `→ ${o.key}`;
    if (key === "consumes" && typeof o.namespace === "string" && !Array.isArray(value)) return `→ ${o.namespace}`;
    if (key === "resource" && typeof o.path === "string") return `→ ${o.path}`;
    if (key === "target" && typeof o.namespace === "string") return `→ ${o.namespace}`;
    if (seen.has(o)) return "(seen)";
    seen.add(o);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) {
      if (k === "file" || k === "files" || k === "imports" || k === "warnings" || k === "specVersion") continue;
      if (v instanceof Map) out[k] = [...v.keys()];
      else out[k] = walk(v, k);
    }
    seen.delete(o);
    return out;
  };
  return walk(capability);
}
