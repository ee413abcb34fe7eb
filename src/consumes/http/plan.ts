import { InputError, UpstreamError, type ParameterProblem } from "../../errors.js";
import type { OperationSchemas } from "../../spec/openapi-schemas.js";
import type { ConsumedOperation, ConsumedParam, RequestBody } from "../../spec/model.js";
import { splitPath } from "../../mapping/path-template.js";
import { compileTemplate, textOf, type CompiledTemplate, type Lookup } from "../../mapping/template.js";
import { compileAuth, digestAuthorization, type AuthApplier } from "./auth.js";
import type { TokenSource } from "./oauth2-client.js";
import { send, type CallOptions, type UpstreamRequest, type UpstreamResponse } from "./client.js";
import { appendQuery, checkHeaderValue, encodeLiteralPath, encodeSegment, scalarText } from "./encode.js";
import type { Limiter } from "./limiter.js";
import type { Pools } from "./pool.js";
import { DEFAULT_RETRY, IDEMPOTENT_METHODS, nextDelay, RETRYABLE_STATUS, retryAfterMs, sleep, type RetryPolicy } from "./retry.js";

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

/** How calls of one consumes block are run: retries, the in-flight bound, its own timeout. */
export interface CallPolicy {
  retry: RetryPolicy;
  /** `false` when the file says the operation is not idempotent (an MCP tool's `hints.idempotent`). */
  idempotent?: boolean;
  limiter?: Limiter;
  /** Milliseconds for the whole call (queue, tries, body), overriding the caller's `timeout`. */
  timeout?: number;
  /** Most bytes of a response read whole (to map or convert it); 502 beyond. */
  maxResponseBody?: number;
}

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
  let digestChallenge: string | undefined;
  let digestCount = 0;

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

  /**
   * One logical send: tries again on connection failures, 429 and 502/503/504 when allowed and time
   * is left. The first try is a plain `then`: nearly every call ends with it, and the retry loop's
   * async frame would cost every proxied call.
   */
  const sendRetrying = (req: UpstreamRequest, opts: CallOptions, deadline: number): Promise<UpstreamResponse> =>
    send(pools, req, opts).then(
      (res) => (RETRYABLE_STATUS.has(res.status) ? retry(req, opts, deadline, res, undefined) : res),
      (failure: unknown) => retry(req, opts, deadline, undefined, failure),
    );
  /** After a first try that may deserve another: waits, tries again, until one is final. */
  const retry = async (
    req: UpstreamRequest,
    opts: CallOptions,
    deadline: number,
    res: UpstreamResponse | undefined,
    failure: unknown,
  ): Promise<UpstreamResponse> => {
    for (let attempt = 1; ; attempt++) {
      const again = res ? RETRYABLE_STATUS.has(res.status) : failure instanceof UpstreamError && failure.kind === "unreachable";
      const wait = again
        ? nextDelay(attempt, policy.retry, deadline - Date.now(), res && retryAfterMs(res.headers["retry-after"]))
        : undefined;
      if (wait === undefined) {
        if (res) return res;
        throw failure;
      }
      if (res) await res.body.dump().catch(() => {});
      await sleep(wait, opts.signal);
      res = undefined;
      failure = undefined;
      try {
        res = await send(pools, req, { ...opts, timeout: Math.max(1, deadline - Date.now()) });
      } catch (e) {
        failure = e;
      }
    }
  };
  const sendOnce = (req: UpstreamRequest, opts: CallOptions, deadline: number): Promise<UpstreamResponse> =>
    retryable ? sendRetrying(req, opts, deadline) : send(pools, req, opts);

  const sendDigest = async (
    req: UpstreamRequest,
    opts: CallOptions,
    deadline: number,
    digest: NonNullable<AuthApplier["digest"]>,
  ): Promise<UpstreamResponse> => {
    if (digestChallenge) {
      const header = digestAuthorization(digestChallenge, digest, method, req.path, ++digestCount);
      if (header) req.headers.authorization = header;
    }
    const first = await sendOnce(req, opts, deadline);
    const challenge = first.status === 401 ? [first.headers["www-authenticate"]].flat().find((h) => h && /^\s*Digest/i.test(h)) : undefined;
    if (!challenge) return first;
    await first.body.dump();
    digestChallenge = challenge;
    digestCount = 1;
    const header = digestAuthorization(challenge, digest, method, req.path, digestCount);
    return sendOnce({ ...req, headers: header ? { ...req.headers, authorization: header } : req.headers }, opts, deadline);
  };

  /**
   * With a token from the authorization server; a 401 means the upstream no longer takes it
   * (revoked, or expired early): one new token and one more try, never more.
   */
  const sendOAuth2 = async (req: UpstreamRequest, opts: CallOptions, deadline: number, source: TokenSource): Promise<UpstreamResponse> => {
    const token = source.current() ?? (await beforeDeadline(source.token(), deadline, opts));
    const first = await sendOnce(withBearer(req, token), opts, deadline);
    if (first.status !== 401) return first;
    await first.body.dump();
    return sendOnce(withBearer(req, await beforeDeadline(source.renew(token), deadline, opts)), opts, deadline);
  };

  // Promise chains, not async functions: these run on every proxied call, where each async frame
  // and await costs measurably.
  const call = (args: Args, given: CallOptions): Promise<UpstreamResponse> => {
    let req: UpstreamRequest;
    try {
      req = build(args);
    } catch (e) {
      return Promise.reject(e);
    }
    const timeout = policy.timeout ?? given.timeout;
    // `timeout` shrinks on retries; `totalTimeout` is the whole call's budget, named in messages.
    const opts: CallOptions = { signal: given.signal, timeout, totalTimeout: timeout, context: given.context };
    const deadline = Date.now() + timeout;
    const limiter = policy.limiter;
    const release = limiter?.tryAcquire();
    if (limiter && !release) return limiter.acquire(opts.signal, timeout).then((queued) => sendHolding(req, opts, deadline, queued));
    return sendHolding(req, opts, deadline, release);
  };

  /** Sends while holding an in-flight slot (if any) until the upstream is done with the body: that is when the socket is free. */
  const sendHolding = (
    req: UpstreamRequest,
    opts: CallOptions,
    deadline: number,
    release: (() => void) | undefined,
  ): Promise<UpstreamResponse> =>
    (auth.digest
      ? sendDigest(req, opts, deadline, auth.digest)
      : auth.oauth2
        ? sendOAuth2(req, opts, deadline, auth.oauth2)
        : sendOnce(req, opts, deadline)
    ).then(
      (res) => {
        if (policy.maxResponseBody) res.maxBody = policy.maxResponseBody;
        if (release) res.body.onDone(release);
        return res;
      },
      (e: unknown) => {
        release?.();
        throw e;
      },
    );

  return { key: operation.key, method, operation, retryable, build, call };
}

function withBearer(req: UpstreamRequest, token: string): UpstreamRequest {
  return { ...req, headers: { ...req.headers, authorization: `Bearer ${token}` } };
}

/** A token wait bounded by the call's own budget and its caller: neither waits on a slow token endpoint. */
function beforeDeadline<T>(pending: Promise<T>, deadline: number, opts: CallOptions): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", gone);
    };
    const gone = () => {
      done();
      reject(opts.signal?.reason);
    };
    const timer = setTimeout(
      () => {
        done();
        reject(
          new UpstreamError("timeout", `no token from the authorization server within the call's ${opts.totalTimeout ?? opts.timeout} ms`),
        );
      },
      Math.max(0, deadline - Date.now()),
    );
    pending.then(
      (v) => {
        done();
        resolve(v);
      },
      (e: unknown) => {
        done();
        reject(e);
      },
    );
    if (opts.signal?.aborted) return gone();
    opts.signal?.addEventListener("abort", gone, { once: true });
  });
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
      return (lookup) => {
        const form = new FormData();
        for (const p of parts) {
          const value = p.template.renderText(lookup);
          if (p.filename) form.append(p.name, new Blob([value], { type: p.contentType ?? "application/octet-stream" }), p.filename);
          else form.append(p.name, value);
        }
        return { payload: form };
      };
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
