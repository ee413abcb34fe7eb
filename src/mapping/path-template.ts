/**
 * Path templates, as consumed and exposed resources write them: variables as `{x}` or `{{x}}`.
 * Every module that reads a path goes through here.
 */

const VARIABLE = /\{\{?\s*([^{}]+?)\s*\}?\}/g;

/** A path split into literal text and variables, in order. */
export type PathPart = { text: string } | { variable: string };

/** Variables of a path template, in order. */
export function pathVariables(path: string): string[] {
  return [...path.matchAll(VARIABLE)].map((m) => m[1]);
}

export function splitPath(path: string): PathPart[] {
  const parts: PathPart[] = [];
  let last = 0;
  for (const m of path.matchAll(VARIABLE)) {
    if (m.index > last) parts.push({ text: path.slice(last, m.index) });
    parts.push({ variable: m[1] });
    last = m.index + m[0].length;
  }
  if (last < path.length) parts.push({ text: path.slice(last) });
  return parts;
}

/** The path with each variable replaced by what `name` gives for it (its position and name). */
export function mapVariables(path: string, name: (variable: string, index: number) => string): string {
  let i = 0;
  return path.replace(VARIABLE, (_m, variable: string) => name(variable, i++));
}

/** The literal text of a path, variables removed. */
export function literalText(path: string): string {
  return mapVariables(path, () => "");
}
