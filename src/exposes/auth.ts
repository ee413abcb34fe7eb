/**
 * Server authentication on an exposes block (REST, MCP, skill, control): `bearer`, `apikey` (header
 * or query) and `basic` against credentials templated over the binds (`{{MCP_SERVER_TOKEN}}`),
 * `digest` (RFC 7616, see auth-digest.ts) and `oauth2` (a resource server checking JWTs, see
 * auth-oauth2.ts). A request without the right credentials gets 401 with a `WWW-Authenticate`
 * challenge (403 when an OAuth token lacks a scope) and never reaches an upstream. Comparisons of
 * secrets are constant-time (constant-time.ts).
 */
import type { MiddlewareHandler } from "hono";
import { compileTemplate, type Lookup } from "../mapping/template.js";
import type { Authentication } from "../spec/model.js";
import { digestServer } from "./auth-digest.js";
import { oauth2ResourceServer } from "./auth-oauth2.js";
import { digest, same } from "./constant-time.js";
import type { Denial, ServerAuth } from "./server-auth.js";

export type { AuthRequest, Denial, ServerAuth } from "./server-auth.js";

export interface ServerAuthOptions {
  /** The block is an MCP server: OAuth adds Protected Resource Metadata (MCP authorization). */
  mcp?: boolean;
}

/**
 * Compiles a block's `authentication`; `undefined` when the block has none. Throws, so the block
 * does not start, for an empty secret (which would let anyone in) or a setting it cannot honour.
 */
export function compileServerAuth(
  auth: Authentication | undefined,
  binds: Lookup,
  namespace: string,
  options: ServerAuthOptions = {},
): ServerAuth | undefined {
  if (!auth) return undefined;
  const render = (t: string | undefined) => (t === undefined ? "" : compileTemplate(t).renderText(binds));
  const realm = namespace.replace(/["\\]/g, "");
  const need = (value: string, what: string) => {
    if (value === "") throw new Error(`exposes "${namespace}": authentication ${what} is empty; refusing to start an open server`);
    return value;
  };
  switch (auth.type) {
    case "bearer": {
      const expected = digest(need(render(auth.token), "token"));
      const challenge = `Bearer realm="${realm}"`;
      return {
        type: "bearer",
        check(req) {
          const m = /^\s*Bearer\s+(.+?)\s*$/i.exec(req.header("authorization") ?? "");
          if (!m) return { status: 401, challenge, message: "a bearer token is required (Authorization: Bearer <token>)" };
          return same(m[1], expected)
            ? undefined
            : { status: 401, challenge: `${challenge}, error="invalid_token"`, message: "the bearer token is not valid" };
        },
      };
    }
    case "apikey": {
      const key = auth.key ?? "X-API-Key";
      const placement = auth.placement ?? "header";
      const expected = digest(need(render(auth.value), "value"));
      const challenge = `ApiKey realm="${realm}", ${placement}="${key.replace(/["\\]/g, "")}"`;
      return {
        type: "apikey",
        check(req) {
          const given = placement === "query" ? queryValue(req.url, key) : req.header(key);
          if (given === undefined) return { status: 401, challenge, message: `an API key is required (${placement} ${key})` };
          return same(given, expected) ? undefined : { status: 401, challenge, message: "the API key is not valid" };
        },
      };
    }
    case "basic": {
      const user = digest(need(render(auth.username), "username"));
      const password = digest(need(render(auth.password), "password"));
      const challenge = `Basic realm="${realm}", charset="UTF-8"`;
      return {
        type: "basic",
        check(req) {
          const m = /^\s*Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.header("authorization") ?? "");
          if (!m) return { status: 401, challenge, message: "basic credentials are required (Authorization: Basic …)" };
          const decoded = Buffer.from(m[1], "base64").toString("utf8");
          const colon = decoded.indexOf(":");
          // Both halves are always compared, so a wrong user name takes as long as a wrong password.
          const okUser = same(colon < 0 ? decoded : decoded.slice(0, colon), user);
          const okPassword = same(colon < 0 ? "" : decoded.slice(colon + 1), password);
          return okUser && okPassword ? undefined : { status: 401, challenge, message: "the credentials are not valid" };
        },
      };
    }
    case "digest":
      return digestServer(need(render(auth.username), "username"), need(render(auth.password), "password"), namespace);
    case "oauth2": {
      if ((auth.tokenValidation ?? "jwks") !== "jwks") {
        throw new Error(`exposes "${namespace}": tokenValidation ${auth.tokenValidation} is not supported (use jwks)`);
      }
      const resource = need(render(auth.resource), "resource");
      return oauth2ResourceServer(
        {
          issuer: need(render(auth.authorizationServerUri), "authorizationServerUri"),
          resource,
          audience: auth.audience === undefined ? resource : need(render(auth.audience), "audience"),
          scopes: (auth.scopes ?? []).map(render).filter((s) => s !== ""),
        },
        { realm, protectedResourceMetadata: options.mcp === true },
      );
    }
  }
}

function queryValue(url: string, key: string): string | undefined {
  const q = url.indexOf("?");
  if (q < 0) return undefined;
  return new URLSearchParams(url.slice(q + 1)).get(key) ?? undefined;
}

/** The headers of a refusal: its challenges and, for a 503, when to try again. */
export function denialHeaders(denial: Denial): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  if (denial.challenge !== undefined) headers["www-authenticate"] = denial.challenge;
  if (denial.retryAfter !== undefined) headers["retry-after"] = String(denial.retryAfter);
  return headers;
}

/** The JSON body of a refusal. */
export function denialBody(denial: Denial): { error: string; message: string } {
  const error = denial.status === 403 ? "forbidden" : denial.status === 503 ? "unavailable" : "unauthorized";
  return { error, message: denial.message };
}

/** The refusal as a JSON-RPC error (MCP), with the code the MCP SDKs use for authorization failures. */
export function jsonRpcDenial(denial: Denial): unknown {
  const label = denial.status === 403 ? "Forbidden" : denial.status === 503 ? "Unavailable" : "Unauthorized";
  return { jsonrpc: "2.0", error: { code: -32001, message: `${label}: ${denial.message}` }, id: null };
}

/** The refusal as a Fetch response: JSON body (or the one given, e.g. a JSON-RPC error) and the challenge. */
export function denialResponse(denial: Denial, body: unknown = denialBody(denial)): Response {
  const headers = new Headers({ "content-type": "application/json" });
  for (const [name, value] of Object.entries(denialHeaders(denial))) {
    for (const v of [value].flat()) headers.append(name, v);
  }
  return new Response(JSON.stringify(body), { status: denial.status, headers });
}

/** Hono middleware guarding every route of an app; the block's public documents are served first. */
export function requireAuth(auth: ServerAuth | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (auth) {
      const document = c.req.method === "GET" ? auth.documents?.[c.req.path] : undefined;
      if (document !== undefined) return c.json(document);
      const denial = await auth.check({ header: (n) => c.req.header(n), url: c.req.url, method: c.req.method });
      if (denial) return denialResponse(denial);
    }
    await next();
  };
}
