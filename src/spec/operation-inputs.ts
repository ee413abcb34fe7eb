import { pathVariables } from "../mapping/path-template.js";
import { placeholders } from "../mapping/template.js";
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
