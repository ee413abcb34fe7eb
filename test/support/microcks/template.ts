/**
 * Microcks response templates: `{{ expression }}` inside an example's serialized text.
 *
 * Like Microcks, rendering is plain text substitution into the serialized example (no JSON escaping):
 * `"shipImo": "{{ request.body/shipImo }}"` becomes `"shipImo": "IMO-9321483"`.
 *
 * Supported expressions (see microcks.io › documentation › references › templates):
 * - `request.body`                    the raw request body
 * - `request.body/<json pointer>`     RFC 6901 pointer into a JSON body; objects/arrays render as JSON,
 *                                     a missing node renders as ''
 * - `request.path[<n>]`               n-th element of the resource path split on '/' (Microcks splits
 *                                     `/a/b`, so `[0]` is '' and `[1]` is 'a')
 * - `request.params[<name>]`          query parameter
 * - `request.headers[<name>]`         request header (case-insensitive)
 * - `a || b`                          first non-empty alternative
 * - functions: `now()` / `timestamp()` / `$now` (epoch ms), `now(<pattern>)` (yyyy MM dd HH mm ss SSS),
 *   `uuid()` / `guid()` / `randomUUID()`, `randomInt([max] | [min, max])`, `randomString([len])`,
 *   `randomValue(a, b, …)`, `randomBoolean()`.
 *
 * Anything else (XPath into an XML body, context variables, `> put(x)`, other faker functions) throws,
 * so a fixture needing it fails loudly instead of rendering silently wrong.
 */
import { randomInt as cryptoRandomInt, randomUUID } from "node:crypto";

export interface EvaluableRequest {
  body: string;
  /** resource path (after `/rest/<service>/<version>`), decoded */
  resourcePath: string;
  params: Record<string, string>;
  /** lower-cased names */
  headers: Record<string, string>;
}

export class TemplateError extends Error {}

const EXPR = /\{\{(.*?)\}\}/gs;

export function hasTemplate(text: string | null): boolean {
  return text !== null && text.includes("{{");
}

export function renderTemplate(text: string, req: EvaluableRequest): string {
  return text.replace(EXPR, (_m, inner: string) => evaluate(inner.trim(), req));
}

function evaluate(expr: string, req: EvaluableRequest): string {
  const alternatives = expr.split("||").map((s) => s.trim());
  let last = "";
  for (const alt of alternatives) {
    last = evaluateOne(alt, req);
    if (last !== "") return last;
  }
  return last;
}

function evaluateOne(expr: string, req: EvaluableRequest): string {
  if (expr === "request.body") return req.body;
  if (expr.startsWith("request.body/")) return bodyPointer(req.body, expr.slice("request.body".length));
  let m = /^request\.path\[(\d+)\]$/.exec(expr);
  if (m) return req.resourcePath.split("/")[Number(m[1])] ?? "";
  m = /^request\.params\[([^\]]+)\]$/.exec(expr);
  if (m) return req.params[m[1]!.trim()] ?? "";
  m = /^request\.headers\[([^\]]+)\]$/.exec(expr);
  if (m) return req.headers[m[1]!.trim().toLowerCase()] ?? "";
  m = /^\$([A-Za-z]+)$/.exec(expr) ?? /^([A-Za-z]+)\((.*)\)$/s.exec(expr);
  if (m) return callFunction(m[1]!, splitArgs(m[2] ?? ""), expr);
  throw new TemplateError(`unsupported Microcks template expression {{ ${expr} }}`);
}

function bodyPointer(body: string, pointer: string): string {
  const trimmed = body.trimStart();
  if (trimmed.startsWith("<")) {
    throw new TemplateError(`XPath into an XML request body is not supported: request.body${pointer}`);
  }
  let node: unknown;
  try {
    node = JSON.parse(body);
  } catch {
    return "";
  }
  for (const raw of pointer.split("/").slice(1)) {
    const token = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node)) {
      node = /^\d+$/.test(token) ? node[Number(token)] : undefined;
    } else if (node !== null && typeof node === "object") {
      node = Object.prototype.hasOwnProperty.call(node, token) ? (node as Record<string, unknown>)[token] : undefined;
    } else {
      node = undefined;
    }
    if (node === undefined) return "";
  }
  if (node === null) return "null";
  if (typeof node === "object") return JSON.stringify(node);
  return String(node);
}

function splitArgs(s: string): string[] {
  return s.trim() === "" ? [] : s.split(",").map((a) => a.trim());
}

function callFunction(name: string, args: string[], expr: string): string {
  switch (name) {
    case "now":
    case "timestamp":
      if (args.length === 0) return String(Date.now());
      if (args.length === 1) return formatDate(new Date(), args[0]!);
      break;
    case "uuid":
    case "guid":
    case "randomUUID":
      return randomUUID();
    case "randomInt": {
      const [a, b] = args.map(Number);
      if (args.length === 0) return String(cryptoRandomInt(-65635, 65636));
      if (args.length === 1 && Number.isInteger(a)) return String(cryptoRandomInt(0, a! + 1));
      if (args.length === 2 && Number.isInteger(a) && Number.isInteger(b)) return String(cryptoRandomInt(a!, b! + 1));
      break;
    }
    case "randomString": {
      const len = args.length ? Number(args[0]) : 32;
      if (!Number.isInteger(len) || len < 0) break;
      const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
      let out = "";
      for (let i = 0; i < len; i++) out += abc[cryptoRandomInt(abc.length)];
      return out;
    }
    case "randomValue":
      if (args.length > 0) return args[cryptoRandomInt(args.length)]!;
      break;
    case "randomBoolean":
      return String(cryptoRandomInt(2) === 1);
  }
  throw new TemplateError(`unsupported Microcks template function {{ ${expr} }}`);
}

/** A small subset of Java's SimpleDateFormat patterns (local time). */
function formatDate(d: Date, pattern: string): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  const tokens: Record<string, string> = {
    yyyy: String(d.getFullYear()),
    MM: pad(d.getMonth() + 1),
    dd: pad(d.getDate()),
    HH: pad(d.getHours()),
    mm: pad(d.getMinutes()),
    ss: pad(d.getSeconds()),
    SSS: pad(d.getMilliseconds(), 3),
  };
  const out = pattern.replace(/yyyy|MM|dd|HH|mm|ss|SSS/g, (t) => tokens[t]!);
  if (/[A-Za-z]/.test(out.replace(/\d/g, ""))) {
    throw new TemplateError(`unsupported date pattern in now(${pattern}) (supported: yyyy MM dd HH mm ss SSS)`);
  }
  return out;
}
