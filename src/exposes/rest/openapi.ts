import { normalizeName } from "../../mapping/names.js";
import { mapVariables, pathVariables } from "../../mapping/path-template.js";
import type { Capability } from "../../spec/model.js";
import type { Authentication, ExposedOperation, ExposesRest, Forward } from "../../spec/model.js";
import { forwardPrefix, REST_VARIABLE } from "./forward.js";
import type { InputSpec } from "../invocation.js";
import { inputProperty } from "../validate.js";
import type { RestRoute } from "./server.js";

type Json = Record<string, unknown>;

export interface OpenApiOptions {
  /** Server URL to advertise; default `http://<address>:<port>` of the block. */
  serverUrl?: string;
  runtimeVersion?: string;
}

/**
 * The OpenAPI 3.1 document of one `type: rest` exposes block, from its compiled routes: the same
 * inputs the server validates (names, types, `in`, required), so document and server cannot drift.
 * Authentication becomes a security scheme by its kind and header name only, never a value.
 */
export function openApiDocument(capability: Capability, block: ExposesRest, routes: RestRoute[], options: OpenApiOptions = {}): Json {
  const info = capability.info;
  const paths: Record<string, Json> = {};
  const operationIds = new Set<string>();
  const shared = new SharedSchemas();
  for (const route of routes) {
    const path = openApiPath(route.path);
    const op = operation(route, uniqueId(route, operationIds), block.namespace, shared);
    paths[path] = { ...(paths[path] ?? {}), [route.method.toLowerCase()]: op };
  }
  for (const resource of block.resources) {
    if (resource.forward) describeForward(resource.path, resource.forward, block.namespace, paths, operationIds);
  }
  const security = securityScheme(block.authentication);
  const doc: Json = {
    openapi: "3.1.0",
    info: {
      title: info?.display ?? block.namespace,
      version: info?.version ?? info?.modified ?? info?.created ?? "1.0.0",
      ...(info?.description || block.description
        ? { description: [info?.description, block.description].filter(Boolean).join("\n\n") }
        : {}),
      "x-naftiko": {
        capability: capability.specVersion,
        exposes: block.namespace,
        ...(options.runtimeVersion ? { runtime: options.runtimeVersion } : {}),
      },
    },
    servers: [{ url: options.serverUrl ?? `http://${hostOf(block.address)}:${block.port}`, description: `exposes ${block.namespace}` }],
    tags: [{ name: block.namespace, description: block.description ?? `Operations of exposes ${block.namespace}` }],
    paths,
    components: {
      schemas: shared.schemas,
      ...(security ? { securitySchemes: { [security.name]: security.scheme } } : {}),
    },
    // No authentication on the block: say so explicitly (an empty requirement list), for linters and clients.
    security: security ? [{ [security.name]: security.scopes ?? [] }] : [],
  };
  return doc;
}

const ERROR_SCHEMA = {
  type: "object",
  description: "An error answered by the runtime itself (upstream errors pass through with their own body).",
  properties: {
    error: { type: "string", description: "Machine-readable kind, e.g. invalid_request, upstream_timeout" },
    message: { type: "string" },
    problems: {
      type: "array",
      items: {
        type: "object",
        properties: { parameter: { type: "string" }, in: { type: "string" }, message: { type: "string" } },
        required: ["parameter", "message"],
      },
    },
  },
  required: ["error", "message"],
};

/** `{{x}}` and `{ x }` are written `{x}` in OpenAPI; literal text is kept as written. */
export function openApiPath(path: string): string {
  return mapVariables(path, (name) => `{${name}}`);
}

function hostOf(address: string | undefined): string {
  const a = address ?? "127.0.0.1";
  return a.includes(":") ? `[${a}]` : a === "0.0.0.0" ? "127.0.0.1" : a;
}

function uniqueId(route: RestRoute, seen: Set<string>): string {
  const base =
    (route.name ?? `${route.method.toLowerCase()} ${route.path}`).replace(/[^A-Za-z0-9_.-]+/g, "_").replace(/^_+|_+$/g, "") || "operation";
  let id = base;
  for (let n = 2; seen.has(id); n++) id = `${base}_${n}`;
  seen.add(id);
  return id;
}

function operation(route: RestRoute, operationId: string, tag: string, shared: SharedSchemas): Json {
  const inputs = route.invocation.inputs;
  // A path input may be spelled `connection_id` in `with` and `{connection-id}` in the path: OpenAPI
  // wants the path's spelling, which is also what the server matches.
  const vars = pathVariables(route.path);
  const pathName = (i: InputSpec) => vars.find((v) => normalizeName(v) === normalizeName(i.name)) ?? i.name;
  // An input with a fixed value is not the caller's to give.
  const asked = inputs.filter((i) => !i.fixed);
  const parameters = asked.filter((i) => i.in !== "body").map((i) => parameter(i.in === "path" ? { ...i, name: pathName(i) } : i));
  const body = asked.filter((i) => i.in === "body");
  const unit = route.unit;
  const op: Json = {
    operationId,
    summary: unit.display ?? (route.description?.split("\n")[0].slice(0, 120) || route.name || `${route.method} ${route.path}`),
    ...(route.description && (unit.display || route.description.split("\n")[0].length > 120) ? { description: route.description } : {}),
    tags: [tag, ...(unit.tags ?? [])],
    ...(parameters.length ? { parameters } : {}),
  };
  if (body.length) op.requestBody = requestBody(body, shared);
  const responses: Json = unit.responses ? contractResponses(unit.responses) : { "200": successResponse(route, shared) };
  if (inputs.length) responses["400"] = errorResponse("A parameter is missing or invalid; nothing was sent upstream");
  if (body.length) {
    responses["413"] = errorResponse("The request body is too large");
    responses["415"] = errorResponse("The request body is not JSON");
  }
  responses["502"] = errorResponse("The upstream could not be reached or answered badly");
  responses["504"] = errorResponse("The upstream did not answer in time");
  responses.default = {
    description: "An upstream error status, passed through with the upstream's body",
    content: { "application/json": { schema: {} } },
  };
  op.responses = responses;
  return op;
}

const FORWARDED_METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];

/**
 * A forward resource as OpenAPI can say it: its prefix and `{path}` below it, every method (but
 * those an operation on the same path takes), the rest of the path as one parameter that may hold
 * slashes, the trusted headers as header parameters, and whatever the upstream answers.
 */
function describeForward(resourcePath: string, forward: Forward, tag: string, paths: Record<string, Json>, ids: Set<string>): void {
  const { prefix } = forwardPrefix(resourcePath);
  const target = forward.target.namespace;
  const trusted = forward.trustedHeaders.length ? forward.trustedHeaders.join(", ") : "none";
  for (const path of [openApiPath(prefix) || "/", `${openApiPath(prefix)}/{${REST_VARIABLE}}`]) {
    const variables = pathVariables(path);
    for (const method of FORWARDED_METHODS) {
      if (paths[path]?.[method]) continue;
      let id = `forward_${target}_${method}${path.endsWith(`{${REST_VARIABLE}}`) ? "_rest" : ""}`.replace(/[^A-Za-z0-9_.-]+/g, "_");
      for (let n = 2; ids.has(id); n++) id = `${id}_${n}`;
      ids.add(id);
      const withBody = method !== "get" && method !== "head" && method !== "options" && method !== "delete";
      const op: Json = {
        operationId: id,
        summary: `Forwarded to consumes ${target}`,
        description:
          `Passed through to consumes "${target}": what follows ${openApiPath(prefix) || "/"} is appended to its base URI; ` +
          `the method, query and body go as sent, and of the caller's headers only these: ${trusted}. ` +
          "The upstream's status, headers and body come back as it answered.",
        tags: [tag],
        parameters: [
          ...variables.map((v) => ({
            name: v,
            in: "path",
            required: true,
            description: v === REST_VARIABLE ? "The rest of the path: may hold several segments (a/b/c)" : "Any one path segment",
            schema: { type: "string" },
          })),
          ...forward.trustedHeaders.map((h) => ({
            name: h,
            in: "header",
            required: false,
            description: "Passed to the upstream as sent",
            schema: { type: "string" },
          })),
        ],
        ...(withBody ? { requestBody: { required: false, content: { "*/*": { schema: {} } } } } : {}),
        responses: {
          "400": errorResponse("The path holds a . or .. segment, an empty segment or an encoded slash; nothing was sent upstream"),
          ...(withBody ? { "413": errorResponse("The request body is too large") } : {}),
          "502": errorResponse("The upstream could not be reached"),
          "504": errorResponse("The upstream did not answer in time"),
          default: { description: "The upstream's answer, passed back as it came" },
        },
      };
      if (!(op.parameters as unknown[]).length) delete op.parameters;
      paths[path] = { ...(paths[path] ?? {}), [method]: op };
    }
  }
}

/** What a successful call answers: JSON shaped by outputParameters (or the upstream's, passed through), or raw bytes. */
function successResponse(route: RestRoute, shared: SharedSchemas): Json {
  const invocation = route.invocation;
  if (invocation.binary) {
    return {
      description: "The upstream's bytes, as they came",
      content: { "application/octet-stream": { schema: invocation.resultSchema } },
    };
  }
  if (invocation.rawMediaType) {
    return { description: "The upstream answer, as it came", content: { [invocation.rawMediaType]: { schema: {} } } };
  }
  // With the upstream's OpenAPI document (`--openapi`), a passed-through answer has its real schema.
  const result = invocation.outputSchema ? shared.hoist(invocation.outputSchema) : invocation.resultSchema;
  return {
    description: "The upstream answer, mapped by the capability's outputParameters",
    content: { "application/json": { schema: result } },
  };
}

/** The operation's declared response contract: each status with its media types (raw bytes or a schema). */
function contractResponses(contract: NonNullable<ExposedOperation["responses"]>): Json {
  const out: Json = {};
  for (const [status, response] of Object.entries(contract)) {
    const content = Object.entries(response.content ?? {}).map(([type, c]) => [
      type,
      { schema: c.binary ? { type: "string", format: "binary" } : (c.schema ?? {}) },
    ]);
    out[status] = {
      description: response.description ?? "Successful response",
      ...(content.length ? { content: Object.fromEntries(content) } : {}),
    };
  }
  return out;
}

function parameter(input: InputSpec): Json {
  const p: Json = { name: input.name, in: input.in, required: input.in === "path" ? true : input.required };
  if (input.description) p.description = input.description;
  const { description: _d, ...schema } = inputProperty(input);
  p.schema = schema;
  if (input.type === "array" && input.in === "query") {
    p.style = "form";
    p.explode = false;
  }
  if (input.type === "object" && input.in === "query") {
    // What the server reads, and the form it is sent upstream in.
    p.style = "deepObject";
    p.explode = true;
  } else if (input.type === "object" && input.in !== "path") p.content = { "application/json": { schema: p.schema } };
  if (p.content) delete p.schema;
  return p;
}

function requestBody(inputs: InputSpec[], shared: SharedSchemas): Json {
  const whole = inputs.find((i) => i.wholeBody);
  let schema: Json;
  if (whole?.schema)
    schema = shared.hoist({
      ...whole.schema,
      ...(whole.description && !whole.schema.description ? { description: whole.description } : {}),
    });
  else if (whole) schema = { type: whole.type, ...(whole.description ? { description: whole.description } : {}) };
  else {
    schema = { type: "object", properties: {} };
    for (const i of inputs) {
      const members = bodyMembers(i);
      // A path beyond plain members (`$..id`, a filter) cannot be drawn as properties: the body stays open.
      if (!members) continue;
      if (!members.length) schema = { ...inputProperty(i), ...(i.type === "object" ? { properties: {} } : {}) };
      else placeMember(schema, members, inputProperty(i), i.required);
    }
  }
  return { required: inputs.some((i) => i.required), content: { "application/json": { schema } } };
}

/** Where a body input sits in the body: under its name, or at the members of a plain `value: $.a.b` (none for `$.`). */
function bodyMembers(input: InputSpec): string[] | undefined {
  if (!input.bodyPath) return [input.name];
  if (input.bodyPath === "$" || input.bodyPath === "$.") return [];
  const m = /^\$((?:\.[A-Za-z_$][\w$-]*)+)$/.exec(input.bodyPath);
  return m ? m[1].slice(1).split(".") : undefined;
}

function placeMember(schema: Json, members: string[], property: Json, required: boolean): void {
  let node = schema;
  for (const [i, name] of members.entries()) {
    const properties = (node.properties ??= {}) as Record<string, Json>;
    if (required) node.required = [...new Set([...((node.required as string[] | undefined) ?? []), name])];
    if (i === members.length - 1) properties[name] = property;
    else node = properties[name] ??= { type: "object", properties: {} };
  }
}

function errorResponse(description: string): Json {
  return { description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } };
}

function securityScheme(auth: Authentication | undefined): { name: string; scheme: Json; scopes?: string[] } | undefined {
  if (!auth) return undefined;
  switch (auth.type) {
    case "apikey":
      return { name: "apiKey", scheme: { type: "apiKey", in: auth.placement ?? "header", name: auth.key ?? "X-API-Key" } };
    case "bearer":
      return { name: "bearerAuth", scheme: { type: "http", scheme: "bearer" } };
    case "basic":
      return { name: "basicAuth", scheme: { type: "http", scheme: "basic" } };
    case "digest":
      return { name: "digestAuth", scheme: { type: "http", scheme: "digest" } };
    case "oauth2": {
      // The reference engine's export: the token endpoint, else the issuer (a client must then look
      // its token endpoint up in the issuer's metadata, which the description says).
      const scopes = auth.scopes ?? [];
      const audience = auth.audience ?? auth.resource;
      return {
        name: "oauth2",
        scheme: {
          type: "oauth2",
          description:
            `Bearer JWTs issued by ${auth.authorizationServerUri} for audience ${audience}` +
            (auth.tokenEndpoint ? "" : `; the token endpoint is the one named in the issuer's metadata (${auth.authorizationServerUri})`),
          flows: {
            clientCredentials: {
              tokenUrl: auth.tokenEndpoint ?? auth.authorizationServerUri,
              scopes: Object.fromEntries(scopes.map((s) => [s, "Required by every operation"])),
            },
          },
        },
        scopes,
      };
    }
  }
}

/**
 * Schemas taken from the upstream's OpenAPI document carry their shared parts under `$defs`, with
 * `#/$defs/X` references; in an OpenAPI document those live in `components.schemas`.
 */
class SharedSchemas {
  // The runtime's own Error schema comes first: an upstream schema of the same name is renamed.
  readonly schemas: Record<string, unknown> = { Error: ERROR_SCHEMA };

  hoist(schema: Json): Json {
    const defs = (schema.$defs ?? {}) as Record<string, unknown>;
    const renamed = new Map<string, string>();
    for (const [name, def] of Object.entries(defs)) {
      let target = name.replace(/[^A-Za-z0-9._-]/g, "_");
      for (let n = 2; target in this.schemas && JSON.stringify(this.schemas[target]) !== JSON.stringify(rewrite(def, renamed)); n++)
        target = `${name}_${n}`;
      renamed.set(name, target);
    }
    for (const [name, def] of Object.entries(defs)) this.schemas[renamed.get(name)!] = rewrite(def, renamed);
    const { $defs: _d, ...own } = schema;
    return rewrite(own, renamed) as Json;
  }
}

function rewrite(node: unknown, renamed: Map<string, string>): unknown {
  if (Array.isArray(node)) return node.map((n) => rewrite(n, renamed));
  if (!node || typeof node !== "object") return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === "$ref" && typeof v === "string" && v.startsWith("#/$defs/")) {
      const name = decodeURIComponent(v.slice("#/$defs/".length).replace(/~1/g, "/").replace(/~0/g, "~"));
      out[k] = `#/components/schemas/${renamed.get(name) ?? name}`;
    } else out[k] = rewrite(v, renamed);
  }
  return out;
}
