import { pathVariables } from "../mapping/path-template.js";
import { placeholders } from "../mapping/template.js";
import { readWith } from "../mapping/with.js";
import type { ConsumedOperation } from "./model.js";

/** Names a `with` may fill: declared parameters, and template variables of the path and body. */
export function acceptedParams(target: ConsumedOperation): Set<string> {
  const names = new Set(target.params.map((p) => p.name));
  for (const v of pathVariables(target.resource.path)) names.add(v);
  const body = target.body;
  const text = body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body);
  for (const v of placeholders(text)) names.add(v);
  return names;
}

/** The caller inputs a `with` value reads: `ns.x`, or `{{x}}` (not a bind: `{{API_KEY}}`, `{{ns.key}}`). */
export function withInputNames(value: string | number | boolean, prefixes: string[]): string[] {
  const src = readWith(value, prefixes);
  if (src.kind === "input") return [src.name];
  if (src.kind === "template") return src.template.names.filter((n) => !/^[A-Z][A-Z0-9_]*$/.test(n) && !n.includes("."));
  return [];
}
