import type { IncomingMessage, OutgoingHttpHeaders, RequestListener, ServerResponse } from "node:http";
import type { Hono } from "hono";
import type { Router } from "hono/router";
import { RegExpRouter } from "hono/router/reg-exp-router";
import { SmartRouter } from "hono/router/smart-router";
import { TrieRouter } from "hono/router/trie-router";
import { getPath, mergePath, tryDecodeURIComponent } from "hono/utils/url";
import { CallerGone } from "../../consumes/http/client.js";
import { InputError, ScriptError, UpstreamError, type ParameterProblem } from "../../errors.js";
import { FormatError } from "../../mapping/formats.js";
import { compilePath } from "../../mapping/jsonpath.js";
import { normalizeName } from "../../mapping/names.js";
import { mapVariables, pathVariables } from "../../mapping/path-template.js";
import type { CallContext } from "../../observability/context.js";
import { UNROUTED, type CallInfo, type Incoming, type ObservedCall } from "../../observability/observer.js";
import type { Runtime } from "../../runtime.js";
import type { ExposedOperation, ExposesRest, HttpMethod } from "../../spec/model.js";
import { compileServerAuth, denialBody, denialHeaders, type Denial } from "../auth.js";
import {
  compileInvocation,
  invocationContext,
  type InputSpec,
  type Invocation,
  type InvocationContext,
  type Outcome,
} from "../invocation.js";
import { compileValidator, inputsSchema, MAX_JSON_DEPTH, nestedDeeperThan, type Validator } from "../validate.js";
import { compileForwardRoute, forwardPrefix, type ForwardCall, type Forwarded } from "./forward.js";
import { coerce, readQuery, type DeepObject } from "./inputs.js";
import { BadRequestTarget, drainUnread, headerValue, readText, requestUrl } from "./request.js";
import { isJsonObject } from "../../json.js";

/*
 * The REST adapter is a plain node:http request listener. Behind @hono/node-server every request
 * and response became a Fetch `Request`/`Response` pair, and a passthrough body a web stream: more
 * than half of a proxied call's CPU. Hono's router and URL helpers are still what decide
 * which route a request reaches and with which path parameters.
 *
 * The runtime's own pages (`/openapi.json`, `/docs`) are cold paths: they stay a small Hono app,
 * served through @hono/node-server for a path no capability route takes.
 */

export interface RestOptions {
  /** Largest request body accepted, in bytes (413 beyond). */
  maxBodySize: number;
  /**
   * Opens the observation of one request (logs, metrics, traces, request id), before anything else
   * runs: calls refused by authentication or reaching no route are observed too.
   */
  observe?: (info: CallInfo, incoming: Incoming) => ObservedCall;
  /**
   * Runtime pages (`/openapi.json`, `/docs`): their paths (GET), and what adds them to a Hono app,
   * made on the first request for one of them.
   */
  pages?: { paths: readonly string[]; mount(app: Hono, routes: RestRoute[]): void };
}

/** One REST route: an exposed operation, ready to serve. */
export interface RestRoute {
  method: HttpMethod;
  /** The path as written in the file, e.g. `/v1/connections/{connection-id}`. */
  path: string;
  name?: string;
  description?: string;
  /** Compiled the first time it is read (see compileRoutes). */
  readonly invocation: Invocation;
  /** The operation as the capability declares it. */
  unit: ExposedOperation;
}

/** What one request looks like to a route handler. */
interface Call {
  req: IncomingMessage;
  /** The request URL as a Fetch `Request` would have it (see request.ts). */
  href: string;
  /** Path parameter `p<i>` (the router's name for the i-th variable), decoded. */
  param(i: number): string | undefined;
  /** Cancelled when the caller closes the connection before the answer is complete. */
  gone: CallerGone;
  context?: CallContext;
}

/** What a handler answers; written by {@link send}. */
type Answer =
  | { kind: "json"; status: number; body: unknown; headers?: Record<string, string | string[]> }
  | { kind: "outcome"; outcome: Outcome }
  | ({ kind: "forwarded" } & Forwarded);

type RouteHandler = (call: Call) => Promise<Answer>;
/** A route, a forward resource, or the 405 answer for other methods on a route's path. */
type Entry =
  | { route: RestRoute; handler?: RouteHandler; operation: string }
  | { forward: ReturnType<typeof compileForwardRoute>; path: string; operation: string }
  | { allow: string };

const MANY_ROUTES = 200;

/**
 * The routes of one `type: rest` exposes block, one per resource path and method. Each route's
 * invocation is compiled the first time serving or describing (OpenAPI, inspect) reads it: a
 * server with thousands of routes listens without compiling the ones nobody has called yet.
 * Compiling a loaded capability reports nothing the loader did not (test/spec-driven calls every
 * route of every shipped file), so no problem waits for a first call.
 */
export function compileRoutes(block: ExposesRest, runtime: Runtime): RestRoute[] {
  const routes: RestRoute[] = [];
  for (const resource of block.resources) {
    let ctx: InvocationContext | undefined;
    const context = () =>
      (ctx ??= invocationContext(runtime, {
        prefixes: ["rest", block.namespace],
        pathVariables: pathVariables(resource.path),
        requiredByDefault: false,
        maxBinarySize: block.maxBinarySize,
      }));
    for (const op of resource.operations) {
      let invocation: Invocation | undefined;
      routes.push({
        method: op.method,
        path: resource.path,
        name: op.name,
        description: op.description,
        get invocation() {
          return (invocation ??= compileInvocation(op, context(), resource.inputParameters, binaryMediaType(op)));
        },
        unit: op,
      });
    }
  }
  return routes;
}

/** Builds the request listener of one `type: rest` exposes block. */
export function restApp(block: ExposesRest, runtime: Runtime, options: RestOptions): { listener: RequestListener; routes: RestRoute[] } {
  const routes = compileRoutes(block, runtime);
  // Hono's routers; first match wins, in the order routes are added. RegExpRouter (one regular
  // expression for all routes) is the fastest for tens of routes, but with hundreds its matching
  // slows several-fold and building it delays the first request, where the trie's cost stays flat.
  const router: Router<Entry> =
    routes.length > MANY_ROUTES ? new TrieRouter<Entry>() : new SmartRouter<Entry>({ routers: [new RegExpRouter(), new TrieRouter()] });
  const byPath = new Map<string, HttpMethod[]>();
  const auth = compileServerAuth(block.authentication, runtime.binds, block.namespace);
  for (const route of routes) {
    const routerPath = mergePath("/", toRouterPath(route.path));
    router.add(route.method, routerPath, { route, operation: route.name ?? `${route.method} ${route.path}` });
    byPath.set(routerPath, [...(byPath.get(routerPath) ?? []), route.method]);
  }
  // Forward resources after every operation (an operation on a path below a forward prefix still
  // answers its method there), before the 405 answers (a forward takes every method).
  for (const resource of block.resources ?? []) {
    if (!resource.forward) continue;
    const base = mergePath("/", toRouterPath(forwardPrefix(resource.path).prefix));
    const entry: Entry = {
      forward: compileForwardRoute(resource.path, resource.forward, {
        forwarder: runtime.forwarderOf(resource.forward.target),
        maxBodySize: options.maxBodySize,
        maxErrorBody: runtime.maxErrorBody,
        redact: (t) => runtime.redactor.redact(t),
      }),
      path: resource.path,
      operation: resource.name ?? `forward ${resource.path}`,
    };
    for (const routerPath of base === "/" ? ["/", "/*"] : [base, `${base}/*`]) router.add("ALL", routerPath, entry);
  }
  for (const [routerPath, methods] of byPath) router.add("ALL", routerPath, { allow: [...new Set(methods)].join(", ") });
  // The runtime's pages have their own router, consulted only when no capability route matched: a
  // capability route on the same path and method wins, and the pages' mix of fixed and variable
  // paths (`/docs/init.js`, `/docs/:file`) does not push the capability's routes off Hono's fastest
  // router (RegExpRouter) onto its trie.
  const pages = options.pages ? runtimePages(options.pages, routes) : undefined;

  const listener: RequestListener = (req, res) => {
    const method = req.method ?? "GET";
    const target = req.url ?? "/";
    const query = target.indexOf("?");
    const info: CallInfo = {
      kind: "rest",
      exposes: block.namespace,
      operation: UNROUTED,
      method,
      path: query < 0 ? target : target.slice(0, query),
    };
    const observed = options.observe?.(info, {
      requestId: headerValue(req, "x-request-id"),
      header: (name) => headerValue(req, name),
    });
    // Every answer carries the request id (given to writeHead with the answer's own headers: a
    // header set earlier with setHeader would send Node down its slower merging path).
    const requestId = observed?.ctx.requestId;
    const head = method === "HEAD";
    const finish = (answer: Answer) => {
      const status = send(res, answer, head, requestId);
      observed?.end({ status, error: status >= 500 });
    };
    const fail = (err: unknown) => {
      console.error(runtime.redactor.redact(`naftiko: unexpected error on ${method} ${info.path}: ${(err as Error)?.stack ?? err}`));
      if (!res.headersSent) return finish(json(500, "internal_error", "the runtime failed to handle this request"));
      res.destroy();
      observed?.end({ status: 500, error: true });
    };
    try {
      let href: string;
      try {
        href = requestUrl(req);
      } catch (e) {
        if (!(e instanceof BadRequestTarget)) throw e;
        return finish(json(400, "bad_request", `the request target or Host header is not valid (${e.message})`));
      }
      // A body nobody reads is drained, within bounds, so the connection can serve the next request.
      if (method !== "GET" && method !== "HEAD") res.once("finish", () => drainUnread(req));
      if (auth) {
        const checked = auth.check({ header: (name) => headerValue(req, name), url: href, method });
        if (checked instanceof Promise) {
          checked.then((denied) => (denied ? finish(refusal(denied)) : route(href))).catch(fail);
          return;
        }
        if (checked) return finish(refusal(checked));
      }
      route(href);
    } catch (e) {
      fail(e);
    }
    function route(href: string) {
      const path = getPath({ url: href } as Request);
      let [matches, stash] = router.match(method, path);
      // HEAD is answered as GET without the body, unless the file declares HEAD itself.
      if (head && !(matches[0] && !("allow" in matches[0][0]))) [matches, stash] = router.match("GET", path);
      const first = matches[0];
      if (!(first && !("allow" in first[0])) && pages?.has(head ? "GET" : method, path)) {
        if (requestId) res.setHeader("x-request-id", requestId);
        pages.serve(req, res).then(() => observed?.end({ status: res.statusCode, error: res.statusCode >= 500 }), fail);
        return;
      }
      if (!first) return finish(json(404, "not_found", `no route for ${method} ${path}`));
      const [entry, params] = first;
      if ("allow" in entry)
        return finish(
          json(405, "method_not_allowed", `${method} is not allowed on this path; allowed: ${entry.allow}`, { allow: entry.allow }),
        );
      info.operation = entry.operation;
      if ("forward" in entry) {
        info.route = entry.path;
        const gone = CallerGone.of(res);
        const { path: rawPath, query } = splitTarget(href);
        forwarded(
          entry.forward,
          { req, path: rawPath, query, head, opts: { signal: gone, timeout: runtime.callTimeout, context: observed?.ctx } },
          runtime,
        ).then(finish, fail);
        return;
      }
      info.route = entry.route.path;
      const gone = CallerGone.of(res);
      const call: Call = {
        req,
        href,
        param(i) {
          const key = (params as Record<string, string | number>)[`p${i}`];
          const value = stash ? stash[key as number] : (key as string | undefined);
          return value && tryDecodeURIComponent(value);
        },
        gone,
        context: observed?.ctx,
      };
      const handler = (entry.handler ??= routeHandler(
        entry.route.invocation,
        pathVariables(entry.route.path),
        runtime,
        options.maxBodySize,
      ));
      handler(call).then(finish, fail);
    }
  };
  return { listener, routes };
}

/**
 * The runtime's pages: a small Hono app served through @hono/node-server, both loaded on the first
 * request for a page (a server nobody asks for its docs never loads them, and starts sooner).
 */
function runtimePages(pages: NonNullable<RestOptions["pages"]>, routes: RestRoute[]) {
  const router = new TrieRouter<true>();
  for (const p of pages.paths) router.add("GET", p, true);
  let listener: Promise<(req: IncomingMessage, res: ServerResponse) => Promise<unknown>> | undefined;
  const load = async () => {
    const [{ Hono }, { getRequestListener }] = await Promise.all([import("hono"), import("@hono/node-server")]);
    const app = new Hono();
    pages.mount(app, routes);
    return getRequestListener(app.fetch);
  };
  return {
    has: (method: string, path: string) => method === "GET" && router.match("GET", path)[0].length > 0,
    serve: async (req: IncomingMessage, res: ServerResponse) => (await (listener ??= load()))(req, res),
  };
}

/** A forward call's answer: the upstream's, passed back, or the runtime's own when it went wrong. */
async function forwarded(handle: ReturnType<typeof compileForwardRoute>, call: ForwardCall, runtime: Runtime): Promise<Answer> {
  try {
    const r = await handle(call);
    return "error" in r ? json(r.status, r.error, r.message) : { kind: "forwarded", ...r };
  } catch (e) {
    return failure(e, runtime, call.opts.signal?.aborted ?? false);
  }
}

/** The path (still percent-encoded) and the query of a request URL. */
function splitTarget(href: string): { path: string; query: string } {
  const start = href.indexOf("/", href.indexOf(":") + 3);
  const hash = href.indexOf("#");
  const end = hash < 0 ? href.length : hash;
  const q = href.indexOf("?", start);
  return q < 0 || q > end ? { path: href.slice(start, end), query: "" } : { path: href.slice(start, q), query: href.slice(q + 1, end) };
}

/** The answer when the request lacks the block's credentials (see exposes/auth.ts). */
function refusal(denied: Denial): Answer {
  return { kind: "json", status: denied.status, body: denialBody(denied), headers: denialHeaders(denied) };
}

/** The first media type the operation's response contract declares as raw bytes. */
function binaryMediaType(op: ExposedOperation): string | undefined {
  for (const response of Object.values(op.responses ?? {})) {
    for (const [type, content] of Object.entries(response.content ?? {})) if (content.binary) return type;
  }
  return undefined;
}

/** `{connection-id}` and `{{imo}}` become the router's `:p0`, `:p1`: file names may hold any character. */
function toRouterPath(path: string): string {
  return mapVariables(path, (_name, i) => `:p${i}`);
}

function routeHandler(invocation: Invocation, vars: string[], runtime: Runtime, maxBodySize: number): RouteHandler {
  const inputs = invocation.inputs;
  // A fixed `value` overrides the caller: those inputs are not read from the request at all.
  const fixed = inputs.filter((i) => i.fixed);
  const asked = inputs.filter((i) => !i.fixed);
  const pathInputs = vars.map((v) => asked.find((i) => normalizeName(i.name) === normalizeName(v)));
  const queryInputs = asked.filter((i) => i.in === "query");
  const headerInputs = asked.filter((i) => i.in === "header" || i.in === "cookie");
  const bodyInputs = asked.filter((i) => i.in === "body");
  const wholeBody = bodyInputs.find((i) => i.wholeBody);
  const bodyFields = bodyInputs.map((i) => [i, i.bodyPath ? compilePath(i.bodyPath) : undefined] as const);
  const anyJson = bodyInputs.some((i) => i.bodyPath);
  const location = new Map(inputs.map((i) => [i.name, i.in]));
  const validate: Validator = compileValidator(inputsSchema(inputs, undefined, true), (name) => location.get(name));

  return async (call) => {
    const values: Record<string, unknown> = {};
    const problems: ParameterProblem[] = [];
    const take = (input: InputSpec, raw: string[] | DeepObject, where: string) => {
      const r = coerce(input, raw, where);
      if (r.problem) problems.push(r.problem);
      else values[input.name] = r.value;
    };
    for (let i = 0; i < pathInputs.length; i++) {
      const input = pathInputs[i];
      if (input) take(input, [call.param(i) ?? ""], "path");
    }
    if (queryInputs.length) {
      const query = readQuery(call.href, queryInputs);
      problems.push(...query.problems);
      for (const [input, raw] of query.found) take(input, raw, "query");
    }
    for (const input of headerInputs) {
      const v = input.in === "cookie" ? cookieValue(headerValue(call.req, "cookie"), input.name) : headerValue(call.req, input.name);
      if (v !== undefined) take(input, [v], input.in);
    }
    if (bodyInputs.length) {
      const text = await readText(call.req, maxBodySize);
      if (text === undefined) return json(413, "payload_too_large", `request body exceeds ${maxBodySize} bytes`);
      const body = parseJsonBody(text, headerValue(call.req, "content-type"), problems);
      if (body instanceof Rejection) return body.answer;
      if (body !== undefined) {
        if (wholeBody) values[wholeBody.name] = body;
        else if (anyJson || isJsonObject(body)) {
          for (const [input, read] of bodyFields) {
            const v = read ? read(body) : body && typeof body === "object" ? (body as Record<string, unknown>)[input.name] : undefined;
            if (v !== undefined) values[input.name] = v;
          }
        } else problems.push({ parameter: "body", in: "body", message: "must be a JSON object" });
      }
    }
    for (const input of fixed) values[input.name] = input.fixed!.value;
    // Schema checks still run after a coercion or body problem, so every bad parameter is named at
    // once; a parameter already reported is not reported again (e.g. as missing).
    const checked = validate(values);
    if (problems.length) {
      const reported = new Set(problems.map((p) => p.parameter));
      problems.push(...checked.filter((p) => !reported.has(p.parameter.split(".")[0])));
    } else problems.push(...checked);
    if (problems.length) return badRequest(problems);
    try {
      const outcome = await invocation.invoke(values, { signal: call.gone, timeout: runtime.callTimeout, context: call.context });
      return { kind: "outcome", outcome };
    } catch (e) {
      return failure(e, runtime, call.gone.aborted);
    }
  };
}

class Rejection {
  constructor(readonly answer: Answer) {}
}

function parseJsonBody(text: string, type: string | undefined, problems: ParameterProblem[]): unknown {
  if (text.trim() === "") return undefined;
  if (type && !/^application\/([\w.+-]*\+)?json\b/i.test(type)) {
    return new Rejection(json(415, "unsupported_media_type", `request body must be application/json, not ${type.split(";")[0]}`));
  }
  try {
    const body: unknown = JSON.parse(text);
    if (nestedDeeperThan(body)) {
      problems.push({ parameter: "body", in: "body", message: `is nested deeper than ${MAX_JSON_DEPTH} levels` });
      return undefined;
    }
    return body;
  } catch (e) {
    problems.push({ parameter: "body", in: "body", message: `is not valid JSON (${(e as Error).message})` });
    return undefined;
  }
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Writes an answer and returns its status. Upstream answers keep their status and content type
 * (and Retry-After); a `$.` passthrough is piped from the upstream socket to the caller's, never
 * buffered or re-serialised. HEAD gets the same status and headers without a body.
 */
function send(res: ServerResponse, answer: Answer, head: boolean, requestId: string | undefined): number {
  if (answer.kind === "json") {
    const body = JSON.stringify(answer.body);
    const headers: Record<string, string | string[] | number> = { ...answer.headers, "content-type": "application/json" };
    if (requestId) headers["x-request-id"] = requestId;
    if (head) {
      res.writeHead(answer.status, headers).end();
      return answer.status;
    }
    headers["content-length"] = Buffer.byteLength(body);
    res.writeHead(answer.status, headers).end(body);
    return answer.status;
  }
  if (answer.kind === "forwarded") {
    const headers: OutgoingHttpHeaders = { ...answer.headers };
    if (requestId) headers["x-request-id"] = requestId;
    const body = answer.body;
    if (body === undefined || Buffer.isBuffer(body)) {
      res.writeHead(answer.status, headers).end(head ? undefined : body);
      return answer.status;
    }
    res.writeHead(answer.status, headers);
    // As a passthrough below: an upstream that breaks off cuts the caller's response; a caller that
    // leaves cancels the upstream call.
    body.once("error", () => res.destroy());
    body.pipe(res);
    return answer.status;
  }
  const outcome = answer.outcome;
  if (outcome.kind === "value") {
    // A 204 or 304 carries no body (nor a content type), even when output mapping built one.
    if (outcome.status === 204 || outcome.status === 304) {
      res.writeHead(outcome.status, requestId ? { "x-request-id": requestId } : undefined).end();
      return outcome.status;
    }
    return send(res, { kind: "json", status: outcome.status, body: outcome.value ?? null }, head, requestId);
  }
  const headers: Record<string, string | number> = {};
  if (requestId) headers["x-request-id"] = requestId;
  const type = outcome.headers["content-type"];
  headers["content-type"] = typeof type === "string" ? type : "application/json";
  const retryAfter = outcome.headers["retry-after"];
  if (typeof retryAfter === "string") headers["retry-after"] = retryAfter;
  const bodiless = head || outcome.status === 204 || outcome.status === 304;
  if (outcome.kind === "upstream-error") {
    if (!bodiless) headers["content-length"] = outcome.body.length;
    res.writeHead(outcome.status, headers).end(bodiless ? undefined : outcome.body);
    return outcome.status;
  }
  if (outcome.kind === "bytes") {
    if (bodiless) {
      res.writeHead(outcome.status, headers).end();
      return outcome.status;
    }
    headers["content-length"] = outcome.length;
    res.writeHead(outcome.status, headers);
    // A body of one chunk (most small answers) goes out with the head in one write, as `end` sends
    // it; more chunks, not copied into one buffer, are corked and leave together when `end` uncorks.
    if (outcome.chunks.length === 1) {
      res.end(outcome.chunks[0]);
      return outcome.status;
    }
    res.cork();
    for (const chunk of outcome.chunks) res.write(chunk);
    res.end();
    return outcome.status;
  }
  if (bodiless) {
    outcome.body.resume();
    res.writeHead(outcome.status, headers).end();
    return outcome.status;
  }
  res.writeHead(outcome.status, headers);
  // `pipe`, not `pipeline`: pipeline builds an AbortController per call and aborts it at the end,
  // which costs a DOMException with a stack trace on every request. The two failure paths are
  // wired by hand: the upstream breaks half-way (reset, deadline) → the caller's response is
  // destroyed, a truncated chunked body it can tell from a complete one; the caller leaves → the
  // upstream call is cancelled through the call's CallerGone signal.
  const body = outcome.body;
  body.once("error", () => res.destroy());
  body.pipe(res);
  return outcome.status;
}

function failure(e: unknown, runtime: Runtime, callerGone: boolean): Answer {
  if (e instanceof InputError) return badRequest(e.problems);
  if (e instanceof UpstreamError) {
    // An overloaded in-flight limit says when to come back.
    const headers = e.retryAfter !== undefined ? { "retry-after": String(e.retryAfter) } : undefined;
    return json(e.status, `upstream_${e.kind}`, runtime.redactor.redact(e.message), headers);
  }
  if (e instanceof FormatError) return json(502, "upstream_bad_response", e.message);
  if (e instanceof ScriptError) return json(e.status, e.code, runtime.redactor.redact(e.message));
  if (callerGone) return json(499, "client_closed", "the caller closed the connection");
  throw e;
}

function badRequest(problems: ParameterProblem[]): Answer {
  const list = problems.map((p) => `${p.parameter}${p.in ? ` (${p.in})` : ""} ${p.message}`).join("; ");
  return { kind: "json", status: 400, body: { error: "invalid_request", message: `invalid request: ${list}`, problems } };
}

function json(status: number, error: string, message: string, headers?: Record<string, string>): Answer {
  return { kind: "json", status, body: { error, message }, headers };
}
