/**
 * Dispatch criteria, computed the way Microcks does (io.github.microcks.util.DispatchCriteriaHelper).
 *
 * A dispatch criteria is one string. It is computed once per response example at import time
 * (from the parameter examples that share the example's name) and again per request (from the
 * live request); the response whose stored criteria equals the request's criteria is served.
 *
 * - `URI_PARTS`    rules `a && b` (path parameter names)   → `/a=1/b=2`   (sorted by name)
 * - `URI_PARAMS`   rules `x && y` (query parameter names)  → `?x=1?y=2`   (sorted by name, then value)
 * - `URI_ELEMENTS` rules `a && b ?? x && y`                → `/a=1/b=2?x=1?y=2`
 * - `QUERY_HEADER` rules `h1 && h2` (header names)         → `?h1=v?h2=w` (sorted by name)
 * - `SCRIPT` (alias `GROOVY`, `JS`): only the literal `return '<name>'`; the name is the criteria
 *   (and Microcks then also looks responses up by *name*).
 */

/** Dispatchers this fake can evaluate. */
export const SUPPORTED_DISPATCHERS = ["URI_PARTS", "URI_PARAMS", "URI_ELEMENTS", "QUERY_HEADER", "SCRIPT", "GROOVY", "JS"] as const;
export type Dispatcher = (typeof SUPPORTED_DISPATCHERS)[number];

export function isSupportedDispatcher(d: string): d is Dispatcher {
  return (SUPPORTED_DISPATCHERS as readonly string[]).includes(d);
}

/** Names referenced by a rule string `a && b` (optionally one side of `parts ?? params`). */
export function ruleNames(rules: string | null | undefined, side: "parts" | "params" | "all" = "all"): Set<string> {
  let r = rules ?? "";
  if (r.includes("??")) {
    const [parts, params] = r.split("??");
    r = side === "params" ? (params ?? "") : side === "parts" ? (parts ?? "") : r.replace("??", "&&");
  }
  return new Set(
    r
      .split("&&")
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  );
}

export type Pairs = Array<[string, string]>;

const byKeyThenValue = (a: [string, string], b: [string, string]): number =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;

/** `/k=v/k2=v2` for the pairs whose name the rules reference, sorted by name. */
export function partsCriteria(rules: string | null, pairs: Pairs | undefined): string {
  if (!pairs || pairs.length === 0) return "";
  const names = ruleNames(rules, "parts");
  return pairs
    .filter(([k]) => names.has(k))
    .sort(byKeyThenValue)
    .map(([k, v]) => `/${k}=${v}`)
    .join("");
}

/** `?k=v?k2=v2` for the pairs whose name the rules reference, sorted by name then value. */
export function paramsCriteria(rules: string | null, pairs: Pairs | undefined, caseInsensitive = false): string {
  if (!pairs || pairs.length === 0) return "";
  const names = [...ruleNames(rules, "params")];
  const out: Pairs = [];
  for (const [k, v] of pairs) {
    const hit = caseInsensitive ? names.find((n) => n.toLowerCase() === k.toLowerCase()) : names.find((n) => n === k);
    if (hit !== undefined) out.push([hit, v]);
  }
  return out
    .sort(byKeyThenValue)
    .map(([k, v]) => `?${k}=${v}`)
    .join("");
}

/**
 * Query pairs of a raw query string, decoded like Java's URLDecoder ('+' is a space).
 * Like Microcks, a parameter without a value (`?a` or `?a=`) is ignored.
 */
export function queryPairs(rawQuery: string): Pairs {
  const out: Pairs = [];
  if (!rawQuery) return out;
  for (const part of rawQuery.split("&")) {
    const eq = part.indexOf("=");
    if (eq <= 0 || eq === part.length - 1) continue;
    out.push([formDecode(part.slice(0, eq)), formDecode(part.slice(eq + 1))]);
  }
  return out;
}

export function formDecode(s: string): string {
  const plus = s.replace(/\+/g, " ");
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus;
  }
}

/**
 * The fixed example name of a script dispatcher. Only the literal form `return '<name>'`
 * (or double quotes, optional `;`) is supported; anything else throws.
 */
export function literalScriptName(script: string, where: string): string {
  const m = /^\s*return\s+(['"])([^'"\n]*)\1\s*;?\s*$/.exec(script);
  if (!m) {
    throw new Error(
      `${where}: SCRIPT dispatcher rules must be the literal form "return '<example name>'" ` +
        `(this fake does not run Groovy/JS); got: ${JSON.stringify(script)}`,
    );
  }
  return m[2]!;
}
