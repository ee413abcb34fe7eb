/**
 * `oauth2` on exposes blocks, through the real CLI: bearer JWTs checked against a real issuer's
 * published keys (found through its metadata), with the answers RFC 6750 prescribes, and the MCP
 * authorization pieces (Protected Resource Metadata, `resource_metadata` in challenges) on MCP.
 */
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { createServer } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { epoch, startAuthorizationServer, type AuthorizationServer } from "../support/authorization-server.js";
import { spawnServe, type ServeProcess } from "../support/cli.js";
import { writeTree } from "../support/temp.js";
import { startRecordingUpstream, type RecordingUpstream } from "../support/recording-upstream.js";

const API = "https://api.example.test";
const MCP_RESOURCE = "https://mcp.example.test/mcp";

let as: AuthorizationServer;
let realm: AuthorizationServer;
let impostor: AuthorizationServer;
let upstream: RecordingUpstream;
let proc: ServeProcess;
let downIssuer: string;
const minted: string[] = [];

/** A token from `as` for the REST block, valid for five minutes, with the scope it needs; `claims` override. */
async function token(claims: Record<string, unknown> = {}, options?: Parameters<AuthorizationServer["sign"]>[1], from = as) {
  const t = await from.sign(
    { iss: from.issuer, aud: API, exp: epoch(300), iat: epoch(), scope: "things.read profile", ...claims },
    options,
  );
  minted.push(t);
  return t;
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

let nextPort = 3000;
const rest = (ns: string, auth: string) => `
    - type: rest
      port: ${nextPort++}
      namespace: ${ns}
      authentication:
${auth}
      resources:
        - path: /things
          operations:
            - method: GET
              call: up.list`;

beforeAll(async () => {
  as = await startAuthorizationServer();
  realm = await startAuthorizationServer({ issuerPath: "/realms/test", metadata: "oidc" });
  impostor = await startAuthorizationServer({ claimedIssuer: "https://someone-else.example.test" });
  upstream = await startRecordingUpstream(() => ({ body: '[{"id":1}]' }));
  downIssuer = `http://127.0.0.1:${await closedPort()}`;
  const dir = writeTree({
    "capability.yml": `naftiko: "1.0.0-alpha2"
capability:
  consumes:
    - namespace: up
      type: http
      baseUri: "${upstream.url}/api"
      resources:
        - name: things
          path: /things
          operations:
            - name: list
              method: GET
  exposes:${rest(
    "api",
    `        type: oauth2
        authorizationServerUri: "${as.issuer}"
        resource: "${API}"
        scopes: [things.read]`,
  )}${rest("realm", `        type: oauth2\n        authorizationServerUri: "${realm.issuer}"\n        resource: "${API}"`)}${rest(
    "down",
    `        type: oauth2\n        authorizationServerUri: "${downIssuer}"\n        resource: "${API}"`,
  )}${rest("impostor", `        type: oauth2\n        authorizationServerUri: "${impostor.issuer}"\n        resource: "${API}"`)}
    - type: mcp
      port: 2999
      namespace: tools
      authentication:
        type: oauth2
        authorizationServerUri: "${as.issuer}"
        resource: "${MCP_RESOURCE}"
        scopes: [tools.call]
      tools:
        - name: list
          description: List the things
          call: up.list
`,
  });
  proc = await spawnServe(
    [path.join(dir, "capability.yml"), ...["api", "realm", "down", "impostor", "tools"].flatMap((ns) => ["--port", `${ns}=0`])],
    {},
  );
});

afterAll(async () => {
  await proc?.stop();
  await Promise.all([as?.stop(), realm?.stop(), impostor?.stop(), upstream?.stop()]);
});

const get = (ns: string, auth?: string) => fetch(`${proc.urls[ns]}/things`, auth ? { headers: { authorization: auth } } : {});

describe("oauth2 on a REST block", () => {
  it("a valid token passes: the call reaches the upstream, without the caller's token", async () => {
    const before = upstream.requests.length;
    const res = await get("api", `Bearer ${await token()}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([{ id: 1 }]);
    expect(upstream.requests.length).toBe(before + 1);
    expect(upstream.requests.at(-1)!.headers.authorization).toBeUndefined();
  });

  it("no token: 401 with a Bearer challenge naming the realm and the scope, and no upstream call", async () => {
    const before = upstream.requests.length;
    const res = await get("api");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="api", scope="things.read"');
    expect(await res.json()).toMatchObject({ error: "unauthorized", message: expect.stringContaining("bearer token is required") });
    expect(upstream.requests.length).toBe(before);
  });

  it.each([
    ["expired", () => token({ exp: epoch(-120) }), "the token has expired"],
    ["for another audience", () => token({ aud: "https://other.example.test" }), `the token is not meant for ${API} (aud)`],
    ["from another issuer", () => token({ iss: "https://evil.example.test" }), "the token was not issued by"],
    ["not valid yet", () => token({ nbf: epoch(600) }), "the token is not valid yet (nbf)"],
    ["without expiry", () => token({ exp: undefined }), "the token has no expiry (exp)"],
    ["signed by a key the issuer does not publish", () => token({}, { unpublished: true }), "signature does not verify"],
    ["signed with a shared secret (HS256)", () => token({}, { alg: "HS256" }), "algorithm is not accepted"],
    ["with a key id the issuer does not have", () => token({}, { header: { kid: "nope" } }), "no key of the authorization server"],
    ["not a JWT", async () => "abc.def", "not a valid signed JWT"],
  ])("a token %s: 401 invalid_token, saying why", async (_, make, why) => {
    const before = upstream.requests.length;
    const res = await get("api", `Bearer ${await make()}`);
    expect(res.status).toBe(401);
    const challenge = res.headers.get("www-authenticate")!;
    expect(challenge).toMatch(/^Bearer realm="api", error="invalid_token", error_description="[^"]+", scope="things.read"$/);
    expect(challenge).toContain(why);
    expect(((await res.json()) as { message: string }).message).toContain(why);
    expect(upstream.requests.length).toBe(before);
  });

  it("a header that holds no bearer token is invalid_token", async () => {
    const res = await get("api", "Bearer two words");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  it("a token without the required scope: 403 insufficient_scope naming it", async () => {
    const before = upstream.requests.length;
    const res = await get("api", `Bearer ${await token({ scope: "profile" })}`);
    expect(res.status).toBe(403);
    expect(res.headers.get("www-authenticate")).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="the token lacks the scope things.read", scope="things.read"',
    );
    expect(await res.json()).toMatchObject({ error: "forbidden" });
    expect(upstream.requests.length).toBe(before);
  });

  it("scopes as an `scp` list count too", async () => {
    expect((await get("api", `Bearer ${await token({ scope: undefined, scp: ["things.read"] })}`)).status).toBe(200);
  });

  it("reads the issuer's metadata and keys once, not per request", async () => {
    for (let i = 0; i < 5; i++) expect((await get("api", `Bearer ${await token({ jti: `j${i}` })}`)).status).toBe(200);
    expect(as.hits.get("/.well-known/oauth-authorization-server")).toBe(1);
    expect(as.hits.get("/jwks")).toBe(1);
  });

  it("an issuer with a path publishing OpenID Connect discovery (a Keycloak realm)", async () => {
    const t = await token({}, undefined, realm);
    expect((await get("realm", `Bearer ${t}`)).status).toBe(200);
    expect(realm.hits.get("/realms/test/.well-known/openid-configuration")).toBe(1);
    // A token of the other issuer, signed with another key, is refused here.
    expect((await get("realm", `Bearer ${await token()}`)).status).toBe(401);
  });

  it("an unreachable issuer: 503 with Retry-After and a message naming it, logged; never a pass", async () => {
    const res = await get("down", `Bearer ${await token()}`);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    const body = (await res.json()) as { message: string };
    expect(body).toMatchObject({ error: "unavailable" });
    expect(body.message).toContain(downIssuer);
    // The log writes its lines in batches (within 25 ms): the answer can come first.
    await expect.poll(() => proc.stderr()).toContain("naftiko: exposes down: cannot check bearer tokens");
  });

  it("metadata that names another issuer is not trusted", async () => {
    const res = await get("impostor", `Bearer ${await token({ iss: impostor.issuer }, undefined, impostor)}`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { message: string }).message).toContain('describes issuer "https://someone-else.example.test"');
    expect(impostor.hits.get("/jwks")).toBeUndefined();
  });
});

describe("oauth2 on an MCP block (MCP authorization)", () => {
  const mcpToken = (claims: Record<string, unknown> = {}) => token({ aud: MCP_RESOURCE, scope: "tools.call", ...claims });
  const rpc = (auth?: string) =>
    fetch(proc.urls.tools, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...(auth ? { authorization: auth } : {}),
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "list", arguments: {} } }),
    });

  it("serves its Protected Resource Metadata (RFC 9728) at the path its resource implies", async () => {
    const base = proc.urls.tools.replace(/\/mcp$/, "");
    const res = await fetch(`${base}/.well-known/oauth-protected-resource/mcp`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      resource: MCP_RESOURCE,
      authorization_servers: [as.issuer],
      scopes_supported: ["tools.call"],
      bearer_methods_supported: ["header"],
    });
  });

  it("challenges name the metadata (resource_metadata) and the scope", async () => {
    const res = await rpc();
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(
      'Bearer realm="tools", scope="tools.call", resource_metadata="https://mcp.example.test/.well-known/oauth-protected-resource/mcp"',
    );
    expect(await res.json()).toMatchObject({ jsonrpc: "2.0", error: { code: -32001 } });
  });

  it("a token for the REST block's audience does not open the MCP block", async () => {
    const res = await rpc(`Bearer ${await token({ scope: "tools.call" })}`);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("not meant for https://mcp.example.test/mcp");
  });

  it("lacking the scope: 403 insufficient_scope with resource_metadata", async () => {
    const res = await rpc(`Bearer ${await mcpToken({ scope: "profile" })}`);
    expect(res.status).toBe(403);
    expect(res.headers.get("www-authenticate")).toMatch(/error="insufficient_scope".*scope="tools.call", resource_metadata="/);
    expect(await res.json()).toEqual({
      jsonrpc: "2.0",
      error: { code: -32001, message: "Forbidden: the token lacks the scope tools.call" },
      id: null,
    });
  });

  it("an MCP client with a valid token lists and calls tools", async () => {
    const t = await mcpToken();
    const client = new Client({ name: "oauth2-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(proc.urls.tools), { requestInit: { headers: { authorization: `Bearer ${t}` } } }),
    );
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["list"]);
      const result = await client.callTool({ name: "list", arguments: {} });
      expect(result.isError).toBeFalsy();
      expect(JSON.parse((result.content as Array<{ text: string }>)[0].text)).toEqual([{ id: 1 }]);
    } finally {
      await client.close();
    }
  });
});

describe("tokens stay out of the logs", () => {
  it("no token the callers sent appears on stderr", () => {
    expect(minted.length).toBeGreaterThan(10);
    const stderr = proc.stderr();
    for (const t of minted) expect(stderr).not.toContain(t);
  });
});
