/**
 * Both protocol eras on one endpoint: 2026-07-28 requests (the standard headers and the `_meta`
 * envelope, `server/discover`, no `initialize`) beside 2025-era clients, as the reference engine's
 * own test workflow and the SDK's clients send them; cache fields, result types and the server's
 * identity on 2026-07-28 answers; structured results and output schemas by each era's rules.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OperationSchemas } from "../../src/spec/openapi-schemas.js";
import { loadCapability } from "../../src/spec/load.js";
import { serveCapability, type Served, type ServeOptions } from "../../src/serve.js";
import { runCli, spawnServe } from "../support/cli.js";
import { connectClient, ENVELOPE, MODERN, modernHeaders, post, rpcText } from "../support/mcp.js";
import { startRecordingUpstream, type RecordingUpstream } from "../support/recording-upstream.js";
import { tempDir } from "../support/temp.js";

const FLAGSHIP = path.resolve(__dirname, "../../metal-interconnections.naftiko.yaml");
const JSON_TYPE = { "content-type": "application/json" };

async function start(upstream: RecordingUpstream, options: Partial<ServeOptions> = {}) {
  const capability = await loadCapability(FLAGSHIP);
  const served = await serveCapability(capability, {
    baseUris: { "metal-interconnections": `${upstream.url}/metal/v1` },
    ports: { "metal-interconnections-rest": 0, "metal-interconnections-mcp": 0 },
    env: { EQUINIX_API_KEY: "revisions-key" },
    log: () => {},
    ...options,
  });
  return { served, url: served.listeners.find((l) => l.type === "mcp")!.url };
}

describe("2026-07-28 beside the 2025 revisions, on one endpoint", () => {
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

  it("tools/list: every tool in file order, every time, with cache fields, a result type and the server's identity", async () => {
    const first = await post(url, rpcText("tools/list", {}, 1, ENVELOPE), { ...JSON_TYPE, ...modernHeaders("tools/list") });
    expect(first.status).toBe(200);
    const { result } = first.body;
    expect(result.tools.map((t: { name: string }) => t.name)).toEqual(
      served.listeners.find((l) => l.type === "mcp")!.mcp!.tools.map((t) => t.name),
    );
    expect(result.tools).toHaveLength(15);
    expect(result).toMatchObject({ ttlMs: 0, cacheScope: "private", resultType: "complete" });
    expect(result._meta["io.modelcontextprotocol/serverInfo"]).toMatchObject({
      name: "metal-interconnections-mcp",
      version: expect.any(String),
    });
    const again = await post(url, rpcText("tools/list", {}, 1, ENVELOPE), { ...JSON_TYPE, ...modernHeaders("tools/list") });
    expect(again.body).toEqual(first.body);
    // A 2025-era client's list has no 2026-07-28 fields.
    const legacy = await post(url, rpcText("tools/list", {}), { ...JSON_TYPE, accept: "application/json, text/event-stream" });
    expect(legacy.body.result.tools).toEqual(result.tools);
    expect(legacy.body.result).not.toHaveProperty("ttlMs");
    expect(legacy.body.result).not.toHaveProperty("resultType");
  });

  it("server/discover names the revision served, the tools capability and the server", async () => {
    const res = await post(url, rpcText("server/discover", {}, "d", ENVELOPE), { ...JSON_TYPE, ...modernHeaders("server/discover") });
    expect(res.status).toBe(200);
    expect(res.body.id).toBe("d");
    expect(res.body.result).toMatchObject({
      supportedVersions: [MODERN],
      capabilities: { tools: {} },
      instructions: expect.stringContaining("MCP adapter"),
      resultType: "complete",
      ttlMs: 0,
      cacheScope: "private",
    });
    expect(res.body.result._meta["io.modelcontextprotocol/serverInfo"].name).toBe("metal-interconnections-mcp");
  });

  it("errors as 2026-07-28 says: unknown method 404/-32601, unsupported revision 400/-32022 naming the one served, header/body mismatch 400/-32020", async () => {
    const unknown = await post(url, rpcText("no/such/method", {}, 5, ENVELOPE), { ...JSON_TYPE, ...modernHeaders("no/such/method") });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ id: 5, error: { code: -32601 } });
    // Methods 2026-07-28 removed are unknown methods too.
    for (const removed of ["initialize", "ping"]) {
      const res = await post(url, rpcText(removed, {}, 6, ENVELOPE), { ...JSON_TYPE, ...modernHeaders(removed) });
      expect(res.status, removed).toBe(404);
      expect(res.body.error.code, removed).toBe(-32601);
    }
    const future = { ...ENVELOPE, "io.modelcontextprotocol/protocolVersion": "2027-01-01" };
    const unsupported = await post(url, rpcText("tools/list", {}, 7, future), {
      ...JSON_TYPE,
      ...modernHeaders("tools/list"),
      "mcp-protocol-version": "2027-01-01",
    });
    expect(unsupported.status).toBe(400);
    expect(unsupported.body.error).toMatchObject({ code: -32022, data: { supported: [MODERN], requested: "2027-01-01" } });
    const mismatch = await post(
      url,
      rpcText("tools/call", { name: "get-interconnection", arguments: { connection_id: "c" } }, 8, ENVELOPE),
      {
        ...JSON_TYPE,
        ...modernHeaders("tools/call", "list-interconnection-s-ports"),
      },
    );
    expect(mismatch.status).toBe(400);
    expect(mismatch.body).toMatchObject({ id: 8, error: { code: -32020 } });
  });

  it("GET and DELETE get 405, and an Mcp-Session-Id on a 2026-07-28 request changes nothing", async () => {
    for (const method of ["GET", "DELETE"]) {
      const res = await fetch(url, { method, headers: { "mcp-protocol-version": MODERN, accept: "text/event-stream" } });
      expect(res.status, method).toBe(405);
    }
    const call = rpcText("tools/call", { name: "get-virtual-circuit", arguments: { id: "vc-9" } }, 1, ENVELOPE);
    const res = await post(url, call, {
      ...JSON_TYPE,
      ...modernHeaders("tools/call", "get-virtual-circuit"),
      "mcp-session-id": "not-a-session",
    });
    expect(res.status).toBe(200);
    expect(res.body.result.structuredContent.seen.url).toBe("/metal/v1/virtual-circuits/vc-9");
  });

  it("the trace context a 2026-07-28 request carries in _meta goes upstream, as a traceparent header does", async () => {
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    for (const type of ["application/json", "application/json; charset=utf-8"]) {
      const before = upstream.requests.length;
      const call = rpcText(
        "tools/call",
        { name: "get-virtual-circuit", arguments: { id: "vc-t" }, _meta: { traceparent, tracestate: "vendor=x" } },
        1,
        ENVELOPE,
      );
      const res = await post(url, call, { "content-type": type, ...modernHeaders("tools/call", "get-virtual-circuit") });
      expect(res.body.result.isError ?? false, type).toBe(false);
      expect(upstream.requests[before].headers.traceparent, type).toBe(traceparent);
      expect(upstream.requests[before].headers.tracestate, type).toBe("vendor=x");
    }
  });

  it("the SDK's clients of both eras list and call tools on the same endpoint", async () => {
    for (const era of ["2025-11-25", MODERN] as const) {
      const client = await connectClient(url, era);
      const { tools } = await client.listTools();
      expect(tools, era).toHaveLength(15);
      const result = await client.callTool({ name: "get-virtual-circuit", arguments: { id: `vc-${era}` } });
      expect(result.isError ?? false, era).toBe(false);
      expect((result.structuredContent as { seen: { url: string } }).seen.url, era).toBe(`/metal/v1/virtual-circuits/vc-${era}`);
      await client.close();
    }
  });
});

describe("2026-07-28 with --mcp-sessions", () => {
  it("sessions are for 2025-era clients: 2026-07-28 requests are answered on their own, GET and DELETE get 405", async () => {
    const upstream = await startRecordingUpstream();
    const { served, url } = await start(upstream, { mcpSessions: true });
    try {
      const call = rpcText("tools/call", { name: "get-virtual-circuit", arguments: { id: "vc-s" } }, 1, ENVELOPE);
      for (const sessionId of [undefined, "made-up"]) {
        const res = await post(url, call, {
          ...JSON_TYPE,
          ...modernHeaders("tools/call", "get-virtual-circuit"),
          ...(sessionId ? { "mcp-session-id": sessionId } : {}),
        });
        expect(res.status, String(sessionId)).toBe(200);
        expect(res.body.result.isError ?? false).toBe(false);
        expect(res.session).toBeUndefined();
      }
      const get = await fetch(url, { method: "GET", headers: { "mcp-protocol-version": MODERN } });
      expect(get.status).toBe(405);
      const legacy = await connectClient(url, "2025-11-25");
      expect((await legacy.listTools()).tools).toHaveLength(15);
      await legacy.close();
    } finally {
      await served.close();
      await upstream.stop();
    }
  });
});

describe("cache fields from the file", () => {
  // An Ikanos beta5 file (the Shipyard tutorial's first step, mock mode) with the block's cache fields.
  const step = readFileSync(path.resolve(__dirname, "../fixtures/shipyard-beta5/tutorial/step-1-shipyard-mock.yml"), "utf8");
  const withCache = (fields: string) => {
    const file = path.join(tempDir("naftiko-cache-"), "cache.yml");
    writeFileSync(file, step.replace("    namespace: shipyard-tools\n", `    namespace: shipyard-tools\n${fields}`));
    return file;
  };

  it("ttlMs and cacheScope on the MCP block become the 2026-07-28 tools/list and server/discover cache fields", async () => {
    const proc = await spawnServe([withCache("    ttlMs: 60000\n    cacheScope: public\n"), "--port", "shipyard-tools=0"]);
    try {
      const url = proc.urls["shipyard-tools"];
      for (const method of ["tools/list", "server/discover"]) {
        const res = await post(url, rpcText(method, {}, 1, ENVELOPE), { ...JSON_TYPE, ...modernHeaders(method) });
        expect(res.body.result, method).toMatchObject({ ttlMs: 60_000, cacheScope: "public" });
      }
      const call = await post(url, rpcText("tools/call", { name: "get-ship", arguments: { imo_number: "IMO-1" } }, 2, ENVELOPE), {
        ...JSON_TYPE,
        ...modernHeaders("tools/call", "get-ship"),
      });
      expect(call.body.result.structuredContent).toMatchObject({ imo: "IMO-1", name: "Northern Star" });
      expect(call.body.result).not.toHaveProperty("ttlMs");
    } finally {
      await proc.stop();
    }
  });

  it("validate refuses a negative ttlMs, naming where it is", async () => {
    const file = withCache("    ttlMs: -5\n");
    const r = await runCli(["validate", file]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(
      /cache\.yml:\d+:\d+ capability\.exposes\[0\]\.ttlMs: ttlMs is -5: a freshness hint is a number of milliseconds, 0 or more/,
    );
  });
});

describe("output schemas and structured results by era", () => {
  // The upstream answers a list, and its document says so: an array-rooted output schema.
  const listSchema: OperationSchemas = {
    source: "GET /connections/{connection_id}",
    response: { type: "array", items: { type: "object", properties: { id: { type: ["string", "null"] } } } },
  };
  let upstream: RecordingUpstream;
  let served: Served;
  let url: string;
  beforeAll(async () => {
    upstream = await startRecordingUpstream(() => ({ headers: { "content-type": "application/json" }, body: '[{"id":"a"},{"id":"b"}]' }));
    ({ served, url } = await start(upstream, { schemas: new Map([["metal-interconnections.getinterconnection", listSchema]]) }));
  });
  afterAll(async () => {
    await served.close();
    await upstream.stop();
  });

  it("2026-07-28 advertises the schema and returns the list as it is; a 2025-era client sees both wrapped in {result}", async () => {
    const tool = (list: { result: { tools: Array<{ name: string; outputSchema?: unknown }> } }) =>
      list.result.tools.find((t) => t.name === "get-interconnection")!.outputSchema;
    const modernList = await post(url, rpcText("tools/list", {}, 1, ENVELOPE), { ...JSON_TYPE, ...modernHeaders("tools/list") });
    expect(tool(modernList.body)).toEqual(listSchema.response);
    const legacyList = await post(url, rpcText("tools/list", {}), { ...JSON_TYPE, accept: "application/json, text/event-stream" });
    expect(tool(legacyList.body)).toEqual({ type: "object", properties: { result: listSchema.response }, required: ["result"] });

    const call = { name: "get-interconnection", arguments: { connection_id: "c" } };
    const modern = await post(url, rpcText("tools/call", call, 1, ENVELOPE), {
      ...JSON_TYPE,
      ...modernHeaders("tools/call", "get-interconnection"),
    });
    expect(modern.body.result.structuredContent).toEqual([{ id: "a" }, { id: "b" }]);
    const legacy = await post(url, rpcText("tools/call", call), JSON_TYPE);
    expect(legacy.body.result.structuredContent).toEqual({ result: [{ id: "a" }, { id: "b" }] });
  });

  it("the SDK's clients of both eras accept the results against the schemas they were given", async () => {
    for (const era of ["2025-11-25", MODERN] as const) {
      const client = await connectClient(url, era);
      await client.listTools();
      const result = await client.callTool({ name: "get-interconnection", arguments: { connection_id: "c" } });
      expect(result.isError ?? false, era).toBe(false);
      expect(result.structuredContent, era).toEqual(era === MODERN ? [{ id: "a" }, { id: "b" }] : { result: [{ id: "a" }, { id: "b" }] });
      await client.close();
    }
  });
});
