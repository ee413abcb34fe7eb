/**
 * The MCP endpoint as 2025-era clients meet it (2026-07-28 clients: revisions.test.ts): protocol
 * revisions, JSON or SSE as the client accepts, stateless by default (and sessions on request),
 * DNS-rebinding checks, errors as the spec says.
 */
import http from "node:http";
import path from "node:path";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCapability } from "../../src/spec/load.js";
import { serveCapability, type Served } from "../../src/serve.js";
import { connectClient, ENVELOPE, MODERN, modernHeaders, rpcText } from "../support/mcp.js";
import { startRecordingUpstream, type RecordingUpstream } from "../support/recording-upstream.js";

const FLAGSHIP = path.resolve(__dirname, "../../metal-interconnections.naftiko.yaml");
const SECRET = "mcp-transport-secret-99";

async function start(upstream: RecordingUpstream, extra: Record<string, unknown> = {}): Promise<{ served: Served; url: string }> {
  const served = await serveCapability(await loadCapability(FLAGSHIP), {
    baseUris: { "metal-interconnections": `${upstream.url}/metal/v1` },
    ports: { "metal-interconnections-rest": 0, "metal-interconnections-mcp": 0 },
    env: { EQUINIX_API_KEY: SECRET },
    log: () => {},
    callTimeout: 1500,
    ...extra,
  });
  return { served, url: served.listeners.find((l) => l.type === "mcp")!.url };
}

function rpc(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

/** Parsed JSON-RPC answer; tests read into it freely. */
async function json(res: Promise<Response>): Promise<any> {
  return (await res).json();
}

const call = (name: string, args: Record<string, unknown>, id: number | string = 1) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name, arguments: args },
});

describe("MCP over Streamable HTTP (stateless default)", () => {
  let upstream: RecordingUpstream;
  let served: Served;
  let url: string;
  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    ({ served, url } = await start(upstream));
  });
  afterAll(async () => {
    await served.close();
    await upstream.stop();
  });

  it("serves at /mcp on the loopback address by default", () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
  });

  it.each(["2025-11-25", "2025-06-18", "2025-03-26"])("negotiates protocol revision %s", async (version) => {
    const res = await rpc(
      url,
      {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: version, capabilities: {}, clientInfo: { name: "t", version: "1" } },
      },
      { accept: "application/json, text/event-stream" },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.result.protocolVersion).toBe(version);
    expect(body.result.serverInfo.name).toBe("metal-interconnections-mcp");
    expect(body.result.capabilities.tools).toBeDefined();
    expect(res.headers.get("mcp-session-id")).toBeNull();
  });

  it("answers a tools/call without initialize, without Accept, with JSON (clients of the reference engine)", async () => {
    for (const headers of [{}, { accept: "*/*" }] as Array<Record<string, string>>) {
      const res = await rpc(url, call("get-virtual-circuit", { id: "vc-1" }), headers);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/application\/json/);
      const body = (await res.json()) as any;
      expect(body.result.isError ?? false).toBe(false);
      expect(JSON.parse(body.result.content[0].text).seen.url).toBe("/metal/v1/virtual-circuits/vc-1");
    }
    const atRoot = await rpc(url.replace(/\/mcp$/, "/"), call("get-virtual-circuit", { id: "vc-2" }));
    expect(atRoot.status).toBe(200);
  });

  it("answers with SSE when the client prefers text/event-stream", async () => {
    const res = await rpc(url, call("get-virtual-circuit", { id: "vc-3" }), { accept: "text/event-stream, application/json;q=0.5" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    const text = await res.text();
    const data = text.split("\n").find((l) => l.startsWith("data: "))!;
    expect(JSON.parse(data.slice(6)).result.content[0].text).toContain("vc-3");
  });

  it("GET and DELETE get 405 in stateless mode", async () => {
    for (const method of ["GET", "DELETE"]) {
      const res = await fetch(url, { method, headers: { accept: "text/event-stream" } });
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("POST");
    }
  });

  it("rejects a foreign Origin or Host with 403 (DNS rebinding)", async () => {
    const evil = await rpc(url, call("get-virtual-circuit", { id: "x" }), { origin: "http://evil.example" });
    expect(evil.status).toBe(403);
    // fetch() will not send a forged Host header; node:http will, as a rebinding attacker's browser does.
    const status = await new Promise<number>((resolve, reject) => {
      const u = new URL(url);
      const req = http.request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname,
          method: "POST",
          headers: { host: "evil.example", "content-type": "application/json" },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on("error", reject);
      req.end(JSON.stringify(call("get-virtual-circuit", { id: "x" })));
    });
    expect(status).toBe(403);
    const local = await rpc(url, call("get-virtual-circuit", { id: "x" }), { origin: "http://localhost:3000" });
    expect(local.status).toBe(200);
  });

  it("leaves what is not one plain request to the SDK's transport: batches, notifications, bad JSON, a protocol version it does not speak", async () => {
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
        body,
      });
    const notification = await post(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));
    expect(notification.status).toBe(202);
    const batch = await post(
      JSON.stringify([
        { jsonrpc: "2.0", id: 1, method: "ping" },
        { jsonrpc: "2.0", id: 2, method: "ping" },
      ]),
    );
    expect(batch.status).toBe(200);
    expect(((await batch.json()) as Array<{ id: number }>).map((r) => r.id)).toEqual([1, 2]);
    const broken = await post('{"jsonrpc":"2.0",');
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as any).error.code).toBe(-32700);
    const notRpc = await post(JSON.stringify({ hello: "world" }));
    expect(notRpc.status).toBe(400);
    expect(((await notRpc.json()) as any).error.message).toMatch(/the request body is not a valid JSON-RPC message/);
    const version = await post(JSON.stringify(call("get-virtual-circuit", { id: "v" })), { "mcp-protocol-version": "1999-01-01" });
    expect(version.status).toBe(400);
    expect(((await version.json()) as any).error.message).toMatch(/Unsupported protocol version: 1999-01-01/);
    const init = await post(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 9,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
      }),
    );
    expect(((await init.json()) as any).result.protocolVersion).toBe("2025-06-18");
  });

  it("an unknown tool is JSON-RPC error -32602, with one clear message", async () => {
    const body = await json(rpc(url, call("no-such-tool", {})));
    expect(body.error.code).toBe(-32602);
    expect(body.error.message).toBe('Unknown tool: "no-such-tool" (this server has 15 tools; tools/list names them)');
    // What an SDK client reports: the message once, not prefixed twice.
    for (const era of ["2025-11-25", MODERN] as const) {
      const client = await connectClient(url, era);
      const error = await client.callTool({ name: "no-such-tool", arguments: {} }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message, era).toMatch(/Unknown tool: "no-such-tool" \(this server has 15 tools; tools\/list names them\)$/);
      expect(error!.message.match(/-32602/g)?.length ?? 0, era).toBeLessThanOrEqual(1);
      await client.close();
    }
  });

  it("bad arguments are a tool error naming each one, and nothing goes upstream", async () => {
    const before = upstream.requests.length;
    const body = await json(rpc(url, call("list-project-connections", { project_id: 5, page: "two", colour: "blue" })));
    expect(body.result.isError).toBe(true);
    const text: string = body.result.content[0].text;
    expect(text).toContain("project_id");
    expect(text).toContain("page");
    expect(text).toContain("colour");
    const missing = await json(rpc(url, call("get-interconnection", {})));
    expect(missing.result.isError).toBe(true);
    expect(missing.result.content[0].text).toContain("connection_id");
    expect(upstream.requests.length).toBe(before);
  });

  it("the upstream request is identical to the REST path's for the same inputs", async () => {
    const rest = served.listeners.find((l) => l.type === "rest")!.url;
    const before = upstream.requests.length;
    await fetch(`${rest}/v1/projects/p%201/connections?include=a,b&page=2&per_page=10`);
    await rpc(url, call("list-project-connections", { project_id: "p 1", include: ["a", "b"], page: 2, per_page: 10 }));
    const [viaRest, viaMcp] = upstream.requests.slice(before);
    expect(viaMcp.url).toBe(viaRest.url);
    expect(viaMcp.method).toBe(viaRest.method);
    expect(viaMcp.headers["x-auth-token"]).toBe(viaRest.headers["x-auth-token"]);
    const b0 = upstream.requests.length;
    await fetch(`${rest}/v1/connections/c1/ports/p1/virtual-circuits`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ vnid: 1 }),
    });
    await rpc(url, call("create-new-virtual-circuit", { connection_id: "c1", port_id: "p1", body: { vnid: 1 } }));
    const [r, m] = upstream.requests.slice(b0);
    expect(m.url).toBe(r.url);
    expect(m.body).toBe(r.body);
  });

  it("reads a request body as Request.text() does, on MCP and REST alike: BOM dropped, bytes that are not UTF-8 replaced", async () => {
    // A byte order mark, then the JSON with its "@" as the byte 0xff (never valid in UTF-8).
    const withBadByte = (json: string) => {
      const [before, after] = json.split("@");
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(before), Buffer.from([0xff]), Buffer.from(after)]);
    };
    const before = upstream.requests.length;
    const mcp = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: withBadByte(JSON.stringify(call("get-virtual-circuit", { id: "vc-@" }))),
    });
    expect(mcp.status).toBe(200);
    expect(((await mcp.json()) as any).result.isError ?? false).toBe(false);
    expect(upstream.requests[before].url).toBe("/metal/v1/virtual-circuits/vc-%EF%BF%BD");
    const rest = served.listeners.find((l) => l.type === "rest")!.url;
    const res = await fetch(`${rest}/v1/connections/c1/ports/p1/virtual-circuits`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: withBadByte(JSON.stringify({ vnid: 1, name: "a@b" })),
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(upstream.requests[before + 1].body)).toEqual({ vnid: 1, name: "a\ufffdb" });
  });

  it("upstream >= 400, unreachable and timeout are tool errors with the status and body", async () => {
    upstream.reply = () => ({ status: 404, body: JSON.stringify({ errors: ["Not found"] }) });
    const notFound = await json(rpc(url, call("get-interconnection", { connection_id: "gone" })));
    expect(notFound.result.isError).toBe(true);
    expect(notFound.result.content[0].text).toContain("404");
    expect(notFound.result.content[0].text).toContain("Not found");
    upstream.reply = () => ({ delay: 3000, body: "{}" });
    const slow = await json(rpc(url, call("get-interconnection", { connection_id: "slow" })));
    expect(slow.result.isError).toBe(true);
    expect(slow.result.content[0].text).toMatch(/504|did not answer/);
    upstream.reply = (req) => ({ body: JSON.stringify({ seen: { method: req.method, url: req.url } }) });
  });

  it.each(["2025-11-25", MODERN] as const)("works with the SDK client end to end (%s)", async (era) => {
    const client = await connectClient(url, era);
    expect(client.getProtocolEra()).toBe(era === MODERN ? "modern" : "legacy");
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(15);
    const create = tools.find((t) => t.name === "create-new-virtual-circuit")!;
    expect(create.inputSchema).toMatchObject({
      type: "object",
      required: expect.arrayContaining(["connection_id", "port_id", "body"]),
      properties: { body: { type: "object" } },
    });
    expect(create.annotations).toEqual({ readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true });
    const list = tools.find((t) => t.name === "list-project-connections")!;
    expect(list.inputSchema.properties).toMatchObject({ include: { type: "array", items: { type: "string" } }, page: { type: "integer" } });
    await client.close();
  });
});

describe("MCP sessions mode and unreachable upstream", () => {
  it("keeps a session when asked, and reports an unreachable upstream as a tool error", async () => {
    const upstream = await startRecordingUpstream();
    const { served, url } = await start(upstream, {
      mcpSessions: true,
      baseUris: { "metal-interconnections": "http://127.0.0.1:1/metal/v1" },
    });
    try {
      const client = new Client({ name: "t", version: "1" });
      const transport = new StreamableHTTPClientTransport(new URL(url));
      await client.connect(transport);
      expect(transport.sessionId).toMatch(/[0-9a-f-]{36}/);
      const r = (await client.callTool({ name: "get-interconnection", arguments: { connection_id: "c" } })) as {
        isError?: boolean;
        content: Array<{ text: string }>;
      };
      expect(r.isError).toBe(true);
      expect(r.content[0].text).toMatch(/502|unreachable/);
      const noSession = await rpc(url, call("get-interconnection", { connection_id: "c" }), {
        accept: "application/json, text/event-stream",
      });
      expect(noSession.status).toBe(400);
      await transport.terminateSession();
      await client.close();
    } finally {
      await served.close();
      await upstream.stop();
    }
  });
});

describe("MCP caller leaving", () => {
  const modern = (type: string) => ({
    "content-type": type,
    accept: "application/json, text/event-stream",
    ...modernHeaders("tools/call", "get-interconnection"),
  });
  it.each([
    ["2025-era, JSON answer", { "content-type": "application/json", accept: "application/json, text/event-stream" }, false],
    ["2025-era, SSE answer", { "content-type": "application/json", accept: "text/event-stream, application/json" }, false],
    ["2026-07-28", modern("application/json"), true],
    ["2026-07-28, answered by the SDK", modern("application/json; charset=utf-8"), true],
  ])("a stateless tools/call whose client disconnects cancels its upstream call (%s)", async (_kind, headers, envelope) => {
    // An upstream slower than the test, and a call timeout longer still: only the client leaving
    // can end the upstream call early.
    const upstream = await startRecordingUpstream(() => ({ delay: 30_000, body: "{}" }));
    const { served, url } = await start(upstream, { callTimeout: 60_000 });
    try {
      const req = http.request(url, { method: "POST", headers });
      req.on("error", () => {});
      req.end(
        rpcText("tools/call", { name: "get-interconnection", arguments: { connection_id: "c" } }, 1, envelope ? ENVELOPE : undefined),
      );
      setTimeout(() => req.destroy(), 200);
      const outcome = await Promise.race([
        upstream.closedEarly.then(() => "cancelled"),
        new Promise((r) => setTimeout(() => r("still running"), 3000)),
      ]);
      expect(outcome).toBe("cancelled");
    } finally {
      await served.close();
      await upstream.stop();
    }
  });
});
