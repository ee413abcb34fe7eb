/**
 * Authorization server metadata (RFC 8414, and OpenID Connect Discovery 1.0): what an issuer
 * publishes about itself, here its keys (`jwks_uri`) and its token endpoint. A file names only the
 * issuer (`authorizationServerUri`); the rest is read from there.
 */

/** The fields this runtime reads; the document has many more. */
export interface AuthorizationServerMetadata {
  issuer: string;
  jwks_uri?: string;
  token_endpoint?: string;
}

/** Where metadata documents are too large to be metadata: a bound on what a misdirected URL can cost. */
const MAX_DOCUMENT = 1024 * 1024;

/**
 * The places an issuer's metadata may live, in the order tried: RFC 8414 inserts the well-known
 * segment before the issuer's path; OpenID Connect appends it; the reference engine (and Keycloak's
 * realms) append the RFC 8414 name too. Without a path the forms coincide.
 */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, "");
  const base = `${url.origin}`;
  return [
    ...new Set([
      `${base}/.well-known/oauth-authorization-server${path}`,
      `${base}${path}/.well-known/oauth-authorization-server`,
      `${base}/.well-known/openid-configuration${path}`,
      `${base}${path}/.well-known/openid-configuration`,
    ]),
  ];
}

/** Issuers compared as the reference engine does: a trailing slash is not a different issuer. */
export function sameIssuer(a: string, b: string): boolean {
  return a.replace(/\/+$/, "") === b.replace(/\/+$/, "");
}

/**
 * Reads the issuer's metadata from the first place that has it. The document must name the same
 * issuer (RFC 8414 section 3.3): one that names another is not trusted. Throws an Error naming every
 * place tried and what each answered.
 */
export async function discoverMetadata(issuer: string, timeoutMs: number): Promise<AuthorizationServerMetadata> {
  const tried: string[] = [];
  for (const url of metadataUrls(issuer)) {
    let doc: unknown;
    try {
      doc = await getJson(url, timeoutMs);
    } catch (e) {
      tried.push(`${url}: ${(e as Error).message}`);
      continue;
    }
    const meta = doc as Partial<AuthorizationServerMetadata> | null;
    if (!meta || typeof meta !== "object" || typeof meta.issuer !== "string") {
      tried.push(`${url}: not an authorization server metadata document (no "issuer")`);
      continue;
    }
    if (!sameIssuer(meta.issuer, issuer)) {
      throw new Error(`${url} describes issuer "${meta.issuer}", not "${issuer}"; its keys and endpoints are not trusted`);
    }
    return meta as AuthorizationServerMetadata;
  }
  throw new Error(`no authorization server metadata for ${issuer} (${tried.join("; ")})`);
}

/** GET a JSON document; an Error says what went wrong (status, timeout, connection) without the body. */
export async function getJson(url: string, timeoutMs: number): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    throw new Error(fetchFailure(e, timeoutMs));
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`HTTP ${res.status}`);
  }
  return readJson(res);
}

/** The body of a response as JSON, within {@link MAX_DOCUMENT}. */
export async function readJson(res: Response): Promise<unknown> {
  const length = Number(res.headers.get("content-length") ?? 0);
  if (length > MAX_DOCUMENT) {
    await res.body?.cancel();
    throw new Error(`the answer is ${length} bytes, more than a metadata or token document can be`);
  }
  const text = await res.text();
  if (text.length > MAX_DOCUMENT) throw new Error(`the answer is more than ${MAX_DOCUMENT} bytes`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`the answer is not JSON (content-type ${res.headers.get("content-type") ?? "none"})`);
  }
}

/** Why a fetch failed, in words: a timeout, or the network error under undici's "fetch failed". */
export function fetchFailure(e: unknown, timeoutMs: number): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err?.name === "TimeoutError" || err?.name === "AbortError") return `no answer within ${timeoutMs} ms`;
  const cause = err?.cause;
  return cause?.code ?? cause?.message ?? err?.message ?? String(e);
}
