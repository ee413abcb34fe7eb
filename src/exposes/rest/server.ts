import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { Router } from "hono/router";
import { RegExpRouter } from "hono/router/reg-exp-router";
import { SmartRouter } from "hono/router/smart-router";
import { TrieRouter } from "hono/router/trie-router";
import { getPath, mergePath, tryDecodeURIComponent } from "hono/utils/url";
import { CallerGone } from "../../consumes/http/client.js";
import { InputError, UpstreamError, type ParameterProblem } from "../../errors.js";
import { FormatError } from "../../mapping/formats.js";
import { normalizeName, pathVariables } from "../../mapping/names.js";
import type { Runtime } from "../../runtime.js";
import type { ExposesRest, HttpMethod } from "../../spec/model.js";
import { compileServerAuth, type ServerAuth } from "../auth.js";
import { compileInvocation, type InputSpec, type Invocation, type Outcome } from "../invocation.js";
import { compileValidator, inputsSchema, type Validator } from "../validate.js";
import { coerce, readQuery } from "./inputs.js";
import { drainUnread, requestUrl, BadRequestTarget } from "./request.js";

/*
 * The REST adapter is a plain node:http request listener. It used to be a Hono app behind
 * @hono/node-server, which wraps every request and response in Fetch `Request`/`Response` objects
 * and streams a passthrough body through a web ReadableStream (`Readable.toWeb`): about half of the
 * CPU of a proxied call (issue 6). Hono's own router and URL helpers are still used, so which route
 * a request reaches, and with which path parameters, is decided exactly as before.
 */

export interface RestOptions {
  /** Largest request body accepted, in bytes (413 beyond). */
  maxBodySize: number;
}

/** One REST route: an exposed operation, ready to serve. */
export interface RestRoute {
  method: HttpMethod;
  /** The path as written in the file, e.g. `/v1/connections/{connection-id}`. */
  path: string;
  name?: string;
  description?: string;
  invocation: Invocation;
}

/** What one request looks like to a route handler. */
interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  /** The request URL as a Fetch `Request` would have it (see request.ts). */
  href: string;
  /** Path parameter `p<i>` (Hono's name for the i-th variable), decoded. */
  param(i: number): string | undefined;
  /** A header as `Headers.get` gives it: repeated headers joined with ", ". */
  header(name: string): string | undefined;
  /** Cancelled when the caller closes the connection before the answer is complete. */
  gone: CallerGone;
}

/** What a handler answers; written by {@link send}. */
type Answer =
  | { kind: "json"; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: "outcome"; outcome: Outcome };

type Handler = (call: Call) => Promise<Answer>;
/** A route's handler, or the 405 answer for other methods on its path. */
type Entry = { handler: Handler } | { allow: string };

/** Builds the request listener of one `type: rest` exposes block: one route per resource path and method. */
export function restApp(block: ExposesRest, runtime: Runtime, options: RestOptions): { listener: RequestListener; routes: RestRoute[] } {
  // Hono's default router, fed in the order the Hono app used to register routes: first match wins.
  const router: Router<Entry> = new SmartRouter<Entry>({ routers: [new RegExpRouter(), new TrieRouter()] });
  const routes: RestRoute[] = [];
  const byPath = new Map<string, HttpMethod[]>();
  const auth = compileServerAuth(block.authentication, runtime.binds, block.namespace);
  for (const resource of block.resources ?? []) {
    const vars = pathVariables(resource.path);
    const routerPath = mergePath("/", toRouterPath(resource.path));
    for (const raw of resource.operations ?? []) {
      const op = runtime.resolveRef(raw) as typeof raw;
      const method = (raw.method ?? "GET").toUpperCase() as HttpMethod;
      const invocation = compileInvocation(
        op,
        {
          prefixes: ["rest", block.namespace],
          plans: runtime.plans,
          binds: runtime.binds,
          pathVariables: vars,
          requiredByDefault: false,
          redact: (t) => runtime.redactor.redact(t),
          maxErrorBody: runtime.maxErrorBody,
        },
        resource.inputParameters,
      );
      routes.push({ method, path: resource.path, name: op.name, description: op.description, invocation });
      const handler = routeHandler(invocation, vars, runtime, options.maxBodySize);
      router.add(method, routerPath, { handler });
      byPath.set(routerPath, [...(byPath.get(routerPath) ?? []), method]);
    }
  }
  for (const [routerPath, methods] of byPath) router.add("ALL", routerPath, { allow: [...new Set(methods)].join(", ") });

  const listener: RequestListener = (req, res) => {
    let href: string;
    try {
      href = requestUrl(req);
    } catch (e) {
      if (!(e instanceof BadRequestTarget)) throw e;
      res.writeHead(400).end();
      return;
    }
    // A body nobody reads is drained, within bounds, so the connection can serve the next request.
    if (req.method !== "GET" && req.method !== "HEAD") res.once("finish", () => drainUnread(req));
    // The caller is gone when the connection closes before the answer was written in full.
    const gone = new CallerGone();
    res.once("close", () => {
      if (!res.writableFinished) gone.abort();
    });
    // HEAD is answered as GET without the body.
    const head = req.method === "HEAD";
    const fail = (err: unknown) => {
      console.error(runtime.redactor.redact(`naftiko: unexpected error on ${req.method} ${new URL(href).pathname}: ${(err as Error).stack ?? err}`));
      if (res.headersSent) res.destroy();
      else send(res, json(500, "internal_error", "the runtime failed to handle this request"), head);
    };
    try {
      // Server authentication comes first, for every path (it was Hono middleware on "*").
      const denied = auth && denial(auth, req, href);
      if (denied) return send(res, denied, head);
      const answer = dispatch(req, res, href, head ? "GET" : req.method!, gone);
      if (answer instanceof Promise) answer.then((a) => send(res, a, head)).catch(fail);
      else send(res, answer, head);
    } catch (e) {
      fail(e);
    }
  };

  /** Routes a request; 404 and 405 are answered at once, a route's answer comes later. */
  function dispatch(req: IncomingMessage, res: ServerResponse, href: string, method: string, gone: CallerGone): Answer | Promise<Answer> {
    const [matches, stash] = router.match(method, getPath({ url: href } as Request));
    const first = matches[0];
    if (!first) return json(404, "not_found", `no route for ${req.method} ${new URL(href).pathname}`);
    const [entry, params] = first;
    if ("allow" in entry) {
      return json(405, "method_not_allowed", `${req.method} is not allowed on this path; allowed: ${entry.allow}`, { allow: entry.allow });
    }
    const call: Call = {
      req,
      res,
      href,
      param(i) {
        const key = (params as Record<string, string | number>)[`p${i}`];
        const value = stash ? stash[key as number] : (key as string | undefined);
        return value && tryDecodeURIComponent(value);
      },
      header: (name) => headerValue(req, name),
      gone,
    };
    return entry.handler(call);
  }

  return { listener, routes };
}

/** The 401 answer when the request lacks the block's credentials (see exposes/auth.ts). */
function denial(auth: ServerAuth, req: IncomingMessage, href: string): Answer | undefined {
  const denied = auth.check({ header: (name) => headerValue(req, name), url: href });
  if (!denied) return undefined;
  return { kind: "json", status: denied.status, body: { error: "unauthorized", message: denied.message }, headers: { "www-authenticate": denied.challenge } };
}

/** `{connection-id}` and `{{imo}}` become Hono's `:p0`, `:p1`: file names may hold any character. */
function toRouterPath(path: string): string {
  let i = 0;
  return path.replace(/\{\{?\s*[^{}]+?\s*\}?\}/g, () => `:p${i++}`);
}

function routeHandler(invocation: Invocation, vars: string[], runtime: Runtime, maxBodySize: number): Handler {
  const inputs = invocation.inputs;
  const pathInputs = vars.map((v) => inputs.find((i) => normalizeName(i.name) === normalizeName(v)));
  const queryInputs = inputs.filter((i) => i.in === "query");
  const headerInputs = inputs.filter((i) => i.in === "header" || i.in === "cookie");
  const bodyInputs = inputs.filter((i) => i.in === "body");
  const wholeBody = bodyInputs.find((i) => i.wholeBody);
  const location = new Map(inputs.map((i) => [i.name, i.in]));
  const validate: Validator = compileValidator(inputsSchema(inputs, undefined, true), (name) => location.get(name));

  return async (call) => {
    const values: Record<string, unknown> = {};
    const problems: ParameterProblem[] = [];
    const take = (input: InputSpec, raw: string[], where: string) => {
      const r = coerce(input, raw, where);
      if (r.problem) problems.push(r.problem);
      else values[input.name] = r.value;
    };
    pathInputs.forEach((input, i) => {
      if (input) take(input, [call.param(i) ?? ""], "path");
    });
    if (queryInputs.length) for (const [input, raw] of readQuery(call.href, queryInputs)) take(input, raw, "query");
    for (const input of headerInputs) {
      const v = input.in === "cookie" ? cookieValue(call.header("cookie"), input.name) : call.header(input.name);
      if (v !== undefined) take(input, [v], input.in);
    }
    if (bodyInputs.length) {
      const text = await readText(call.req, maxBodySize);
      if (text === undefined) return json(413, "payload_too_large", `request body exceeds ${maxBodySize} bytes`);
      const body = parseJsonBody(text, call.header("content-type"), problems);
      if (body instanceof Rejection) return body.answer;
      if (body !== undefined) {
        if (wholeBody) values[wholeBody.name] = body;
        else if (body && typeof body === "object" && !Array.isArray(body)) {
          for (const input of bodyInputs) if (input.name in body) values[input.name] = (body as Record<string, unknown>)[input.name];
        } else problems.push({ parameter: "body", in: "body", message: "must be a JSON object" });
      }
    }
    // Schema checks still run after a coercion or body problem, so every bad parameter is named at
    // once; a parameter already reported is not reported again (e.g. as missing).
    const checked = validate(values);
    if (problems.length) {
      const reported = new Set(problems.map((p) => p.parameter));
      problems.push(...checked.filter((p) => !reported.has(p.parameter.split(".")[0])));
    } else problems.push(...checked);
    if (problems.length) return badRequest(problems);
    try {
      const outcome = await invocation.invoke(values, { signal: call.gone, timeout: runtime.callTimeout });
      return { kind: "outcome", outcome };
    } catch (e) {
      return failure(e, runtime, call.gone.aborted);
    }
  };
}

class Rejection {
  constructor(readonly answer: Answer) {}
}

/**
 * The request body as text, as `Request.text()` reads it (UTF-8, a leading BOM dropped), or
 * undefined when it is larger than `max` — judged by Content-Length when there is one, as Hono's
 * bodyLimit did. GET and HEAD bodies are never read.
 */
function readText(req: IncomingMessage, max: number): Promise<string | undefined> {
  if (req.method === "GET" || req.method === "HEAD") return Promise.resolve("");
  const length = req.headers["content-length"];
  if (length !== undefined && req.headers["transfer-encoding"] === undefined && parseInt(length, 10) > max) return Promise.resolve(undefined);
  // Not `for await`: leaving that loop early destroys the request, and with it the socket the 413
  // still has to be written to. What is left unread is drained after the answer (drainUnread).
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off("data", onData).off("end", onEnd).off("error", onError).off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) return void chunks.push(chunk);
      done();
      resolve(undefined);
    };
    const onEnd = () => {
      done();
      resolve(new TextDecoder().decode(Buffer.concat(chunks)));
    };
    const onError = (e: Error) => {
      done();
      reject(e);
    };
    const onClose = () => onError(new Error("the caller closed the connection while sending the body"));
    req.on("data", onData).on("end", onEnd).on("error", onError).on("close", onClose);
  });
}

function parseJsonBody(text: string, type: string | undefined, problems: ParameterProblem[]): unknown {
  if (text.trim() === "") return undefined;
  if (type && !/^application\/([\w.+-]*\+)?json\b/i.test(type)) {
    return new Rejection(json(415, "unsupported_media_type", `request body must be application/json, not ${type.split(";")[0]}`));
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    problems.push({ parameter: "body", in: "body", message: `is not valid JSON (${(e as Error).message})` });
    return undefined;
  }
}

/** A header as the Fetch `Headers` of the request had it: every occurrence, joined with ", ". */
function headerValue(req: IncomingMessage, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const raw = req.rawHeaders;
  let value: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length === wanted.length && raw[i].toLowerCase() === wanted) value = value === undefined ? raw[i + 1] : `${value}, ${raw[i + 1]}`;
  }
  return value;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Writes an answer. Upstream answers keep their status and content type (and Retry-After); a `$.`
 * passthrough is piped from the upstream socket to the caller's, never buffered or re-serialised.
 * HEAD gets the same status and headers without a body (and without a length, as before).
 */
function send(res: ServerResponse, answer: Answer, head: boolean): void {
  if (answer.kind === "json") {
    const body = JSON.stringify(answer.body);
    const headers: Record<string, string | number> = { ...answer.headers, "content-type": "application/json" };
    if (head) return void res.writeHead(answer.status, headers).end();
    headers["content-length"] = Buffer.byteLength(body);
    return void res.writeHead(answer.status, headers).end(body);
  }
  const outcome = answer.outcome;
  if (outcome.kind === "value") {
    // A 204 or 304 carries no body (nor a content type), even when output mapping built one.
    if (outcome.status === 204 || outcome.status === 304) return void res.writeHead(outcome.status).end();
    return send(res, { kind: "json", status: outcome.status, body: outcome.value ?? null }, head);
  }
  const headers: Record<string, string | number> = {};
  const type = outcome.headers["content-type"];
  headers["content-type"] = typeof type === "string" ? type : "application/json";
  const retryAfter = outcome.headers["retry-after"];
  if (typeof retryAfter === "string") headers["retry-after"] = retryAfter;
  if (outcome.kind === "upstream-error") {
    if (head) return void res.writeHead(outcome.status, headers).end();
    headers["content-length"] = outcome.body.length;
    return void res.writeHead(outcome.status, headers).end(outcome.body);
  }
  if (head || outcome.status === 204 || outcome.status === 304) {
    outcome.body.resume();
    return void res.writeHead(outcome.status, headers).end();
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
}

function failure(e: unknown, runtime: Runtime, callerGone: boolean): Answer {
  if (e instanceof InputError) return badRequest(e.problems);
  if (e instanceof UpstreamError) return json(e.status, e.kind === "timeout" ? "upstream_timeout" : "upstream_unreachable", runtime.redactor.redact(e.message));
  if (e instanceof FormatError) return json(502, "upstream_bad_response", e.message);
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
