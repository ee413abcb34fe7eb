/**
 * `oauth2` on an exposes block: an OAuth 2.1 resource server. A request carries
 * `Authorization: Bearer <JWT>`; the token's signature is checked against the issuer's published
 * keys (found through its metadata, RFC 8414), then `exp`/`nbf`, the issuer, the audience
 * (`audience`, else `resource`) and every scope in `scopes`. Answers follow RFC 6750: 401
 * `invalid_token` for a missing or bad token, 403 `insufficient_scope` naming the scopes needed.
 * An MCP block also serves its Protected Resource Metadata (RFC 9728) and names it in every
 * challenge, as the MCP authorization specification asks.
 */
import type { JWTPayload, JWTVerifyGetKey } from "jose";
import { discoverMetadata } from "../oauth2/metadata.js";
import type { Denial, ServerAuth } from "./server-auth.js";

export interface ResourceServerConfig {
  /** The issuer (`authorizationServerUri`). */
  issuer: string;
  /** This server's canonical URI (`resource`). */
  resource: string;
  /** The `aud` a token must carry. */
  audience: string;
  /** Every one of these must be granted by the token. */
  scopes: string[];
}

export interface ResourceServerOptions {
  realm: string;
  /** Serve RFC 9728 metadata and point to it from challenges (MCP blocks). */
  protectedResourceMetadata: boolean;
}

/** Asymmetric signatures only: a resource server holds no shared secret with the issuer. */
const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"];
/** Clocks of issuer and server differ a little; a token is not refused for seconds of skew. */
const CLOCK_SKEW_S = 30;
const FETCH_TIMEOUT_MS = 5_000;
/** After the issuer could not be reached, requests are refused this long before it is tried again. */
const RETRY_AFTER_S = 5;
/** A verified token is trusted again without verification for at most this long (and never past `exp`). */
const ACCEPTED_FOR_MS = 60_000;
const ACCEPTED_KEPT = 1024;
const WELL_KNOWN = "/.well-known/oauth-protected-resource";

// Loaded with the first token to check: importing jose takes tens of milliseconds, which every
// start of a server without oauth2 would otherwise pay.
let joseModule: Promise<typeof import("jose")> | undefined;
const jose = () => (joseModule ??= import("jose"));

export function oauth2ResourceServer(config: ResourceServerConfig, options: ResourceServerOptions): ServerAuth {
  const { issuer, audience, scopes } = config;
  const metadata = options.protectedResourceMetadata ? protectedResourceMetadata(config) : undefined;
  const params = [`realm="${quoted(options.realm)}"`];
  if (scopes.length) params.push(`scope="${quoted(scopes.join(" "))}"`);
  if (metadata) params.push(`resource_metadata="${quoted(metadata.url)}"`);
  const challenge = (error?: string, description?: string) =>
    `Bearer ${[
      params[0],
      ...(error ? [`error="${error}"`, `error_description="${quoted(description ?? "")}"`] : []),
      ...params.slice(1),
    ].join(", ")}`;
  const invalid = (message: string): Denial => ({ status: 401, challenge: challenge("invalid_token", message), message });

  let keys: Promise<JWTVerifyGetKey> | undefined;
  let failure: { at: number; message: string } | undefined;
  let loggedAt = 0;
  const unavailable = (reason: string): Denial => {
    if (Date.now() - loggedAt > 30_000) {
      loggedAt = Date.now();
      console.error(`naftiko: exposes ${options.realm}: cannot check bearer tokens: ${reason}`);
    }
    return {
      status: 503,
      message: `bearer tokens cannot be checked now: ${reason}`,
      retryAfter: RETRY_AFTER_S,
    };
  };
  const jwks = (): Promise<JWTVerifyGetKey> => {
    if (failure && Date.now() - failure.at < RETRY_AFTER_S * 1000) return Promise.reject(new Error(failure.message));
    keys ??= Promise.all([discoverMetadata(issuer, FETCH_TIMEOUT_MS), jose()]).then(
      ([meta, { createRemoteJWKSet }]) => {
        if (typeof meta.jwks_uri !== "string") throw new Error(`the metadata of ${issuer} has no jwks_uri`);
        failure = undefined;
        return createRemoteJWKSet(new URL(meta.jwks_uri), { timeoutDuration: FETCH_TIMEOUT_MS, cooldownDuration: 30_000 });
      },
      (e: unknown) => {
        keys = undefined;
        failure = { at: Date.now(), message: (e as Error).message };
        throw e;
      },
    );
    return keys;
  };

  const accepted = new Map<string, number>();
  const inFlight = new Map<string, Promise<Denial | undefined>>();
  const remember = (token: string, payload: JWTPayload) => {
    if (accepted.size >= ACCEPTED_KEPT) accepted.delete(accepted.keys().next().value!);
    accepted.set(token, Math.min(Date.now() + ACCEPTED_FOR_MS, (payload.exp ?? 0) * 1000));
  };
  const issuers = [...new Set([issuer, issuer.replace(/\/+$/, ""), `${issuer.replace(/\/+$/, "")}/`])];

  const verify = async (token: string): Promise<Denial | undefined> => {
    let getKey: JWTVerifyGetKey;
    try {
      getKey = await jwks();
    } catch (e) {
      return unavailable((e as Error).message);
    }
    const { jwtVerify } = await jose();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, getKey, {
        issuer: issuers,
        audience,
        algorithms: ALGORITHMS,
        requiredClaims: ["exp"],
        clockTolerance: CLOCK_SKEW_S,
      }));
    } catch (e) {
      const problem = tokenProblem(e, issuer, audience);
      return problem === undefined ? unavailable(`the keys of ${issuer} could not be read (${(e as Error).message})`) : invalid(problem);
    }
    const granted = grantedScopes(payload);
    const missing = scopes.filter((s) => !granted.has(s));
    if (missing.length) {
      const message = `the token lacks the scope${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`;
      return { status: 403, challenge: challenge("insufficient_scope", message), message };
    }
    remember(token, payload);
    return undefined;
  };

  return {
    type: "oauth2",
    documents: metadata ? { [metadata.path]: metadata.document } : undefined,
    check(req) {
      const token = bearerToken(req.header("authorization"));
      if (token === undefined)
        return { status: 401, challenge: challenge(), message: "a bearer token is required (Authorization: Bearer <token>)" };
      if (token === null) return invalid("the Authorization header does not hold a bearer token (RFC 6750 syntax)");
      const until = accepted.get(token);
      if (until !== undefined) {
        if (Date.now() < until) return undefined;
        accepted.delete(token);
      }
      // Callers presenting the same token at once share one verification.
      let pending = inFlight.get(token);
      if (!pending) {
        pending = verify(token)
          .catch((e: unknown) => unavailable((e as Error).message))
          .finally(() => inFlight.delete(token));
        inFlight.set(token, pending);
      }
      return pending;
    },
  };
}

/** The token; `undefined` without any bearer credentials, `null` for a Bearer header that holds no valid token. */
function bearerToken(header: string | undefined): string | null | undefined {
  if (!header || !/^\s*Bearer(\s|$)/i.test(header)) return undefined;
  const m = /^\s*Bearer\s+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header);
  return m ? m[1] : null;
}

/** What is wrong with the token itself, in words; `undefined` when the fault is not the token's (keys unreachable). */
function tokenProblem(e: unknown, issuer: string, audience: string): string | undefined {
  const err = e as { code?: string; claim?: string; reason?: string; message?: string };
  switch (err?.code) {
    case "ERR_JWT_EXPIRED":
      return "the token has expired";
    case "ERR_JWT_CLAIM_VALIDATION_FAILED":
      if (err.claim === "iss") return `the token was not issued by ${issuer}`;
      if (err.claim === "aud") return `the token is not meant for ${audience} (aud)`;
      if (err.claim === "nbf") return "the token is not valid yet (nbf)";
      if (err.claim === "exp") return "the token has no expiry (exp)";
      if (err.claim === "iat") return "the token's issue time (iat) is not valid";
      return `the token's ${err.claim ?? "claims"} claim is not valid`;
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return "the token's signature does not verify against the authorization server's keys";
    case "ERR_JWKS_NO_MATCHING_KEY":
    case "ERR_JWKS_MULTIPLE_MATCHING_KEYS":
      return "no key of the authorization server matches the token";
    case "ERR_JOSE_ALG_NOT_ALLOWED":
      return "the token's signature algorithm is not accepted (asymmetric algorithms only)";
    case "ERR_JWS_INVALID":
    case "ERR_JWT_INVALID":
    case "ERR_JOSE_NOT_SUPPORTED":
      return "the token is not a valid signed JWT";
    default:
      return undefined;
  }
}

/** Scopes a token grants: `scope` (RFC 9068, space-separated) or `scp` (a list, as some issuers write it). */
function grantedScopes(payload: JWTPayload): Set<string> {
  const out = new Set<string>();
  for (const claim of [payload.scope, payload.scp]) {
    if (typeof claim === "string") for (const s of claim.split(/\s+/).filter(Boolean)) out.add(s);
    else if (Array.isArray(claim)) for (const s of claim) if (typeof s === "string") out.add(s);
  }
  return out;
}

/** RFC 9728: at the well-known path formed from the resource's own path, on this server. */
function protectedResourceMetadata(config: ResourceServerConfig): { path: string; url: string; document: Record<string, unknown> } {
  const resource = new URL(config.resource);
  const own = resource.pathname.replace(/\/+$/, "");
  const path = `${WELL_KNOWN}${own}`;
  return {
    path,
    url: `${resource.origin}${path}`,
    document: {
      resource: config.resource,
      authorization_servers: [config.issuer],
      ...(config.scopes.length ? { scopes_supported: config.scopes } : {}),
      bearer_methods_supported: ["header"],
    },
  };
}

/** A value inside a quoted challenge parameter: RFC 6750 allows no `"` or `\` there, nor control characters. */
function quoted(value: string): string {
  return value.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, " ");
}
