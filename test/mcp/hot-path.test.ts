/**
 * The runtime answers a plain `tools/call` itself (src/exposes/mcp/hot.ts) and leaves every other
 * request to the SDK. Whichever way a request goes, the answer must be the one the SDK gives: every
 * flagship tool and every error case is sent twice, once with `Content-Type: application/json`
 * (which the runtime may answer itself) and once with a charset parameter (which always goes to the
 * SDK), in both protocol eras, and the two answers must be equal. The SDK builds a server for
 * every request it answers: counting them shows which requests the runtime answered itself.
 */
import { isUtf8 } from "node:buffer";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { McpService } from "../../src/exposes/mcp/server.js";
import { loadCapability } from "../../src/spec/load.js";
import { serveCapability, type Served } from "../../src/serve.js";
import { ENVELOPE, MODERN, modernHeaders, post, rpcText, type Answer } from "../support/mcp.js";
import { startRecordingUpstream, type RecordingUpstream } from "../support/recording-upstream.js";
import { loadCases } from "../support/spec-cases.js";

const FLAGSHIP = path.resolve(__dirname, "../../metal-interconnections.naftiko.yaml");
const TOOLS = loadCases(FLAGSHIP).mcp[0].cases;
const HOT = "application/json";
const SDK = "application/json; charset=utf-8";
const BOTH = "application/json, text/event-stream";

type Era = "2026-07-28" | "2025";

/** A `tools/call` as a client of `era` sends it, with its HTTP headers (but Content-Type). */
function toolsCall(
  era: Era,
  name: string,
  args: unknown,
  id: unknown = 1,
  extra: { params?: object; meta?: object; headers?: object } = {},
) {
  const params = { name, arguments: args, ...extra.params, ...(extra.meta ? { _meta: extra.meta } : {}) };
  return era === MODERN
    ? {
        text: rpcText("tools/call", params, id, ENVELOPE),
        headers: { accept: BOTH, ...modernHeaders("tools/call", name), ...extra.headers },
      }
    : { text: rpcText("tools/call", params, id), headers: { accept: BOTH, ...extra.headers } };
}

describe("the runtime's own tools/call answers are the SDK's", () => {
  let upstream: RecordingUpstream;
  let served: Served;
  let url: string;
  let service: McpService;
  let builtBySdk: ReturnType<typeof vi.spyOn>;

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    served = await serveCapability(await loadCapability(FLAGSHIP), {
      baseUris: { "metal-interconnections": `${upstream.url}/metal/v1` },
      ports: { "metal-interconnections-rest": 0, "metal-interconnections-mcp": 0 },
      env: { EQUINIX_API_KEY: "hot-path-key" },
      log: () => {},
      callTimeout: 800,
    });
    const mcp = served.listeners.find((l) => l.type === "mcp")!;
    url = mcp.url;
    service = mcp.mcp!;
    builtBySdk = vi.spyOn(service, "newServer");
  });
  afterAll(async () => {
    await served.close();
    await upstream.stop();
  });

  /** The same request both ways: the answers, and whether the runtime answered the first itself. */
  async function both(request: {
    text: string;
    headers: Record<string, string>;
  }): Promise<{ hot: Answer; sdk: Answer; answeredHere: boolean }> {
    const before = builtBySdk.mock.calls.length;
    const hot = await post(url, request.text, { ...request.headers, "content-type": HOT });
    const answeredHere = builtBySdk.mock.calls.length === before;
    const sdk = await post(url, request.text, { ...request.headers, "content-type": SDK });
    return { hot, sdk, answeredHere };
  }

  for (const era of [MODERN, "2025"] as const) {
    describe(`${era === MODERN ? "2026-07-28" : "2025-era"} clients`, () => {
      it.each(TOOLS.map((c) => [c.tool, c]))("%s, called as the spec-driven tests call it", async (_name, c) => {
        const { hot, sdk, answeredHere } = await both(toolsCall(era, c.tool, c.args, `call-${c.tool}`));
        expect(answeredHere).toBe(true);
        expect(hot).toEqual(sdk);
        expect(hot.status).toBe(200);
        expect(hot.body.result.isError ?? false).toBe(false);
        expect(hot.body.result.structuredContent.seen.method).toBe(c.expected.method);
        if (era === MODERN) {
          expect(hot.body.result.resultType).toBe("complete");
          expect(hot.body.result._meta["io.modelcontextprotocol/serverInfo"].name).toBe("metal-interconnections-mcp");
        } else expect(hot.body.result).not.toHaveProperty("resultType");
      });

      it("tool errors: bad arguments, upstream 404 and 500, an upstream that does not answer in time", async () => {
        const requests = [
          toolsCall(era, "list-project-connections", { project_id: 5, page: "two", colour: "blue" }),
          toolsCall(era, "get-interconnection", {}),
          toolsCall(era, "get-interconnection", { connection_id: "c", include: "not-an-array" }),
        ];
        for (const r of requests) {
          const { hot, sdk, answeredHere } = await both(r);
          expect(answeredHere).toBe(true);
          expect(hot).toEqual(sdk);
          expect(hot.body.result.isError).toBe(true);
        }
        try {
          for (const reply of [
            { status: 404, body: '{"errors":["Not found"]}' },
            { status: 500, body: "boom" },
            { delay: 2000, body: "{}" },
          ]) {
            upstream.reply = () => reply;
            const { hot, sdk, answeredHere } = await both(toolsCall(era, "get-interconnection", { connection_id: "c" }));
            expect(answeredHere).toBe(true);
            expect(hot).toEqual(sdk);
            expect(hot.body.result.isError).toBe(true);
          }
        } finally {
          upstream.reply = (req) => ({ body: JSON.stringify({ seen: { method: req.method, url: req.url } }) });
        }
      });

      it("structured results of every kind: an object, pretty JSON, an array, a scalar, null, deep nesting, text that is not JSON", async () => {
        const documents = [
          '{\n  "id": "c-1",\n  "2": "integer-like keys",\n  "name": "caf\\u00e9 \\"q\\" \\\\ \\n",\n  "raw": "naïve 東京 \u2028",\n  "nested": { "a": [ { "b": 1e3 } ] }\n}\n',
          '\t[{"id": 1},\r\n {"id": 2}]\r\n',
          '"just a string"',
          `${"[".repeat(300)}{"deep":true}${"]".repeat(300)}`,
          '\ufeff{"after":"a byte order mark"}',
          "42",
          "null",
          "{ nope",
          "",
        ];
        try {
          for (const document of documents) {
            upstream.reply = () => ({ headers: { "content-type": "application/json" }, body: document });
            const { hot, sdk, answeredHere } = await both(toolsCall(era, "get-interconnection", { connection_id: "c" }, 'id-"7"'));
            expect(answeredHere).toBe(true);
            expect(hot, document).toEqual(sdk);
            const { content, structuredContent } = hot.body.result;
            expect(content).toEqual([{ type: "text", text: document }]);
            let data: unknown;
            try {
              data = document ? JSON.parse(document) : undefined;
            } catch {
              data = undefined;
            }
            const object = typeof data === "object" && data !== null && !Array.isArray(data);
            // 2026-07-28 takes any JSON value; the 2025 revisions an object, anything else wrapped.
            if (data === undefined) expect(hot.body.result, document).not.toHaveProperty("structuredContent");
            else expect(structuredContent, document).toEqual(era === MODERN || object ? data : { result: data });
          }
        } finally {
          upstream.reply = (req) => ({ body: JSON.stringify({ seen: { method: req.method, url: req.url } }) });
        }
      });

      it("a JSON document with bytes that are not UTF-8: the answer carries the replaced text, valid UTF-8, as the SDK's does", async () => {
        const document = Buffer.concat([Buffer.from('{"name":"caf'), Buffer.from([0xe9, 0xff]), Buffer.from('","n":1}')]);
        try {
          upstream.reply = () => ({ headers: { "content-type": "application/json" }, body: document });
          const request = toolsCall(era, "get-interconnection", { connection_id: "c" });
          const bytes = async (contentType: string) => {
            const u = new URL(url);
            const res = await fetch(u, {
              method: "POST",
              headers: { ...request.headers, "content-type": contentType },
              body: request.text,
            });
            return Buffer.from(await res.arrayBuffer());
          };
          const before = builtBySdk.mock.calls.length;
          const hot = await bytes(HOT);
          expect(builtBySdk.mock.calls.length).toBe(before);
          const sdk = await bytes(SDK);
          expect(isUtf8(hot)).toBe(true);
          expect(JSON.parse(hot.toString())).toEqual(JSON.parse(sdk.toString()));
          const result = JSON.parse(hot.toString()).result;
          expect(result.content[0].text).toBe('{"name":"caf\ufffd\ufffd","n":1}');
          expect(result.structuredContent).toEqual({ name: "caf\ufffd\ufffd", n: 1 });
        } finally {
          upstream.reply = (req) => ({ body: JSON.stringify({ seen: { method: req.method, url: req.url } }) });
        }
      });

      it("protocol errors and requests the runtime leaves to the SDK get the SDK's answer either way", async () => {
        const cases = [
          toolsCall(era, "no-such-tool", {}),
          toolsCall(era, "get-interconnection", "not an object"),
          toolsCall(era, "get-interconnection", { connection_id: "c" }, 2.5),
          toolsCall(era, "get-interconnection", { connection_id: "c" }, null),
          toolsCall(era, "get-interconnection", { connection_id: "c" }, 1, { params: { inputResponses: {} } }),
          toolsCall(era, "get-interconnection", { connection_id: "c" }, 1, { meta: { progressToken: "p" } }),
          toolsCall(era, "get-interconnection", { connection_id: "c" }, 1, { headers: { accept: "text/event-stream, application/json" } }),
          { text: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get-interconnection",', headers: { accept: BOTH } },
          {
            text: rpcText("tools/list", {}, 1, era === MODERN ? ENVELOPE : undefined),
            headers: { accept: BOTH, ...(era === MODERN ? modernHeaders("tools/list") : {}) },
          },
        ];
        for (const r of cases) {
          const { hot, sdk } = await both(r);
          expect(hot, r.text).toEqual(sdk);
        }
      });
    });
  }

  it("2026-07-28: the envelope and standard headers are checked as the SDK checks them", async () => {
    const call = (meta: object, headers: object = {}) => {
      const text = JSON.stringify({
        jsonrpc: "2.0",
        id: 9,
        method: "tools/call",
        params: { name: "get-interconnection", arguments: { connection_id: "c" }, _meta: meta },
      });
      return { text, headers: { accept: BOTH, ...modernHeaders("tools/call", "get-interconnection"), ...headers } };
    };
    const { "io.modelcontextprotocol/clientCapabilities": _caps, ...withoutCapabilities } = ENVELOPE;
    const cases: Array<[string, { text: string; headers: Record<string, string> }, number, number | undefined]> = [
      ["Mcp-Name names another tool", call(ENVELOPE, { "mcp-name": "get-virtual-circuit" }), 400, -32020],
      ["Mcp-Method names another method", call(ENVELOPE, { "mcp-method": "tools/list" }), 400, -32020],
      ["no Mcp-Name", call(ENVELOPE, { "mcp-name": "" }), 400, -32020],
      ["header and envelope versions differ", call({ ...ENVELOPE, "io.modelcontextprotocol/protocolVersion": "2025-11-25" }), 400, -32020],
      [
        "a revision the server does not serve",
        call({ ...ENVELOPE, "io.modelcontextprotocol/protocolVersion": "2027-01-01" }, { "mcp-protocol-version": "2027-01-01" }),
        400,
        -32022,
      ],
      [
        "client capabilities that are not capabilities",
        call({ ...ENVELOPE, "io.modelcontextprotocol/clientCapabilities": { roots: 5 } }),
        400,
        -32602,
      ],
      ["client info without a name", call({ ...ENVELOPE, "io.modelcontextprotocol/clientInfo": { version: "1" } }), 400, -32602],
      ["a log level asked for", call({ ...ENVELOPE, "io.modelcontextprotocol/logLevel": "debug" }), 200, undefined],
      ["no client capabilities (read as none, as the reference engine's clients send it)", call(withoutCapabilities), 200, undefined],
    ];
    for (const [what, request, status, code] of cases) {
      const { hot, sdk } = await both(request);
      expect(hot, what).toEqual(sdk);
      expect(hot.status, what).toBe(status);
      expect(hot.body.error?.code, what).toBe(code);
      if (code === -32022) expect(hot.body.error.data.supported).toEqual([MODERN]);
    }
  });

  it("2025 era: protocol version headers and Accept headers as the SDK's transport takes them", async () => {
    const variants: Array<Record<string, string>> = [
      {},
      { accept: "*/*" },
      { accept: "application/json" },
      { "mcp-session-id": "not-a-session" },
      { "mcp-protocol-version": "2025-06-18" },
      { "mcp-protocol-version": "2025-03-26" },
    ];
    for (const headers of variants) {
      const request = { text: rpcText("tools/call", { name: "get-interconnection", arguments: { connection_id: "c" } }), headers };
      const { hot, sdk, answeredHere } = await both(request);
      expect(answeredHere, JSON.stringify(headers)).toBe(true);
      expect(hot).toEqual(sdk);
      expect(hot.type).toMatch(/application\/json/);
    }
    const unsupported = {
      text: rpcText("tools/call", { name: "get-interconnection", arguments: { connection_id: "c" } }),
      headers: { accept: BOTH, "mcp-protocol-version": "1999-01-01" },
    };
    const { hot, sdk } = await both(unsupported);
    expect(hot).toEqual(sdk);
    expect(hot.status).toBe(400);
  });
});
