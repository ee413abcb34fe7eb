/**
 * `{{name}}` templates, as used in `with` values, consumed parameter values, paths, bodies and
 * authentication. A template that is one placeholder and nothing else yields the value itself, so
 * arrays and objects keep their type; mixed text renders arrays and objects as JSON.
 */

export type Lookup = (name: string) => unknown;

const PLACEHOLDER = /\{\{\s*([^{}]+?)\s*\}\}/g;
const WHOLE = /^\{\{\s*([^{}]+?)\s*\}\}$/;

export function hasPlaceholders(text: string): boolean {
  return text.includes("{{") && new RegExp(PLACEHOLDER.source).test(text);
}

/** Names used by a template, in order of appearance. */
export function placeholders(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1]);
}

export interface CompiledTemplate {
  readonly source: string;
  readonly names: string[];
  render(lookup: Lookup): unknown;
  /** Always a string: the text form used in URLs and headers. */
  renderText(lookup: Lookup): string;
}

export function compileTemplate(source: string): CompiledTemplate {
  const whole = WHOLE.exec(source);
  const names = placeholders(source);
  // Split once at load time so rendering is a join over precomputed parts.
  const parts: Array<string | { name: string }> = [];
  let last = 0;
  for (const m of source.matchAll(PLACEHOLDER)) {
    if (m.index! > last) parts.push(source.slice(last, m.index));
    parts.push({ name: m[1] });
    last = m.index! + m[0].length;
  }
  if (last < source.length) parts.push(source.slice(last));

  const renderText = (lookup: Lookup) => {
    let out = "";
    for (const p of parts) out += typeof p === "string" ? p : textOf(lookup(p.name));
    return out;
  };
  return {
    source,
    names,
    renderText,
    render: whole ? (lookup) => lookup(whole[1]) : renderText,
  };
}

export function textOf(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}
