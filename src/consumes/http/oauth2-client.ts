/**
 * `oauth2` on a consumes block: the runtime is an OAuth client of the upstream's authorization
 * server, with the client credentials grant (RFC 6749 section 4.4). The token endpoint is
 * `tokenEndpoint`, else the one the issuer's metadata names (RFC 8414). The request carries `scope`
 * (the `scopes`, space-separated), `resource` (RFC 8707) and `audience` when given, and
 * authenticates the client with HTTP Basic or in the form body (`tokenEndpointAuthMethod`).
 *
 * One token per consumes block, kept until shortly before `expires_in` runs out; callers that need
 * a new one at the same moment share one request to the token endpoint. Tokens are scrubbed from
 * everything the runtime writes (secrets.ts), and errors name the endpoint, never a credential.
 */
import { UpstreamError } from "../../errors.js";
import { discoverMetadata, fetchFailure, readJson } from "../../oauth2/metadata.js";
import { forgetIssued, rememberIssued } from "../../secrets.js";

export interface ClientCredentialsConfig {
  issuer: string;
  tokenEndpoint?: string;
  clientId: string;
  clientSecret: string;
  method: "client_secret_basic" | "client_secret_post";
  scope?: string;
  resource?: string;
  audience?: string;
}

export interface TokenSource {
  /** The token held while it is still good for a while; `undefined` when one must be fetched. */
  current(): string | undefined;
  /** A token good now: the one held, or a new one. */
  token(): Promise<string>;
  /** A new token after the upstream refused `refused`; callers refused with the same token share one fetch. */
  renew(refused: string): Promise<string>;
}

const TIMEOUT_MS = 10_000;
/** A token is replaced this long before it expires (half its lifetime for short-lived ones). */
const RENEW_EARLY_MS = 60_000;

export function clientCredentials(config: ClientCredentialsConfig): TokenSource {
  let held: { token: string; renewAt: number; forms: string[] } | undefined;
  /** The token before `held`: calls sent with it may still be answered, echoing it. */
  let previousForms: string[] = [];
  let pending: Promise<string> | undefined;
  let endpoint = config.tokenEndpoint;
  const basic = `Basic ${Buffer.from(`${formEncoded(config.clientId)}:${formEncoded(config.clientSecret)}`).toString("base64")}`;
  // A secret written in the file itself, not bound, is known to no Redactor: scrubbed as issued ones are.
  rememberIssued(config.clientSecret);
  rememberIssued(basic.slice("Basic ".length));

  const findEndpoint = async (): Promise<string> => {
    let meta;
    try {
      meta = await discoverMetadata(config.issuer, TIMEOUT_MS);
    } catch (e) {
      throw new UpstreamError("unreachable", `the token endpoint of ${config.issuer} could not be found: ${(e as Error).message}`);
    }
    if (typeof meta.token_endpoint !== "string") {
      throw new UpstreamError("bad_response", `the metadata of ${config.issuer} names no token_endpoint`);
    }
    return meta.token_endpoint;
  };

  const request = async (): Promise<string> => {
    const url = (endpoint ??= await findEndpoint());
    const form = new URLSearchParams({ grant_type: "client_credentials" });
    if (config.scope) form.set("scope", config.scope);
    if (config.resource) form.set("resource", config.resource);
    if (config.audience) form.set("audience", config.audience);
    const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", accept: "application/json" };
    if (config.method === "client_secret_post") {
      form.set("client_id", config.clientId);
      form.set("client_secret", config.clientSecret);
    } else {
      // RFC 6749 section 2.3.1: each half form-encoded before the Basic encoding.
      headers.authorization = basic;
    }
    let res: Response;
    try {
      // No redirects: the client's credentials go to the endpoint named, nowhere else.
      res = await fetch(url, {
        method: "POST",
        headers,
        body: form.toString(),
        redirect: "error",
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (e) {
      const why = fetchFailure(e, TIMEOUT_MS);
      throw new UpstreamError(
        why.startsWith("no answer") ? "timeout" : "unreachable",
        `the token endpoint ${url} could not be reached (${why})`,
      );
    }
    let body: unknown;
    try {
      body = await readJson(res);
    } catch (e) {
      throw new UpstreamError("bad_response", `the token endpoint ${url} answered ${res.status}, not a token (${(e as Error).message})`);
    }
    const answer = (body ?? {}) as Record<string, unknown>;
    if (!res.ok) {
      const code = typeof answer.error === "string" ? ` ${answer.error}` : "";
      const description = typeof answer.error_description === "string" ? `: ${answer.error_description}` : "";
      throw new UpstreamError(
        "bad_response",
        `the token endpoint ${url} refused the client credentials (${res.status}${code}${description})`,
      );
    }
    const token = answer.access_token;
    if (typeof token !== "string" || token === "") {
      throw new UpstreamError("bad_response", `the token endpoint ${url} answered ${res.status} without an access_token`);
    }
    if (typeof answer.token_type !== "string" || answer.token_type.toLowerCase() !== "bearer") {
      throw new UpstreamError(
        "bad_response",
        `the token endpoint ${url} issued a ${String(answer.token_type)} token; only Bearer tokens can be sent`,
      );
    }
    const lifetime = Number(answer.expires_in) * 1000;
    const now = Date.now();
    forgetIssued(previousForms);
    previousForms = held?.forms ?? [];
    held = {
      token,
      // Without expires_in the token is used until the upstream refuses it.
      renewAt: Number.isFinite(lifetime) && lifetime > 0 ? now + lifetime - Math.min(RENEW_EARLY_MS, lifetime / 2) : Infinity,
      forms: rememberIssued(token),
    };
    return token;
  };

  const fetchToken = (): Promise<string> =>
    (pending ??= request().finally(() => {
      pending = undefined;
    }));

  return {
    current: () => (held && Date.now() < held.renewAt ? held.token : undefined),
    token() {
      const token = this.current();
      return token === undefined ? fetchToken() : Promise.resolve(token);
    },
    renew(refused) {
      if (held && held.token !== refused) return Promise.resolve(held.token);
      if (held) held.renewAt = 0;
      return fetchToken();
    },
  };
}

/** `application/x-www-form-urlencoded`, as RFC 6749 appendix B asks for client credentials. */
function formEncoded(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}
