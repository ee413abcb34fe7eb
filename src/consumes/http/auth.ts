import { createHash, randomBytes } from "node:crypto";
import type { Authentication, AuthOAuth2 } from "../../spec/model.js";
import { compileTemplate, type Lookup } from "../../mapping/template.js";
import { clientCredentials, type TokenSource } from "./oauth2-client.js";

/** What authentication adds to a request; computed once at start, since binds do not change. */
export interface AuthApplier {
  headers: Record<string, string>;
  query: Array<[string, string]>;
  digest?: DigestCredentials;
  /** `oauth2`: where the bearer token of each request comes from. */
  oauth2?: TokenSource;
}

export interface DigestCredentials {
  username: string;
  password: string;
}

export function compileAuth(auth: Authentication | undefined, binds: Lookup): AuthApplier {
  const out: AuthApplier = { headers: {}, query: [] };
  if (!auth) return out;
  const text = (t: string | undefined) => (t === undefined ? "" : compileTemplate(t).renderText(binds));
  switch (auth.type) {
    case "apikey": {
      const key = auth.key ?? "X-API-Key";
      if ((auth.placement ?? "header") === "query") out.query.push([key, text(auth.value)]);
      else out.headers[key.toLowerCase()] = text(auth.value);
      break;
    }
    case "bearer":
      out.headers.authorization = `Bearer ${text(auth.token)}`;
      break;
    case "basic":
      out.headers.authorization = `Basic ${Buffer.from(`${text(auth.username)}:${text(auth.password)}`).toString("base64")}`;
      break;
    case "digest":
      out.digest = { username: text(auth.username), password: text(auth.password) };
      break;
    case "oauth2":
      out.oauth2 = tokenSource(auth, binds, text);
      break;
  }
  return out;
}

/** One token source per consumes block and binds: every operation of the block shares its token. */
const sources = new WeakMap<AuthOAuth2, WeakMap<Lookup, TokenSource>>();

function tokenSource(auth: AuthOAuth2, binds: Lookup, text: (t: string | undefined) => string): TokenSource {
  let byBinds = sources.get(auth);
  if (!byBinds) sources.set(auth, (byBinds = new WeakMap()));
  let source = byBinds.get(binds);
  if (!source) {
    const scope = (auth.scopes ?? [])
      .map(text)
      .filter((s) => s !== "")
      .join(" ");
    source = clientCredentials({
      issuer: text(auth.authorizationServerUri),
      tokenEndpoint: auth.tokenEndpoint === undefined ? undefined : text(auth.tokenEndpoint),
      clientId: text(auth.clientId),
      clientSecret: text(auth.clientSecret),
      method: auth.tokenEndpointAuthMethod ?? "client_secret_basic",
      scope: scope || undefined,
      resource: text(auth.resource) || undefined,
      audience: auth.audience === undefined ? undefined : text(auth.audience) || undefined,
    });
    byBinds.set(binds, source);
  }
  return source;
}

/**
 * Answers an RFC 7616 Digest challenge (`WWW-Authenticate: Digest …`) for one request.
 * Supports MD5, MD5-sess, SHA-256 and SHA-256-sess with `qop=auth` or no qop.
 */
export function digestAuthorization(challenge: string, creds: DigestCredentials, method: string, uri: string, nc = 1): string | undefined {
  const m = /^\s*Digest\s+(.*)$/i.exec(challenge);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of m[1].matchAll(/([a-zA-Z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[p[1].toLowerCase()] = (p[2] ?? p[3] ?? "").replace(/\\(.)/g, "$1");
  }
  const algorithm = (params.algorithm ?? "MD5").toUpperCase();
  const hashName = algorithm.startsWith("SHA-256") ? "sha256" : algorithm.startsWith("MD5") ? "md5" : undefined;
  if (!hashName || !params.nonce) return undefined;
  const h = (s: string) => createHash(hashName).update(s).digest("hex");
  const qops = (params.qop ?? "").split(",").map((s) => s.trim());
  const qop = qops.includes("auth") ? "auth" : undefined;
  const cnonce = randomBytes(8).toString("hex");
  const ncText = nc.toString(16).padStart(8, "0");
  let ha1 = h(`${creds.username}:${params.realm ?? ""}:${creds.password}`);
  if (algorithm.endsWith("-SESS")) ha1 = h(`${ha1}:${params.nonce}:${cnonce}`);
  const ha2 = h(`${method}:${uri}`);
  const response = qop ? h(`${ha1}:${params.nonce}:${ncText}:${cnonce}:${qop}:${ha2}`) : h(`${ha1}:${params.nonce}:${ha2}`);
  const fields = [
    `username="${creds.username.replace(/"/g, '\\"')}"`,
    `realm="${params.realm ?? ""}"`,
    `nonce="${params.nonce}"`,
    `uri="${uri}"`,
    `algorithm=${algorithm}`,
    `response="${response}"`,
  ];
  if (params.opaque !== undefined) fields.push(`opaque="${params.opaque}"`);
  if (qop) fields.push(`qop=${qop}`, `nc=${ncText}`, `cnonce="${cnonce}"`);
  return `Digest ${fields.join(", ")}`;
}
