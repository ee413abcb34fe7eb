/**
 * An error nobody expected inside the MCP endpoint (here: the SDK server cannot be made) is a
 * JSON-RPC "Internal error" with status 500 on either path a POST can take, the process keeps
 * serving, and the logged error is scrubbed of bound values.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { mcpHttpApp } from "../../src/exposes/mcp/http.js";
import type { McpService } from "../../src/exposes/mcp/server.js";

const SECRET = "unexpected-secret-4242";

describe("MCP endpoint, unexpected errors", () => {
  let server: http.Server;
  let url: string;
  const service: McpService = {
    name: "broken",
    tools: [],
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

  // `application/json` exactly takes the direct path; with a charset, Hono and the SDK's transport.
  it.each(["application/json", "application/json; charset=utf-8"])(
    "answers 500 Internal error (Content-Type %s) and logs it scrubbed",
    async (type) => {
      const logged = vi.spyOn(console, "error").mockImplementation(() => {});
      try {
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": type, accept: "application/json, text/event-stream" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
        });
        expect(res.status).toBe(500);
        expect(await res.json()).toEqual({ jsonrpc: "2.0", error: { code: -32603, message: "Internal error" }, id: null });
        const lines = logged.mock.calls.map((args) => args.join(" "));
        expect(lines.some((l) => l.includes("cannot build a server") && l.includes("[REDACTED]"))).toBe(true);
        expect(lines.join("\n")).not.toContain(SECRET);
      } finally {
        logged.mockRestore();
      }
      // Still serving.
      const again = await fetch(url, { method: "GET" });
      expect(again.status).toBe(405);
    },
  );
});
