import { lazyRequire } from "../lazy.js";

// jsonpath-plus is loaded the first time an expression needs it: plain member chains (most
// mappings) never do, and loading it would lengthen every cold start.
const jsonpath = () => lazyRequire<typeof import("jsonpath-plus")>("jsonpath-plus");

/** A compiled JSONPath expression: `$` and `$.` are the whole document. */
export type PathReader = (data: unknown) => unknown;

/**
 * Compiles a JSONPath. Plain member chains (`$.a.b[0].c`, the common case) become direct property
 * reads; anything else goes to jsonpath-plus with its safe evaluator (never native eval).
 */
export function compilePath(expression: string): PathReader {
  const expr = expression.trim();
  if (expr === "$" || expr === "$.") return (data) => data;
  const simple = simpleSteps(expr);
  if (simple) {
    return (data) => {
      let node: unknown = data;
      for (const step of simple) {
        if (node === null || typeof node !== "object") return undefined;
        node = (node as Record<string | number, unknown>)[step];
      }
      return node;
    };
  }
  return (data) => {
    if (data === null || typeof data !== "object") return undefined;
    const found = jsonpath().JSONPath({ path: expr, json: data as object, wrap: true, eval: "safe" }) as unknown[];
    if (!found || found.length === 0) return undefined;
    // Wildcards and filters select many nodes: keep them as a list; a single match is the value.
    return found.length === 1 && !/[*?]|\.\.|,|:/.test(expr) ? found[0] : found;
  };
}

/**
 * The member names (array indexes as strings) a plain member chain (`$.a.b[0]`, `$['a']`) follows
 * from the document; undefined for the whole document or anything else.
 */
export function memberChain(expression: string): string[] | undefined {
  return simpleSteps(expression.trim())?.map(String);
}

function simpleSteps(expr: string): Array<string | number> | undefined {
  if (!expr.startsWith("$.") && !expr.startsWith("$[")) return undefined;
  const steps: Array<string | number> = [];
  const re = /\.([^.[\]*?()@$'"\s,:]+)|\[(\d+)\]|\['([^'\\]*)'\]|\["([^"\\]*)"\]/y;
  let at = 1;
  while (at < expr.length) {
    re.lastIndex = at;
    const m = re.exec(expr);
    if (!m) return undefined;
    steps.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (m[3] ?? m[4])));
    at = re.lastIndex;
  }
  return steps;
}

/** Checks an expression at load time, so a malformed mapping is a load error. */
export function pathProblem(expression: string): string | undefined {
  const expr = expression.trim();
  // A plain member chain is read directly (compilePath), never by jsonpath-plus: loading it only to
  // check such a path would put it back on every cold start.
  if (expr === "$" || expr === "$." || simpleSteps(expr)) return undefined;
  try {
    compilePath(expression)({});
    jsonpath().JSONPath({ path: expression, json: {}, eval: "safe" });
    return undefined;
  } catch (e) {
    return `invalid JSONPath "${expression}": ${(e as Error).message}`;
  }
}
