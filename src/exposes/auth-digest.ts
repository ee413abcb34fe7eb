/**
 * `digest` on an exposes block: HTTP Digest access authentication (RFC 7616), checked against the
 * block's `username` and `password`. The challenge offers SHA-256 and then MD5 (for older clients),
 * with `qop="auth"` and one nonce for both, so a client that merges the two headers still answers
 * one of them correctly.
 *
 * Nonces hold their issue time and an HMAC under a key made when the process starts: nothing is
 * stored per challenge, and a nonce this process did not issue, or one older than
 * {@link NONCE_LIFETIME_MS}, gets `stale=true` when the rest of the answer is right, so the client
 * retries with the new nonce without asking its user again (that is also what a client sees when a
 * load balancer sends it to another instance). Each nonce count is accepted once per nonce, so a
 * captured request cannot be replayed to the same instance.
 */
import { createHash, createHmac, randomBytes } from "node:crypto";
import type { Denial, ServerAuth } from "./server-auth.js";
import { digest, same } from "./constant-time.js";

const NONCE_LIFETIME_MS = 5 * 60_000;
const HASHES: Record<string, string> = { "SHA-256": "sha256", MD5: "md5" };
/** Nonce counts remembered for replay detection; older entries go first beyond this. */
const SEEN_KEPT = 10_000;

export function digestServer(username: string, password: string, name: string): ServerAuth {
  const realm = name.replace(/["\\]/g, "");
  const key = randomBytes(32);
  const sign = (payload: string) => createHmac("sha256", key).update(payload).digest("base64url").slice(0, 22);
  const issue = () => {
    const payload = `${Date.now().toString(36)}.${randomBytes(9).toString("base64url")}`;
    return `${payload}.${sign(payload)}`;
  };
  const fresh = (nonce: string): boolean => {
    const dot = nonce.lastIndexOf(".");
    if (dot < 0) return false;
    const payload = nonce.slice(0, dot);
    if (!same(nonce.slice(dot + 1), digest(sign(payload)))) return false;
    const issued = parseInt(payload.slice(0, payload.indexOf(".")), 36);
    return Number.isFinite(issued) && Date.now() - issued < NONCE_LIFETIME_MS;
  };
  const challenge = (stale: boolean): string[] => {
    const nonce = issue();
    return ["SHA-256", "MD5"].map(
      (algorithm) =>
        `Digest realm="${realm}", qop="auth", algorithm=${algorithm}, nonce="${nonce}", charset=UTF-8${stale ? ", stale=true" : ""}`,
    );
  };
  const deny = (message: string): Denial => ({ status: 401, challenge: challenge(false), message });

  const seen = new Map<string, number>();
  const firstUse = (nonce: string, nc: string): boolean => {
    const k = `${nonce}:${nc.toLowerCase()}`;
    if (seen.has(k)) return false;
    if (seen.size >= SEEN_KEPT) {
      const now = Date.now();
      for (const [old, until] of seen) if (until < now) seen.delete(old);
      if (seen.size >= SEEN_KEPT) seen.delete(seen.keys().next().value!);
    }
    seen.set(k, Date.now() + NONCE_LIFETIME_MS);
    return true;
  };

  return {
    type: "digest",
    check(req) {
      const header = req.header("authorization");
      if (!header || !/^\s*Digest\s/i.test(header)) return deny("digest credentials are required (Authorization: Digest …)");
      const p = parseParams(header.replace(/^\s*Digest\s+/i, ""));
      const algorithm = (p.algorithm ?? "MD5").toUpperCase();
      const hashName = HASHES[algorithm];
      if (!hashName) return deny(`algorithm ${p.algorithm} is not offered (SHA-256 or MD5)`);
      if (p.qop !== "auth") return deny('the digest answer must use qop="auth"');
      if (!p.nonce || !p.uri || !p.response || !p.cnonce || !/^[0-9a-fA-F]{8}$/.test(p.nc ?? "")) {
        return deny("the digest credentials are incomplete (nonce, uri, response, cnonce and nc are required)");
      }
      if (p.realm !== realm) return deny(`the digest credentials are for realm "${p.realm ?? ""}", not "${realm}"`);
      if (!sameTarget(p.uri, req.url)) return deny("the digest uri is not this request's target");
      const h = (s: string) => createHash(hashName).update(s, "utf8").digest("hex");
      const given = p["username*"] !== undefined ? extValue(p["username*"]) : p.username;
      if (given === undefined) return deny("the digest credentials name no user");
      // Both halves are always computed and compared, so a wrong user name takes as long as a wrong password.
      const okUser = same(given, digest(p.userhash === "true" ? h(`${username}:${realm}`) : username));
      const ha1 = h(`${username}:${realm}:${password}`);
      const ha2 = h(`${req.method}:${p.uri}`);
      const okResponse = same(p.response.toLowerCase(), digest(h(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:auth:${ha2}`)));
      if (!(okUser && okResponse)) return deny("the credentials are not valid");
      if (!fresh(p.nonce)) return { status: 401, challenge: challenge(true), message: "the nonce has expired; answer the new challenge" };
      if (!firstUse(p.nonce, p.nc!)) return deny("these digest credentials were already used (nonce count replayed)");
      return undefined;
    },
  };
}

/** `name=value` and `name="quoted \" value"` pairs of an auth-param list; names lower-cased. */
function parseParams(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/([A-Za-z0-9_*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    out[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3];
  }
  return out;
}

/** An RFC 8187 ext-value (`UTF-8''J%C3%A4s%C3%B8n`), as `username*` carries a name that is not ASCII. */
function extValue(value: string): string | undefined {
  const m = /^UTF-8'[^']*'(.*)$/i.exec(value);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return undefined;
  }
}

/** The digest `uri` names the request's own target (as sent, or as an absolute URL). */
function sameTarget(uri: string, href: string): boolean {
  try {
    const request = new URL(href);
    const given = new URL(uri, request.origin);
    return given.pathname === request.pathname && given.search === request.search;
  } catch {
    return false;
  }
}
