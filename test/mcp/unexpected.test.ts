/**
 * An error nobody expected inside the MCP endpoint (here: the SDK server cannot be made, or the
 * tool call itself throws) is a JSON-RPC internal error with status 500 on every path a POST can
 * take (the runtime's own tools/call answer, the SDK's 2026-07-28 handler, its 2025-era
 * transport), the process keeps serving, and the logged error is scrubbed of bound values.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { mcpHttpApp } from "../../src/exposes/mcp/http.js";
import type { McpService } from "../../src/exposes/mcp/server.js";
import type { CompiledTool } from "../../src/exposes/mcp/tools.js";
import { ENVELOPE, modernHeaders, post, rpcText } from "../support/mcp.js";

const SECRET = "unexpected-secret-4242";

describe("MCP endpoint, unexpected errors", () => {
  let server: http.Server;
  let url: string;
  const tool = { name: "broken-tool" } as CompiledTool;
  const service: McpService = {
    name: "broken",
    tools: [tool],
    info: { name: "broken", version: "0" },
    cache: { ttlMs: 0, cacheScope: "private" },
    tool: (name) => (name === tool.name ? tool : undefined),
    listPage: () => ({ tools: [] }),
    call: () => Promise.reject(new Error(`the call broke (token ${SECRET})`)),
    newServer() {
      throw new Error(`cannot build a server (token ${SECRET})`);
    },
  };
  beforeAll(async () => {
    const { listener } = mcpHttpApp(service, {
      sessions: false,
      address: "127.0.0.1",
      maxBodySize: 1 << 20,
      redact: (t) => t.replaceAll(SECRET, "[REDACTED]"),
    });
    server = http.createServer(listener);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const call = { name: "broken-tool", arguments: {} };
  const accept = "application/json, text/event-stream";
  it.each([
    [
      "a tools/call the runtime answers itself (2026-07-28)",
      "application/json",
      rpcText("tools/call", call, 1, ENVELOPE),
      modernHeaders("tools/call", "broken-tool"),
      "the call broke",
    ],
    ["a tools/call the runtime answers itself (2025 era)", "application/json", rpcText("tools/call", call), {}, "the call broke"],
    [
      "a request for the SDK's 2026-07-28 handler",
      "application/json; charset=utf-8",
      rpcText("tools/list", {}, 1, ENVELOPE),
      modernHeaders("tools/list"),
      "cannot build a server",
    ],
    [
      "a request for the SDK's 2025-era transport",
      "application/json; charset=utf-8",
      rpcText("tools/list", {}),
      {},
      "cannot build a server",
    ],
  ])("answers 500 with an internal error, and logs it scrubbed: %s", async (_what, type, text, headers, logged) => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const res = await post(url, text, { "content-type": type, accept, ...headers });
      expect(res.status).toBe(500);
      expect(res.body).toMatchObject({ jsonrpc: "2.0", error: { code: -32603 } });
      expect(JSON.stringify(res.body)).not.toContain(SECRET);
      const lines = errors.mock.calls.map((args) => args.join(" "));
      expect(lines.some((l) => l.includes(logged) && l.includes("[REDACTED]"))).toBe(true);
      expect(lines.join("\n")).not.toContain(SECRET);
    } finally {
      errors.mockRestore();
    }
    // Still serving.
    const again = await fetch(url, { method: "GET" });
    expect(again.status).toBe(405);
  });
});
