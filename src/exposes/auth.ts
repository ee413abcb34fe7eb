/**
 * Server authentication on an exposes block (REST, MCP, skill): `bearer`, `apikey` (header or query)
 * and `basic`, with credentials as templates over the binds (`{{MCP_SERVER_TOKEN}}`). A request
 * without the right credentials gets 401 with a `WWW-Authenticate` challenge and never reaches an
 * upstream. Comparisons are constant-time (`crypto.timingSafeEqual` over SHA-256 digests, so the
 * length of the secret does not leak either).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { compileTemplate, type Lookup } from "../mapping/template.js";
import type { Authentication } from "../spec/model.js";

/** What a check needs from a request, whatever the HTTP stack. */
export interface AuthRequest {
  header(name: string): string | undefined;
  /** The request URL (for `apikey` in the query). */
  url: string;
}

export interface Denial {
  status: 401;
  /** The `WWW-Authenticate` value. */
  challenge: string;
  message: string;
}

export interface ServerAuth {
  readonly type: "bearer" | "apikey" | "basic";
  /** `undefined` when the request may pass. */
  check(req: AuthRequest): Denial | undefined;
}

/**
 * Compiles a block's `authentication`; `undefined` when the block has none. Throws, so the block
 * does not start, for a type this runtime cannot check on incoming requests or an empty secret
 * (which would let anyone in).
 */
export function compileServerAuth(auth: Authentication | undefined, binds: Lookup, namespace: string): ServerAuth | undefined {
  if (!auth) return undefined;
  const render = (t: string | undefined) => (t === undefined ? "" : compileTemplate(t).renderText(binds));
  const realm = namespace.replace(/["\\]/g, "");
  const need = (value: string, what: string) => {
    if (value === "") throw new Error(`exposes "${namespace}": authentication ${what} is empty; refusing to start an open server`);
    return digest(value);
  };
  switch (auth.type) {
    case "bearer": {
      const expected = need(render(auth.token), "token");
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
      const expected = need(render(auth.value), "value");
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
      const user = need(render(auth.username), "username");
      const password = need(render(auth.password), "password");
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
    default:
      throw new Error(
        `exposes "${namespace}": ${auth.type} authentication of incoming requests is not supported by this runtime (use bearer, apikey or basic)`,
      );
  }
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

function same(given: string, expected: Buffer): boolean {
  return timingSafeEqual(digest(given), expected);
}

function queryValue(url: string, key: string): string | undefined {
  const q = url.indexOf("?");
  if (q < 0) return undefined;
  return new URLSearchParams(url.slice(q + 1)).get(key) ?? undefined;
}

/** The 401 answer: JSON body (or the one given, e.g. a JSON-RPC error) and the challenge. */
export function denialResponse(denial: Denial, body: unknown = { error: "unauthorized", message: denial.message }): Response {
  return new Response(JSON.stringify(body), {
    status: denial.status,
    headers: { "content-type": "application/json", "www-authenticate": denial.challenge },
  });
}

/** Hono middleware guarding every route of an app. */
export function requireAuth(auth: ServerAuth | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (auth) {
      const denial = auth.check({ header: (n) => c.req.header(n), url: c.req.url });
      if (denial) return denialResponse(denial);
    }
    await next();
  };
}
