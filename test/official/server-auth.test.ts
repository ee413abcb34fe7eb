/**
 * Server authentication on exposes blocks (REST, MCP, skill): bearer, apikey (header and query) and
 * basic. Without the right credentials: 401 with `WWW-Authenticate`, and nothing reaches upstream.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileServerAuth } from "../../src/exposes/auth.js";
import { callTool, mcp } from "../support/official.js";
import { serveFiles, type Serving } from "../support/serve.js";
import { post } from "../support/shipyard.js";
import { startRecordingUpstream, type RecordingUpstream } from "../support/recording-upstream.js";

let upstream: RecordingUpstream;
let s: Serving;
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`;

beforeAll(async () => {
  upstream = await startRecordingUpstream();
  const op = (ns: string) => `
      resources:
        - path: /things
          operations:
            - method: GET
              call: up.list
      namespace: ${ns}`;
  s = await serveFiles({
    "secrets.yaml": "mcp: mcp-secret-token-1\nkey: rest-key-2\nuser: ops\npass: 'p@ss:word'\n",
    "capability.yml": `naftiko: "1.0.0-alpha2"
binds:
  - namespace: s
    location: "file:///./secrets.yaml"
    keys:
      MCP_TOKEN: mcp
      API_KEY: key
      USER: user
      PASS: pass
capability:
  consumes:
    - namespace: up
      type: http
      baseUri: "${upstream.url}/api"
      resources:
        - name: r
          path: /things
          operations:
            - name: list
              method: GET
  exposes:
    - type: mcp
      port: 3001
      namespace: tools
      authentication:
        type: bearer
        token: "{{MCP_TOKEN}}"
      tools:
        - name: list
          description: "List"
          call: up.list
    - type: rest
      port: 3002
      authentication:
        type: apikey
        key: X-Api-Key
        placement: header
        value: "{{API_KEY}}"${op("header-key")}
    - type: rest
      port: 3003
      authentication:
        type: apikey
        key: api_key
        placement: query
        value: "{{API_KEY}}"${op("query-key")}
    - type: rest
      port: 3004
      authentication:
        type: basic
        username: "{{USER}}"
        password: "{{PASS}}"${op("basic")}
    - type: skill
      port: 3005
      namespace: skills
      authentication:
        type: bearer
        token: "{{MCP_TOKEN}}"
      skills:
        - name: ops
          description: "Ops"
`,
  });
});
afterAll(async () => {
  await s?.close();
  await upstream?.stop();
});

describe("server authentication", () => {
  it("MCP bearer: a bare tools/call with the token works; without or with a wrong one, 401 + challenge and no upstream call", async () => {
    const ok = await callTool(s.url.tools, "list", {}, { Authorization: "Bearer mcp-secret-token-1" });
    expect(ok.isError).toBe(false);
    const before = upstream.requests.length;
    for (const headers of [{} as Record<string, string>, { Authorization: "Bearer wrong" }, { Authorization: "Basic bWNwOng=" }]) {
      const r = await mcp(s.url.tools, "tools/call", { name: "list", arguments: {} }, headers);
      expect(r.status).toBe(401);
      expect(r.headers["www-authenticate"]).toMatch(/^Bearer realm="tools"/);
      expect(r.json()).toMatchObject({ jsonrpc: "2.0", error: { code: -32001 } });
    }
    expect(upstream.requests.length).toBe(before);
  });

  it("MCP endpoint answers at / and /mcp, with JSON for no Accept and for curl's */*", async () => {
    const body = JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/list", params: {} });
    for (const [p, accept] of [
      ["/", undefined],
      ["/", "*/*"],
      ["/mcp", "*/*"],
    ] as const) {
      const headers: Record<string, string> = { "Content-Type": "application/json", Authorization: "Bearer mcp-secret-token-1" };
      if (accept) headers.Accept = accept;
      const r = await post(`${s.url.tools.replace("127.0.0.1", "localhost")}${p}`, headers, body);
      expect(r.status).toBe(200);
      expect(r.headers["content-type"]).toMatch(/^application\/json/);
      expect(JSON.parse(r.text).result.tools[0].name).toBe("list");
    }
  });

  it("REST apikey in a header", async () => {
    expect((await fetch(`${s.url["header-key"]}/things`, { headers: { "X-Api-Key": "rest-key-2" } })).status).toBe(200);
    const no = await fetch(`${s.url["header-key"]}/things`);
    expect(no.status).toBe(401);
    expect(no.headers.get("www-authenticate")).toBe('ApiKey realm="header-key", header="X-Api-Key"');
    expect(await no.json()).toMatchObject({ error: "unauthorized" });
    expect((await fetch(`${s.url["header-key"]}/things`, { headers: { "X-Api-Key": "rest-key-3" } })).status).toBe(401);
  });

  it("REST apikey in the query", async () => {
    expect((await fetch(`${s.url["query-key"]}/things?api_key=rest-key-2`)).status).toBe(200);
    expect((await fetch(`${s.url["query-key"]}/things?api_key=nope`)).status).toBe(401);
    expect((await fetch(`${s.url["query-key"]}/things`, { headers: { api_key: "rest-key-2" } })).status).toBe(401);
  });

  it("REST basic (a password with a colon)", async () => {
    expect((await fetch(`${s.url.basic}/things`, { headers: { Authorization: basic("ops", "p@ss:word") } })).status).toBe(200);
    for (const auth of [basic("ops", "p@ss"), basic("opz", "p@ss:word"), "Basic !!", "Bearer p@ss:word"]) {
      const r = await fetch(`${s.url.basic}/things`, { headers: { Authorization: auth } });
      expect(r.status).toBe(401);
      expect(r.headers.get("www-authenticate")).toBe('Basic realm="basic", charset="UTF-8"');
    }
  });

  it("unknown paths are behind the check too; the skill catalog as well", async () => {
    expect((await fetch(`${s.url.basic}/nothing`)).status).toBe(401);
    expect((await fetch(`${s.url.skills}/skills`)).status).toBe(401);
    expect((await fetch(`${s.url.skills}/skills`, { headers: { Authorization: "Bearer mcp-secret-token-1" } })).status).toBe(200);
  });

  it("refuses to start open: an empty secret, or a setting it cannot honour", () => {
    expect(() => compileServerAuth({ type: "bearer", token: "{{NOPE}}" }, () => undefined, "x")).toThrow(/token is empty/);
    expect(() => compileServerAuth({ type: "digest", username: "a", password: "{{NOPE}}" }, () => undefined, "x")).toThrow(
      /password is empty/,
    );
    expect(() =>
      compileServerAuth(
        { type: "oauth2", authorizationServerUri: "https://as.example", resource: "https://r.example", tokenValidation: "introspection" },
        () => undefined,
        "x",
      ),
    ).toThrow(/tokenValidation introspection is not supported/);
    expect(compileServerAuth(undefined, () => undefined, "x")).toBeUndefined();
  });

  it("compares in constant time (timingSafeEqual over digests)", async () => {
    const { readFileSync } = await import("node:fs");
    const src = readFileSync(new URL("../../src/exposes/constant-time.ts", import.meta.url), "utf8");
    expect(src).toMatch(/timingSafeEqual\(digest\(given\), expected\)/);
  });
});
