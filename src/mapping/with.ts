import { compileTemplate, hasPlaceholders, type CompiledTemplate } from "./template.js";

/** What one `with` entry says to fill a consumed parameter with. */
export type WithSource =
  | { kind: "input"; name: string }
  | { kind: "template"; template: CompiledTemplate }
  | { kind: "path"; expression: string }
  | { kind: "literal"; value: string | number };

/**
 * Reads a `with` value. `rest.x` (REST), `tools.x` (MCP) and `<exposeNamespace>.x` name the caller's
 * input `x` (everything after the first dot, spaces and brackets included); `{{…}}` is a template;
 * `$…` (inside steps) is JSONPath over earlier step results; anything else is a literal.
 */
export function readWith(value: string | number, prefixes: readonly string[]): WithSource {
  if (typeof value === "number") return { kind: "literal", value };
  if (hasPlaceholders(value)) return { kind: "template", template: compileTemplate(value) };
  if (value.startsWith("$")) return { kind: "path", expression: value };
  const dot = value.indexOf(".");
  if (dot > 0 && prefixes.includes(value.slice(0, dot))) return { kind: "input", name: value.slice(dot + 1) };
  return { kind: "literal", value };
}
