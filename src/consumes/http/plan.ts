import { InputError, type ParameterProblem } from "../../errors.js";
import type { OperationSchemas } from "../../spec/openapi-schemas.js";
import type { ConsumedOperation, ConsumedParam, RequestBody } from "../../spec/model.js";
import { splitPath } from "../../mapping/path-template.js";
import { compileTemplate, textOf, type CompiledTemplate, type Lookup } from "../../mapping/template.js";
import { compileAuth, type AuthApplier } from "./auth.js";
import type { CallOptions, UpstreamRequest, UpstreamResponse } from "./client.js";
import { appendQuery, checkHeaderValue, encodeLiteralPath, encodeSegment, scalarText } from "./encode.js";
import { encodeMultipart } from "./multipart.js";
import type { Pools } from "./pool.js";
import { DEFAULT_RETRY, IDEMPOTENT_METHODS } from "./retry.js";
import { compileSender, type CallPolicy } from "./sender.js";

export type { CallPolicy } from "./sender.js";

/** Values for a consumed operation's parameters, by parameter name. */
export type Args = Readonly<Record<string, unknown>>;

/** A consumed operation compiled once: a call is filling in its parts and sending. */
export interface OperationPlan {
  readonly key: string;
  readonly method: string;
  readonly operation: ConsumedOperation;
  /** Whether failed tries of this operation may be repeated (method and the file's hints). */
  readonly retryable: boolean;
  /** Request-body and response schemas from the upstream's OpenAPI document (`serve --openapi`). */
  schemas?: OperationSchemas;
  build(args: Args): UpstreamRequest;
  call(args: Args, opts: CallOptions): Promise<UpstreamResponse>;
}

interface ParamPlan {
  param: ConsumedParam;
  value?: CompiledTemplate;
}

const BODYLESS = new Set(["GET", "HEAD"]);

export function compileOperation(
  operation: ConsumedOperation,
  baseUri: string,
  binds: Lookup,
  pools: Pools,
  policy: CallPolicy = { retry: DEFAULT_RETRY },
): OperationPlan {
  const method = operation.method;
  // Never POST or PATCH, whatever a hint says: a repeated create is a second resource.
  const retryable = IDEMPOTENT_METHODS.has(method) && policy.idempotent !== false && policy.retry.retries > 0;
  const base = new URL(baseUri);
  const origin = base.origin;
  const basePath = base.pathname.replace(/\/+$/, "");
  const params: ParamPlan[] = operation.params.map((param) => ({
    param,
    value: param.value === undefined ? undefined : compileTemplate(param.value),
  }));
  const pathParts = splitPath(operation.resource.path).map((part) =>
    "text" in part
      ? { text: encodeLiteralPath(part.text) }
      : { ...part, declared: params.find((p) => p.param.in === "path" && p.param.name === part.variable) },
  );
  const auth: AuthApplier = compileAuth(operation.consumes.authentication, binds);
  const authHeaders = Object.entries(auth.headers);
  const body = BODYLESS.has(method) ? undefined : compileBody(operation.body);
  const sendsBodyParam = !BODYLESS.has(method);

  const build = (args: Args): UpstreamRequest => {
    const lookup: Lookup = (name) => (name in args ? args[name] : binds(name));
    const problems: ParameterProblem[] = [];
    const valueOf = (p: ParamPlan): unknown =>
      p.param.name in args && args[p.param.name] !== undefined ? args[p.param.name] : p.value?.render(lookup);

    let path = basePath;
    for (const part of pathParts) {
      if ("text" in part) {
        path += part.text;
        continue;
      }
      const raw = part.declared ? valueOf(part.declared) : lookup(part.variable);
      if (raw === undefined || raw === null) {
        problems.push({ parameter: part.variable, in: "path", message: "is required" });
        continue;
      }
      const seg = encodeSegment(scalarText(raw), part.variable);
      if (typeof seg === "string") path += seg;
      else problems.push(seg);
    }

    const query: string[] = [];
    // Copied property by property, not spread: on Node 20 (V8 11.3) each property added to a
    // spread copy later (a header parameter, the request id) takes a slow path.
    const headers: Record<string, string> = {};
    for (const [name, value] of authHeaders) headers[name] = value;
    const cookies: string[] = [];
    let payload: UpstreamRequest["body"];
    for (const p of params) {
      const where = p.param.in;
      if (where === "path" || where === "environment") continue;
      const value = valueOf(p);
      if (value === undefined || value === null) continue;
      if (where === "query") appendQuery(query, p.param.name, value);
      else if (where === "header" || where === "cookie") {
        const text = textOf(value);
        const bad = checkHeaderValue(text, p.param.name, where);
        if (bad) problems.push(bad);
        else if (where === "header") headers[p.param.name.toLowerCase()] = text;
        else cookies.push(`${p.param.name}=${text}`);
      } else if (where === "body" && sendsBodyParam) {
        payload = JSON.stringify(value);
        headers["content-type"] = "application/json";
      }
    }
    if (problems.length) throw new InputError(problems);
    if (cookies.length) headers.cookie = cookies.join("; ");
    for (const [k, v] of auth.query) query.push(`${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
    if (body && payload === undefined) {
      const rendered = body(lookup);
      payload = rendered.payload;
      if (rendered.contentType && !headers["content-type"]) headers["content-type"] = rendered.contentType;
    }
    return { origin, method, path: query.length ? `${path || "/"}?${query.join("&")}` : path || "/", headers, body: payload };
  };

  const sender = compileSender(auth, pools, policy);
  const call = (args: Args, given: CallOptions): Promise<UpstreamResponse> => {
    let req: UpstreamRequest;
    try {
      req = build(args);
    } catch (e) {
      return Promise.reject(e);
    }
    return sender(req, given, retryable);
  };

  return { key: operation.key, method, operation, retryable, build, call };
}

type BodyRenderer = (lookup: Lookup) => { payload: UpstreamRequest["body"]; contentType?: string };

/** Official `body:` templates: json, text/xml/sparql, formUrlEncoded, multipartForm, raw. */
function compileBody(body: RequestBody | undefined): BodyRenderer | undefined {
  if (body === undefined) return undefined;
  if (typeof body === "string") {
    const render = compileJsonText(body);
    return (lookup) => ({ payload: render(lookup), contentType: "application/json" });
  }
  switch (body.type) {
    case "json": {
      if (typeof body.data === "string") {
        const text = compileJsonText(body.data);
        return (lookup) => ({ payload: text(lookup), contentType: "application/json" });
      }
      const render = compileDeep(body.data);
      return (lookup) => ({ payload: JSON.stringify(render(lookup)), contentType: "application/json" });
    }
    case "text":
    case "xml":
    case "sparql": {
      const t = compileTemplate(body.data);
      const contentType = { text: "text/plain", xml: "application/xml", sparql: "application/sparql-query" }[body.type];
      return (lookup) => ({ payload: t.renderText(lookup), contentType });
    }
    case "formUrlEncoded": {
      if (typeof body.data === "string") {
        const t = compileTemplate(body.data);
        return (lookup) => ({
          payload: t.renderText((n) => encodeURIComponent(textOf(lookup(n)))),
          contentType: "application/x-www-form-urlencoded",
        });
      }
      const fields = Object.entries(body.data).map(([k, v]) => [k, compileTemplate(v)] as const);
      return (lookup) => ({
        payload: new URLSearchParams(fields.map(([k, t]): [string, string] => [k, t.renderText(lookup)])).toString(),
        contentType: "application/x-www-form-urlencoded",
      });
    }
    case "multipartForm": {
      const parts = body.data.map((p) => ({ ...p, template: compileTemplate(p.value) }));
      return (lookup) => encodeMultipart(parts.map(({ template, ...p }) => ({ ...p, value: template.renderText(lookup) })));
    }
  }
}

/**
 * A JSON body written as text with placeholders. `"{{x}}"` (a whole JSON string) becomes the value
 * as a JSON string, or `null` when absent; a bare `{{x}}` goes in as JSON (arrays, objects,
 * numbers), `null` when absent; inside longer string text a value is escaped. The document stays
 * well-formed whatever the caller sends.
 */
function compileJsonText(source: string): (lookup: Lookup) => string {
  const parts: Array<string | { name: string; quoted: boolean }> = [];
  let last = 0;
  for (const m of source.matchAll(/"\{\{\s*([^{}]+?)\s*\}\}"|\{\{\s*([^{}]+?)\s*\}\}/g)) {
    if (m.index! > last) parts.push(source.slice(last, m.index));
    parts.push(m[1] !== undefined ? { name: m[1], quoted: true } : { name: m[2], quoted: false });
    last = m.index! + m[0].length;
  }
  if (last < source.length) parts.push(source.slice(last));
  return (lookup) => {
    let out = "";
    for (const p of parts) {
      if (typeof p === "string") {
        out += p;
        continue;
      }
      const v = lookup(p.name);
      if (v === undefined || v === null) out += "null";
      else if (p.quoted) out += JSON.stringify(textOf(v));
      else out += typeof v === "string" ? JSON.stringify(v).slice(1, -1) : textOf(v);
    }
    return out;
  };
}

/** Renders templates found in the string leaves of an inline JSON body. */
function compileDeep(data: unknown): (lookup: Lookup) => unknown {
  if (typeof data === "string") {
    const t = compileTemplate(data);
    return (lookup) => t.render(lookup);
  }
  if (Array.isArray(data)) {
    const items = data.map(compileDeep);
    return (lookup) => items.map((f) => f(lookup));
  }
  if (data && typeof data === "object") {
    const entries = Object.entries(data).map(([k, v]) => [k, compileDeep(v)] as const);
    return (lookup) => Object.fromEntries(entries.map(([k, f]) => [k, f(lookup)]));
  }
  return () => data;
}
