/**
 * `oauth2` on a consumes block, through the real CLI: tokens from a real token endpoint (client
 * credentials), sent upstream as `Authorization: Bearer`, kept until shortly before they expire,
 * fetched once for concurrent callers, renewed once when the upstream refuses one, and failures that
 * name the token endpoint but never a credential.
 */
import { createServer } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAuthorizationServer, type AuthorizationServer } from "../support/authorization-server.js";
import { spawnServe, type ServeProcess } from "../support/cli.js";
import { writeTree } from "../support/temp.js";
import { startRecordingUpstream, type Recorded, type RecordingUpstream } from "../support/recording-upstream.js";

const ENV = { CLIENT_ID: "runtime client", CLIENT_SECRET: "s3cr3t:with/sp ce+&=" };
const LITERAL_SECRET = "written-in-the-file-7c2e";
const BLOCKS = ["plain", "crowd", "short", "revoked", "refused", "broken", "nowhere", "post", "echo"] as const;
type Block = (typeof BLOCKS)[number];

const servers = {} as Record<Block, AuthorizationServer>;
let upstream: RecordingUpstream;
let proc: ServeProcess;
let nowhere: string;
/** The first token each block's issuer gave; the upstream refuses it where a test says so. */
const firstToken: Partial<Record<Block, string>> = {};
const issued: string[] = [];

const bearer = (r: Recorded) => String(r.headers.authorization ?? "").replace(/^Bearer /, "");
const seen = (block: Block) => upstream.requests.filter((r) => r.path.startsWith(`/${block}/`));

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

beforeAll(async () => {
  for (const b of BLOCKS) {
    servers[b] = await startAuthorizationServer(b === "post" ? { noTokenEndpoint: false } : {});
    const defaultReply = servers[b].reply;
    servers[b].reply = (req, n) => {
      const r = defaultReply(req, n);
      const token = (r.body as { access_token: string }).access_token;
      issued.push(token);
      firstToken[b] ??= token;
      return r;
    };
  }
  servers.crowd.reply = ((inner) => (req, n) => ({ ...inner(req, n), delay: 300 }))(servers.crowd.reply);
  servers.short.reply = ((inner) => (req, n) => {
    const r = inner(req, n);
    return { body: { ...(r.body as object), expires_in: 2 } };
  })(servers.short.reply);
  // A careless token endpoint that repeats the secret it was sent; this block's secret is written in the file.
  servers.refused.reply = (req) => ({
    status: 401,
    body: { error: "invalid_client", error_description: `client authentication failed (${req.headers.authorization})` },
  });
  servers.broken.reply = () => ({ status: 200, body: { token_type: "Bearer" } });
  nowhere = `http://127.0.0.1:${await closedPort()}/token`;

  upstream = await startRecordingUpstream((req) => {
    const block = req.path.split("/")[1] as Block;
    if (block === "revoked" && bearer(req) === firstToken.revoked) return { status: 401, body: '{"error":"token revoked"}' };
    if (block === "echo") return { status: 500, body: JSON.stringify({ error: "boom", authorization: req.headers.authorization }) };
    if (block === "refused" || req.path.endsWith("/always-401")) return { status: 401, body: '{"error":"no"}' };
    return { body: '{"ok":true}' };
  });

  const consumes = BLOCKS.map((b) => {
    const endpoint = b === "nowhere" ? nowhere : servers[b].tokenEndpoint;
    return `
    - namespace: ${b}
      type: http
      baseUri: "${upstream.url}/${b}"
      authentication:
        type: oauth2
        authorizationServerUri: "${servers[b].issuer}"
        resource: "https://upstream.example.test/${b}"
        scopes: [read, write]
        clientId: "{{CLIENT_ID}}"
        clientSecret: "${b === "refused" ? LITERAL_SECRET : "{{CLIENT_SECRET}}"}"${b === "plain" ? '\n        audience: "upstream-api"' : ""}${
          b === "post" ? "\n        tokenEndpointAuthMethod: client_secret_post" : `\n        tokenEndpoint: "${endpoint}"`
        }
      resources:
        - name: things
          path: /things
          operations:
            - name: list
              method: GET
        - name: always
          path: /always-401
          operations:
            - name: always
              method: GET`;
  }).join("");
  const routes = BLOCKS.map(
    (b) => `
        - path: /${b}
          operations:
            - method: GET
              call: ${b}.list
        - path: /${b}/always-401
          operations:
            - method: GET
              call: ${b}.always`,
  ).join("");
  const dir = writeTree({
    "capability.yml": `naftiko: "1.0.0-alpha2"
binds:
  - namespace: env
    keys:
      CLIENT_ID: CLIENT_ID
      CLIENT_SECRET: CLIENT_SECRET
capability:
  consumes:${consumes}
  exposes:
    - type: rest
      port: 3000
      namespace: front
      resources:${routes}
`,
  });
  proc = await spawnServe([path.join(dir, "capability.yml"), "--port", "front=0"], ENV);
});

afterAll(async () => {
  await proc?.stop();
  await Promise.all([...Object.values(servers).map((s) => s.stop()), upstream?.stop()]);
});

const call = (target: string) => fetch(`${proc.urls.front}${target}`);

describe("oauth2 client credentials on a consumes block", () => {
  it("fetches a token with the client's credentials, sends it upstream, and reuses it", async () => {
    const res = await call("/plain");
    expect(res.status, await res.clone().text()).toBe(200);
    const as = servers.plain;
    expect(as.tokenRequests).toHaveLength(1);
    const [req] = as.tokenRequests;
    expect(req.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    // RFC 6749 2.3.1: id and secret form-encoded, then Basic.
    expect(req.headers.authorization).toBe(
      `Basic ${Buffer.from(`${new URLSearchParams({ a: ENV.CLIENT_ID }).toString().slice(2)}:${new URLSearchParams({ a: ENV.CLIENT_SECRET }).toString().slice(2)}`).toString("base64")}`,
    );
    expect(Object.fromEntries(req.form)).toEqual({
      grant_type: "client_credentials",
      scope: "read write",
      resource: "https://upstream.example.test/plain",
      audience: "upstream-api",
    });
    expect(seen("plain").map(bearer)).toEqual([firstToken.plain]);
    for (let i = 0; i < 3; i++) expect((await call("/plain")).status).toBe(200);
    expect(as.tokenRequests).toHaveLength(1);
    expect(seen("plain").map(bearer)).toEqual(Array(4).fill(firstToken.plain));
  });

  it("callers arriving together wait for one token request", async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, () => call("/crowd")));
    expect(answers.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(servers.crowd.tokenRequests).toHaveLength(1);
    expect(new Set(seen("crowd").map(bearer))).toEqual(new Set([firstToken.crowd]));
  });

  it("a token is replaced before it expires (expires_in)", async () => {
    expect((await call("/short")).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await call("/short")).status).toBe(200);
    expect(servers.short.tokenRequests).toHaveLength(2);
    const [a, b] = seen("short").map(bearer);
    expect(a).not.toBe(b);
  });

  it("a token the upstream refuses (401) is renewed once and the call tried once more", async () => {
    const res = await call("/revoked");
    expect(res.status, await res.clone().text()).toBe(200);
    expect(servers.revoked.tokenRequests).toHaveLength(2);
    const tokens = seen("revoked").map(bearer);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).toBe(firstToken.revoked);
    expect(tokens[1]).not.toBe(firstToken.revoked);
    // The new token is kept for what follows.
    expect((await call("/revoked")).status).toBe(200);
    expect(servers.revoked.tokenRequests).toHaveLength(2);
  });

  it("an upstream that refuses every token: one renewal, one retry, then its 401 is the answer", async () => {
    const before = seen("plain").length;
    const tokensBefore = servers.plain.tokenRequests.length;
    const res = await call("/plain/always-401");
    expect(res.status).toBe(401);
    expect(seen("plain").length).toBe(before + 2);
    expect(servers.plain.tokenRequests.length).toBe(tokensBefore + 1);
  });

  it("a token endpoint that refuses the client: 502 naming the endpoint and its error, nothing sent upstream", async () => {
    const res = await call("/refused");
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe("upstream_bad_response");
    expect(body.message).toBe(
      `the token endpoint ${servers.refused.tokenEndpoint} refused the client credentials (401 invalid_client: client authentication failed (Basic [REDACTED]))`,
    );
    expect(servers.refused.tokenRequests[0].headers.authorization).toContain(
      Buffer.from(`runtime+client:${LITERAL_SECRET}`).toString("base64"),
    );
    expect(seen("refused")).toEqual([]);
  });

  it("a token endpoint answering without a token, or not at all: 502 saying so", async () => {
    const broken = await call("/broken");
    expect(broken.status).toBe(502);
    expect(((await broken.json()) as { message: string }).message).toBe(
      `the token endpoint ${servers.broken.tokenEndpoint} answered 200 without an access_token`,
    );
    const down = await call("/nowhere");
    expect(down.status).toBe(502);
    expect(((await down.json()) as { message: string }).message).toMatch(
      new RegExp(`^the token endpoint ${nowhere.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} could not be reached \\(ECONNREFUSED\\)$`),
    );
  });

  it("client_secret_post, and the token endpoint found in the issuer's metadata", async () => {
    expect((await call("/post")).status).toBe(200);
    const as = servers.post;
    expect(as.hits.get("/.well-known/oauth-authorization-server")).toBe(1);
    const [req] = as.tokenRequests;
    expect(req.headers.authorization).toBeUndefined();
    expect(req.form.get("client_id")).toBe(ENV.CLIENT_ID);
    expect(req.form.get("client_secret")).toBe(ENV.CLIENT_SECRET);
    expect(req.form.get("grant_type")).toBe("client_credentials");
  });

  it("an upstream that echoes the token back: the caller gets it redacted", async () => {
    const res = await call("/echo");
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).toContain("[REDACTED]");
    expect(text).not.toContain(firstToken.echo!);
  });

  it("neither tokens nor the client secret appear in the logs", async () => {
    expect(issued.length).toBeGreaterThan(8);
    const stderr = proc.stderr();
    for (const t of issued) expect(stderr).not.toContain(t);
    expect(stderr).not.toContain(ENV.CLIENT_SECRET);
    expect(stderr).not.toContain(LITERAL_SECRET);
    expect(stderr).not.toContain(Buffer.from(`${ENV.CLIENT_ID}:`).toString("base64").slice(0, 12));
  });
});
