/**
 * A real OAuth authorization server on loopback for tests: metadata (RFC 8414 or OpenID Connect
 * discovery), a JWKS with the public half of a key made here, a client-credentials token endpoint
 * that records every request, and `sign` to mint access tokens the way an issuer would (jose).
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from "jose";

export interface TokenRequest {
  headers: IncomingHttpHeaders;
  form: URLSearchParams;
}

export interface TokenReply {
  status?: number;
  body: unknown;
  delay?: number;
}

export interface AuthorizationServerOptions {
  /** Path of the issuer under the server (`/realms/test`, as Keycloak names them); default none. */
  issuerPath?: string;
  /** Which metadata document the server publishes: RFC 8414's, OpenID Connect's, or none. */
  metadata?: "oauth" | "oidc" | "none";
  /** Write the metadata's `issuer` as this instead (an impostor). */
  claimedIssuer?: string;
  /** Leave `token_endpoint` out of the metadata. */
  noTokenEndpoint?: boolean;
}

export interface AuthorizationServer {
  origin: string;
  issuer: string;
  tokenEndpoint: string;
  jwksUri: string;
  /** Token endpoint requests, in order. */
  tokenRequests: TokenRequest[];
  /** How many times each path was fetched. */
  hits: Map<string, number>;
  /** What the token endpoint answers; by default a fresh opaque token, one hour. */
  reply: (req: TokenRequest, n: number) => TokenReply;
  /** An access token signed with the published key (ES256, kid "k1") unless told otherwise. */
  sign(claims: JWTPayload, options?: { unpublished?: boolean; alg?: "HS256"; header?: Record<string, unknown> }): Promise<string>;
  stop(): Promise<void>;
}

export async function startAuthorizationServer(options: AuthorizationServerOptions = {}): Promise<AuthorizationServer> {
  const published = await generateKeyPair("ES256", { extractable: true });
  const unpublished = await generateKeyPair("ES256");
  const jwk: JWK = { ...(await exportJWK(published.publicKey)), kid: "k1", alg: "ES256", use: "sig" };
  const hits = new Map<string, number>();
  const path = options.issuerPath ?? "";
  let n = 0;
  const as: AuthorizationServer = {
    origin: "",
    issuer: "",
    tokenEndpoint: "",
    jwksUri: "",
    tokenRequests: [],
    hits,
    reply: () => ({ body: { access_token: `at-${n}-${Math.random().toString(36).slice(2)}`, token_type: "Bearer", expires_in: 3600 } }),
    async sign(claims, opts = {}) {
      const jwt = new SignJWT(claims).setProtectedHeader({ alg: opts.alg ?? "ES256", kid: "k1", ...opts.header });
      if (opts.alg === "HS256") return jwt.sign(new TextEncoder().encode("a-shared-secret-the-server-does-not-have!"));
      return jwt.sign((opts.unpublished ? unpublished.privateKey : published.privateKey) as CryptoKey);
    },
    stop: async () => {},
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", as.origin);
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    const metadata = {
      issuer: options.claimedIssuer ?? as.issuer,
      jwks_uri: as.jwksUri,
      ...(options.noTokenEndpoint ? {} : { token_endpoint: as.tokenEndpoint }),
      grant_types_supported: ["client_credentials"],
    };
    const kind = options.metadata ?? "oauth";
    if (req.method === "GET" && kind === "oauth" && url.pathname === `/.well-known/oauth-authorization-server${path}`)
      return json(200, metadata);
    if (req.method === "GET" && kind === "oidc" && url.pathname === `${path}/.well-known/openid-configuration`) return json(200, metadata);
    if (req.method === "GET" && url.pathname === `${path}/jwks`) return json(200, { keys: [jwk] });
    if (req.method === "POST" && url.pathname === `${path}/token`) {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const request = { headers: req.headers, form: new URLSearchParams(Buffer.concat(chunks).toString("utf8")) };
        as.tokenRequests.push(request);
        const r = as.reply(request, ++n);
        setTimeout(() => json(r.status ?? 200, r.body), r.delay ?? 0);
      });
      return;
    }
    json(404, { error: "not_found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  as.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  as.issuer = `${as.origin}${path}`;
  as.tokenEndpoint = `${as.issuer}/token`;
  as.jwksUri = `${as.issuer}/jwks`;
  as.stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return as;
}

/** Seconds since the epoch, `delta` from now: what `exp`, `nbf` and `iat` hold. */
export function epoch(delta = 0): number {
  return Math.floor(Date.now() / 1000) + delta;
}
