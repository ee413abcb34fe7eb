/**
 * Hostile input through REST and MCP. None of it reaches another upstream path,
 * crashes the runtime, or is forwarded unvalidated.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFaults, type FaultsRig } from "../support/faults.js";
import { rawBytes, rawRequest } from "../support/raw-http.js";

let rig: FaultsRig;
beforeAll(async () => {
  rig = await startFaults({ callTimeout: 2_000, maxBodySize: 4_096 });
});
afterAll(async () => {
  await rig.stop();
});

/** Upstream requests made while `fn` ran. */
async function sent<T>(fn: () => Promise<T>): Promise<{ result: T; upstream: FaultsRig["upstream"]["requests"] }> {
  const before = rig.upstream.requests.length;
  const result = await fn();
  return { result, upstream: rig.upstream.requests.slice(before) };
}

function rpc(body: string, headers: Record<string, string> = {}) {
  return fetch(rig.mcp, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body,
  });
}

describe("REST path variables", () => {
  // value as sent → what the upstream may see: nothing, or the item path with exactly one encoded segment
  const cases: Array<[string, string | null]> = [
    ["../../admin", null],
    ["..%2F..%2Fadmin", "/api/items/..%2F..%2Fadmin"],
    ["%2e%2e", null],
    ["%2E%2E%2Fadmin", "/api/items/..%2Fadmin"],
    [".", null],
    ["%2e", null],
    ["a%2Fb", "/api/items/a%2Fb"],
    ["a%5C..%5Cb", "/api/items/a%5C..%5Cb"],
    ["a%00b", "/api/items/a%00b"],
    ["a%0D%0AX-Evil:%201", "/api/items/a%0D%0AX-Evil%3A%201"],
    ["%", "/api/items/%25"],
    ["x".repeat(10_240), `/api/items/${"x".repeat(10_240)}`],
  ];
  it.each(cases)("%s", async (value, expected) => {
    const { result, upstream } = await sent(() => rawRequest(rig.rest, "GET", `/v1/items/${value}`));
    if (expected === null) {
      expect([400, 404]).toContain(result.status);
      expect(upstream).toEqual([]);
    } else {
      expect(result.status).toBe(200);
      expect(upstream.map((r) => r.path)).toEqual([expected]);
    }
    expect(JSON.parse(result.body)).toBeTypeOf("object");
  });

  it("`..` arriving decoded as a whole value is refused with 400 on MCP too, and nothing goes upstream", async () => {
    for (const id of ["..", ".", ""]) {
      const { result, upstream } = await sent(() => rig.callTool("get-item", { id }));
      expect(result.result?.isError).toBe(true);
      expect(upstream).toEqual([]);
    }
  });
});

describe("header injection", () => {
  it("CR/LF reaching an upstream header from a REST path variable is 400, nothing sent", async () => {
    const { result, upstream } = await sent(() => rawRequest(rig.rest, "GET", "/v1/traced/ok/a%0D%0AX-Evil:%201"));
    expect(result.status).toBe(400);
    expect(JSON.parse(result.body).problems[0]).toMatchObject({ in: "header", message: expect.stringMatching(/CR, LF/) });
    expect(upstream).toEqual([]);
    const ok = await sent(() => rawRequest(rig.rest, "GET", "/v1/traced/ok/trace-1"));
    expect(ok.upstream[0].headers["x-trace"]).toBe("trace-1");
  });

  it("CR/LF or NUL in an MCP argument bound for a header is a tool error, nothing sent", async () => {
    for (const trace of ["a\r\nX-Evil: 1", "a\nb", "a\u0000b"]) {
      const { result, upstream } = await sent(() => rig.callTool("get-traced", { id: "ok", trace }));
      expect(result.result?.isError).toBe(true);
      expect(upstream).toEqual([]);
    }
  });

  it("a folded or split header line is refused by the HTTP parser (400), nothing sent", async () => {
    const port = new URL(rig.rest).port;
    for (const trick of [
      `GET /v1/items/ok HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-A: a\r\n X-Evil: 1\r\n\r\n`,
      `GET /v1/items/ok HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\rX-Evil: 1\r\n\r\n`,
    ]) {
      const { result, upstream } = await sent(() => rawBytes(rig.rest, trick));
      expect(result).toMatch(/^HTTP\/1\.1 400/);
      expect(upstream).toEqual([]);
    }
  });
});

describe("request bodies", () => {
  const put = (body: string | Buffer, headers: Record<string, string> = { "content-type": "application/json" }) =>
    sent(() => rawRequest(rig.rest, "PUT", "/v1/items/ok", headers, body));

  it("oversized: 413 past the configured limit, with Content-Length or chunked; MCP too", async () => {
    const big = JSON.stringify({ a: "x".repeat(5_000) });
    const variants: Array<Record<string, string>> = [
      { "content-type": "application/json" },
      { "content-type": "application/json", "transfer-encoding": "chunked" },
    ];
    for (const headers of variants) {
      const { result, upstream } = await put(big, headers);
      expect(result.status).toBe(413);
      expect(JSON.parse(result.body).error).toBe("payload_too_large");
      expect(upstream).toEqual([]);
    }
    const mcp = await sent(() =>
      rpc(
        JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "tools/call",
          params: { name: "put-item", arguments: { id: "ok", body: { a: "x".repeat(5_000) } } },
        }),
      ),
    );
    expect(mcp.result.status).toBe(413);
    expect(mcp.upstream).toEqual([]);
  });

  it("malformed JSON is 400, the wrong content type 415, on REST and MCP", async () => {
    const bad = await put("{bad");
    expect(bad.result.status).toBe(400);
    expect(JSON.parse(bad.result.body).problems[0].parameter).toBe("body");
    const type = await put("{}", { "content-type": "text/plain" });
    expect(type.result.status).toBe(415);
    expect([...bad.upstream, ...type.upstream]).toEqual([]);
    expect((await rpc("{bad")).status).toBe(400);
    expect((await rpc("{}", { "content-type": "text/plain" })).status).toBe(415);
  });

  it("deeply nested JSON is 400 (REST) and a tool error (MCP), not a stack overflow", async () => {
    const deep = (n: number) => '{"a":'.repeat(n) + "1" + "}".repeat(n);
    const rest = await sent(() => rawRequest(rig.rest, "PUT", "/v1/items/ok", { "content-type": "application/json" }, deep(600)));
    expect(rest.result.status).toBe(400);
    expect(rest.result.body).toMatch(/nested deeper than 64 levels/);
    expect((await put(deep(40))).result.status).toBe(200);
    const big = await startFaults({ callTimeout: 2_000 });
    try {
      const r = await rawRequest(big.rest, "PUT", "/v1/items/ok", { "content-type": "application/json" }, deep(100_000));
      expect(r.status).toBe(400);
      const mcp = await fetch(big.mcp, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"put-item","arguments":{"id":"ok","body":${deep(100_000)}}}}`,
      });
      const body = (await mcp.json()) as { result?: { isError?: boolean; content: Array<{ text: string }> } };
      expect(body.result?.isError).toBe(true);
      expect(body.result?.content[0].text).toMatch(/nested deeper/);
      expect(big.upstream.requests).toEqual([]);
    } finally {
      await big.stop();
    }
  });
});

describe("query parameters", () => {
  it("unknown ones are ignored and never forwarded; declared ones are validated", async () => {
    const { result, upstream } = await sent(() =>
      rawRequest(rig.rest, "GET", "/v1/items/ok?evil=1&limit=3&__proto__=x&constructor=y&include=a,b&X-Api-Key=stolen&limit[]=9"),
    );
    expect(result.status).toBe(200);
    expect(upstream).toHaveLength(1);
    const names = [...new URLSearchParams(upstream[0].url.split("?")[1]).keys()];
    expect(names.sort()).toEqual(["include", "limit"]);
    expect(upstream[0].headers["x-api-key"]).not.toBe("stolen");
    const bad = await sent(() => rawRequest(rig.rest, "GET", "/v1/items/ok?limit=3;DROP"));
    expect(bad.result.status).toBe(400);
    expect(bad.upstream).toEqual([]);
  });
});

describe("MCP arguments and JSON-RPC", () => {
  it("wrong types and extra properties are tool errors naming each argument; nothing sent", async () => {
    const { result, upstream } = await sent(() => rig.callTool("get-item", { id: 5, limit: "ten", extra: 1, __proto__x: 2 }));
    expect(result.result?.isError).toBe(true);
    const text = result.result!.content[0].text;
    for (const name of ["id", "limit", "extra", "__proto__x"]) expect(text).toContain(name);
    expect(upstream).toEqual([]);
  });

  it("a __proto__ argument is an unknown argument like any other: named in a tool error, no pollution, nothing sent", async () => {
    const { result, upstream } = await sent(() =>
      rpc(
        '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get-item","arguments":{"id":"proto","__proto__":{"limit":"zz","include":"x"}}}}',
      ),
    );
    const body = (await result.json()) as { result: { isError?: boolean; content: Array<{ text: string }> } };
    expect(body.result.isError).toBe(true);
    expect(body.result.content[0].text).toContain("__proto__");
    expect(upstream).toEqual([]);
    expect(({} as Record<string, unknown>).limit).toBeUndefined();
  });

  it("garbage, wrong shapes and batches get JSON-RPC answers, never a crash", async () => {
    // Text that is not JSON is a parse error (-32700); JSON that is not a JSON-RPC request is an invalid request (-32600).
    const answers: Array<[string, number]> = [
      ["garbage", -32700],
      ["{", -32700],
      ["null", -32600],
      ['"str"', -32600],
      ["[1,2]", -32600],
      [JSON.stringify({ jsonrpc: "1.0", id: {}, method: 5 }), -32600],
    ];
    for (const [body, code] of answers) {
      const r = await rpc(body);
      expect(r.status, body).toBe(400);
      expect(((await r.json()) as { error: { code: number } }).error.code, body).toBe(code);
    }
    // Arguments that are not an object are invalid params (-32602) naming them, not an internal error.
    const notObject = await rpc(
      JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "get-item", arguments: "x" } }),
    );
    const notObjectError = ((await notObject.json()) as { error: { code: number; message: string } }).error;
    expect(notObjectError.code).toBe(-32602);
    expect(notObjectError.message).toMatch(/arguments/);
    const unknown = await rpc(JSON.stringify({ jsonrpc: "2.0", id: 8, method: "nope" }));
    expect(((await unknown.json()) as { error: { code: number } }).error.code).toBe(-32601);

    const batch = await sent(() =>
      rpc(
        JSON.stringify([
          { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "get-item", arguments: { id: ".." } } },
          { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "get-item", arguments: { id: "ok", extra: 1 } } },
          { jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "get-item", arguments: { id: "batch-ok" } } },
        ]),
      ),
    );
    // Batches are answered (or refused as a whole) by the SDK; what runs is validated like a single call.
    expect([200, 400]).toContain(batch.result.status);
    expect(batch.upstream.map((r) => r.path).filter((p) => p !== "/api/items/batch-ok")).toEqual([]);
    expect((await rig.callTool("get-item", { id: "ok" })).result?.isError ?? false).toBe(false);
  });
});
