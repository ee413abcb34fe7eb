import type { ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { Response as UndiciResponse } from "undici";
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { InputError, UpstreamError, type ParameterProblem } from "../../errors.js";
import { FormatError } from "../../mapping/formats.js";
import { callContext } from "../../observability/context.js";
import { normalizeName, pathVariables } from "../../mapping/names.js";
import type { Runtime } from "../../runtime.js";
import type { ExposesRest, HttpMethod, OutputParam } from "../../spec/model.js";
import { compileServerAuth, requireAuth } from "../auth.js";
import { compileInvocation, type InputSpec, type Invocation, type Outcome } from "../invocation.js";
import { compileValidator, inputsSchema, MAX_JSON_DEPTH, nestedDeeperThan, type Validator } from "../validate.js";
import { coerce, readQuery } from "./inputs.js";

export interface RestOptions {
  /** Largest request body accepted, in bytes (413 beyond). */
  maxBodySize: number;
  /** Runs first on every request, before authentication (observability: logs, metrics, traces). */
  before?: MiddlewareHandler;
  /** Wraps each route's handler (observability: names the operation being called). */
  wrap?: (route: RestRoute, handler: RouteHandler) => RouteHandler;
  /** Adds runtime routes (`/openapi.json`, `/docs`) once the capability's routes are known. */
  mount?: (app: Hono, routes: RestRoute[]) => void;
}

export type RouteHandler = (c: Context) => Promise<Response>;

/** One REST route: an exposed operation, ready to serve. */
export interface RestRoute {
  method: HttpMethod;
  /** The path as written in the file, e.g. `/v1/connections/{connection-id}`. */
  path: string;
  name?: string;
  description?: string;
  invocation: Invocation;
  /** The operation's outputParameters, for describing the response (OpenAPI). */
  output?: OutputParam[];
}

/** Builds the Hono app of one `type: rest` exposes block: one route per resource path and method. */
export function restApp(block: ExposesRest, runtime: Runtime, options: RestOptions): { app: Hono; routes: RestRoute[] } {
  const app = new Hono();
  const routes: RestRoute[] = [];
  const byPath = new Map<string, HttpMethod[]>();
  if (options.before) app.use("*", options.before);
  const auth = compileServerAuth(block.authentication, runtime.binds, block.namespace);
  if (auth) app.use("*", requireAuth(auth));
  for (const resource of block.resources ?? []) {
    const vars = pathVariables(resource.path);
    const honoPath = toHonoPath(resource.path);
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
      const route: RestRoute = { method, path: resource.path, name: op.name, description: op.description, invocation, output: op.outputParameters };
      routes.push(route);
      const plain = routeHandler(invocation, vars, runtime);
      const handler = options.wrap ? options.wrap(route, plain) : plain;
      if (invocation.inputs.some((i) => i.in === "body")) {
        app.on(method, honoPath, bodyLimit({ maxSize: options.maxBodySize, onError: (c) => errorResponse(c, 413, "payload_too_large", `request body exceeds ${options.maxBodySize} bytes`) }), handler);
      } else app.on(method, honoPath, handler);
      byPath.set(honoPath, [...(byPath.get(honoPath) ?? []), method]);
    }
  }
  options.mount?.(app, routes);
  for (const [honoPath, methods] of byPath) {
    const allow = [...new Set(methods)].join(", ");
    app.all(honoPath, (c) => {
      c.header("Allow", allow);
      return errorResponse(c, 405, "method_not_allowed", `${c.req.method} is not allowed on this path; allowed: ${allow}`);
    });
  }
  app.notFound((c) => errorResponse(c, 404, "not_found", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`));
  app.onError((err, c) => {
    console.error(runtime.redactor.redact(`naftiko: unexpected error on ${c.req.method} ${new URL(c.req.url).pathname}: ${(err as Error).stack ?? err}`));
    return errorResponse(c, 500, "internal_error", "the runtime failed to handle this request");
  });
  return { app, routes };
}

/** `{connection-id}` and `{{imo}}` become Hono's `:p0`, `:p1`: file names may hold any character. */
function toHonoPath(path: string): string {
  let i = 0;
  return path.replace(/\{\{?\s*[^{}]+?\s*\}?\}/g, () => `:p${i++}`);
}

function routeHandler(invocation: Invocation, vars: string[], runtime: Runtime): RouteHandler {
  const inputs = invocation.inputs;
  const pathInputs = vars.map((v) => inputs.find((i) => normalizeName(i.name) === normalizeName(v)));
  const queryInputs = inputs.filter((i) => i.in === "query");
  const headerInputs = inputs.filter((i) => i.in === "header" || i.in === "cookie");
  const bodyInputs = inputs.filter((i) => i.in === "body");
  const wholeBody = bodyInputs.find((i) => i.wholeBody);
  const location = new Map(inputs.map((i) => [i.name, i.in]));
  const validate: Validator = compileValidator(inputsSchema(inputs, undefined, true), (name) => location.get(name));

  return async (c: Context) => {
    const values: Record<string, unknown> = {};
    const problems: ParameterProblem[] = [];
    const take = (input: InputSpec, raw: string[], where: string) => {
      const r = coerce(input, raw, where);
      if (r.problem) problems.push(r.problem);
      else values[input.name] = r.value;
    };
    pathInputs.forEach((input, i) => {
      if (input) take(input, [c.req.param(`p${i}`) ?? ""], "path");
    });
    if (queryInputs.length) for (const [input, raw] of readQuery(c.req.url, queryInputs)) take(input, raw, "query");
    for (const input of headerInputs) {
      const v = input.in === "cookie" ? cookieValue(c.req.header("cookie"), input.name) : c.req.header(input.name);
      if (v !== undefined) take(input, [v], input.in);
    }
    if (bodyInputs.length) {
      const body = await readJsonBody(c, problems);
      if (body instanceof Response) return body;
      if (body !== undefined) {
        if (wholeBody) values[wholeBody.name] = body;
        else if (body && typeof body === "object" && !Array.isArray(body)) {
          for (const input of bodyInputs) if (input.name in body) values[input.name] = (body as Record<string, unknown>)[input.name];
        } else problems.push({ parameter: "body", in: "body", message: "must be a JSON object" });
      }
    }
    // Schema checks still run after a coercion or body problem, so every bad parameter is named at
    // once; a parameter already reported is not reported again (e.g. as missing).
    const reported = new Set(problems.map((p) => p.parameter));
    problems.push(...validate(values).filter((p) => !reported.has(p.parameter.split(".")[0])));
    if (problems.length) return badRequest(c, problems);
    try {
      const outcome = await invocation.invoke(values, { signal: c.req.raw.signal, timeout: runtime.callTimeout });
      return streamDirectly(c, outcome) ?? respond(outcome);
    } catch (e) {
      return failure(c, e, runtime);
    }
  };
}

async function readJsonBody(c: Context, problems: ParameterProblem[]): Promise<unknown | Response> {
  const text = await c.req.text();
  if (text.trim() === "") return undefined;
  const type = c.req.header("content-type") ?? "";
  if (type && !/^application\/([\w.+-]*\+)?json\b/i.test(type)) {
    return errorResponse(c, 415, "unsupported_media_type", `request body must be application/json, not ${type.split(";")[0]}`);
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

/** Upstream answers keep their status and body; a `$.` passthrough is streamed, never re-serialised. */
export function respond(outcome: Outcome): Response {
  if (outcome.kind === "value") {
    // A 204 or 304 must not carry a body, even when output mapping built one (the fetch Response throws).
    if (outcome.status === 204 || outcome.status === 304) return new Response(null, { status: outcome.status });
    return new Response(JSON.stringify(outcome.value ?? null), { status: outcome.status, headers: { "content-type": "application/json" } });
  }
  const headers = new Headers();
  const type = outcome.headers["content-type"];
  headers.set("content-type", typeof type === "string" ? type : "application/json");
  const retryAfter = outcome.headers["retry-after"];
  if (typeof retryAfter === "string") headers.set("retry-after", retryAfter);
  if (outcome.kind === "upstream-error") return new Response(outcome.body, { status: outcome.status, headers });
  const empty = outcome.status === 204 || outcome.status === 304;
  if (empty) {
    outcome.body.resume();
    return new Response(null, { status: outcome.status, headers });
  }
  return new Response(Readable.toWeb(outcome.body) as ReadableStream, { status: outcome.status, headers });
}

/**
 * A `$.` passthrough on Node: the upstream body is piped straight into the caller's socket and
 * @hono/node-server is told the answer is already sent. Through a Fetch Response the body would
 * go Node stream → web stream (`Readable.toWeb`) → Node stream again: about a third of a proxied
 * call's CPU, and its largest single cost (issue 6). Same status and headers as `respond` (plus
 * the `x-request-id` the observing middleware adds to every answer); the returned Response is what
 * that middleware logs. HEAD, and callers without a Node response (app.request in tests), go the
 * Fetch way.
 */
function streamDirectly(c: Context, outcome: Outcome): Response | undefined {
  const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  if (outcome.kind !== "stream" || !outgoing || c.req.method === "HEAD" || outcome.status === 204 || outcome.status === 304 || outgoing.headersSent) return undefined;
  const type = outcome.headers["content-type"];
  const headers: Record<string, string> = { "content-type": typeof type === "string" ? type : "application/json" };
  const retryAfter = outcome.headers["retry-after"];
  if (typeof retryAfter === "string") headers["retry-after"] = retryAfter;
  const requestId = callContext.getStore()?.requestId;
  if (requestId) headers["x-request-id"] = requestId;
  outgoing.writeHead(outcome.status, headers);
  // `pipe`, not `pipeline`: pipeline costs an AbortController and a DOMException per call. An
  // upstream that breaks half-way destroys the caller's response (a truncated chunked body); a
  // caller that leaves aborts the upstream call through the request's signal.
  outcome.body.once("error", () => outgoing.destroy());
  outcome.body.pipe(outgoing);
  // undici's own Response, not the global one: @hono/node-server replaces the global with a class
  // whose bodiless instances it writes out itself (a second writeHead); this one it leaves alone.
  return new UndiciResponse(null, { status: outcome.status, headers: { ...headers, [ALREADY_SENT]: "true" } }) as unknown as Response;
}

/** @hono/node-server's marker for "the handler wrote the response itself" (its X_ALREADY_SENT). */
const ALREADY_SENT = "x-hono-already-sent";

function failure(c: Context, e: unknown, runtime: Runtime): Response {
  if (e instanceof InputError) return badRequest(c, e.problems);
  if (e instanceof UpstreamError) {
    if (e.retryAfter !== undefined) c.header("Retry-After", String(e.retryAfter));
    return errorResponse(c, e.status, `upstream_${e.kind}`, runtime.redactor.redact(e.message));
  }
  if (e instanceof FormatError) return errorResponse(c, 502, "upstream_bad_response", e.message);
  if (c.req.raw.signal.aborted) return errorResponse(c, 499, "client_closed", "the caller closed the connection");
  throw e;
}

function badRequest(c: Context, problems: ParameterProblem[]): Response {
  const list = problems.map((p) => `${p.parameter}${p.in ? ` (${p.in})` : ""} ${p.message}`).join("; ");
  return c.json({ error: "invalid_request", message: `invalid request: ${list}`, problems }, 400);
}

export function errorResponse(c: Context, status: number, error: string, message: string): Response {
  return c.json({ error, message }, status as 400);
}
