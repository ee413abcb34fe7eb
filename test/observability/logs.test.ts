/**
 * Logs as an operator reads them: pino JSON lines on stderr from the real CLI — startup, one line per
 * REST or MCP call, shutdown — with request ids reused and forwarded upstream, and no secret anywhere.
 */
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/observability/log.js";
import { childEnv, CLI, logLines, ROOT, runCli, spawnServe } from "../support/cli.js";
import { freePort } from "../support/ports.js";
import { echo, startRecordingUpstream } from "../support/recording-upstream.js";

const FLAGSHIP = "metal-interconnections.naftiko.yaml";
const REST = "metal-interconnections-rest";
const MCP = "metal-interconnections-mcp";
const SECRET = "log-secret-9f8e7d6c5b";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("serve logs", () => {
  it("writes JSON lines: startup, one per call with request id, exposes, operation, statuses and duration, shutdown; no secret", async () => {
    const upstream = await startRecordingUpstream((req) =>
      req.path.includes("/leak") ? { status: 500, body: JSON.stringify({ error: `bad key ${SECRET}` }) } : echo(req),
    );
    const proc = await spawnServe(
      [
        FLAGSHIP,
        "--base-uri",
        `metal-interconnections=${upstream.url}/metal/v1`,
        "--port",
        `${REST}=0`,
        "--port",
        `${MCP}=0`,
        "--log-level",
        "debug",
      ],
      { EQUINIX_API_KEY: SECRET },
    );
    try {
      const rest = proc.urls[REST];
      const given = await fetch(`${rest}/v1/connections/c1`, { headers: { "x-request-id": "req-abc-123" } });
      expect(given.headers.get("x-request-id")).toBe("req-abc-123");
      expect(upstream.requests[0].headers["x-request-id"]).toBe("req-abc-123");

      const fresh = await fetch(`${rest}/v1/connections/c2`);
      const freshId = fresh.headers.get("x-request-id")!;
      expect(freshId).toMatch(UUID);
      expect(upstream.requests[1].headers["x-request-id"]).toBe(freshId);

      // An id that is not a sane token is replaced, never echoed into logs or upstream.
      const odd = await fetch(`${rest}/v1/connections/c3`, { headers: { "x-request-id": "a b\tc" } });
      expect(odd.headers.get("x-request-id")).toMatch(UUID);

      const leak = await fetch(`${rest}/v1/connections/leak`, { headers: { "x-request-id": "req-leak" } });
      expect(leak.status).toBe(500);
      expect(await leak.text()).not.toContain(SECRET);

      const unrouted = await fetch(`${rest}/v1/nowhere?token=${SECRET}`, { headers: { "x-request-id": "req-404" } });
      expect(unrouted.status).toBe(404);
      expect(unrouted.headers.get("x-request-id")).toBe("req-404");

      const client = new Client({ name: "logs-test", version: "1.0.0" });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(proc.urls[MCP]), { requestInit: { headers: { "x-request-id": "mcp-req-1" } } }),
      );
      await client.callTool({ name: "get-interconnection", arguments: { connection_id: "m1" } });
      await client.close();
      expect(upstream.requests.at(-1)!.headers["x-request-id"]).toBe("mcp-req-1");

      expect(await proc.stop("SIGTERM")).toBe(0);
      const stderr = proc.stderr();
      expect(stderr).not.toContain(SECRET);
      const lines = logLines(stderr);
      expect(lines.filter((l) => l.plain)).toEqual([]);
      const msgs = lines.map((l) => String(l.msg));
      expect(msgs.some((m) => m.startsWith(`naftiko: rest ${REST} listening on http://127.0.0.1:`))).toBe(true);
      expect(msgs.some((m) => m.startsWith(`naftiko: mcp ${MCP} listening on http://127.0.0.1:`))).toBe(true);
      expect(msgs).toContain("naftiko: ready — Metal API — Interconnections");
      expect(msgs).toContain("naftiko: SIGTERM, finishing in-flight calls");
      expect(msgs.at(-1)).toBe("naftiko: stopped");
      for (const l of lines) expect(typeof l.time).toBe("string");

      const calls = lines.filter((l) => l.msg === "call");
      expect(calls).toHaveLength(6);
      expect(calls[0]).toMatchObject({
        reqId: "req-abc-123",
        kind: "rest",
        exposes: REST,
        operation: "getinterconnection",
        method: "GET",
        route: "/v1/connections/{connection-id}",
        status: 200,
        upstreamStatus: 200,
        upstreamCalls: 1,
      });
      expect(calls[0].durationMs).toEqual(expect.any(Number));
      expect(calls[1].reqId).toBe(freshId);
      expect(calls[3]).toMatchObject({ reqId: "req-leak", status: 500, upstreamStatus: 500, level: 40 });
      // No route: logged with the path (never the query), operation "(none)".
      expect(calls[4]).toMatchObject({
        reqId: "req-404",
        kind: "rest",
        operation: "(none)",
        method: "GET",
        path: "/v1/nowhere",
        status: 404,
      });
      expect(calls[5]).toMatchObject({
        reqId: "mcp-req-1",
        kind: "mcp",
        exposes: MCP,
        tool: "get-interconnection",
        status: "ok",
        upstreamStatus: 200,
      });
      // --log-level debug adds one line per upstream call.
      expect(lines.filter((l) => l.msg === "upstream call")).toHaveLength(5);
    } finally {
      await proc.stop();
      await upstream.stop();
    }
  });

  it("--log-level warn keeps only warnings and errors; a bad level says which exist", async () => {
    const upstream = await startRecordingUpstream((req) => (req.path.includes("/down") ? { status: 503, body: "{}" } : echo(req)));
    const [restPort, controlPort] = [await freePort(), await freePort()];
    const child = spawn(
      process.execPath,
      [
        CLI,
        "serve",
        FLAGSHIP,
        "--base-uri",
        `metal-interconnections=${upstream.url}`,
        "--port",
        `${REST}=${restPort}`,
        "--port",
        `${MCP}=0`,
        "--control-port",
        String(controlPort),
        "--log-level",
        "warn",
      ],
      {
        cwd: ROOT,
        env: childEnv({ EQUINIX_API_KEY: SECRET }),
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise((r) => child.once("exit", r));
    try {
      // Nothing is printed at start at this level: readiness comes from the control port.
      const deadline = Date.now() + 15_000;
      while (
        !(await fetch(`http://127.0.0.1:${controlPort}/health/ready`).then(
          (r) => r.ok,
          () => false,
        ))
      ) {
        if (Date.now() > deadline) throw new Error(`not ready:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect((await fetch(`http://127.0.0.1:${restPort}/v1/connections/ok`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${restPort}/v1/connections/down`)).status).toBe(503);
    } finally {
      child.kill("SIGTERM");
      await exited;
      await upstream.stop();
    }
    const lines = logLines(stderr);
    expect(lines.map((l) => l.msg)).toEqual(["call"]);
    expect(lines[0]).toMatchObject({ level: 40, status: 503, operation: "getinterconnection" });

    const bad = await runCli(["serve", FLAGSHIP, "--log-level", "loud"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--log-level must be one of trace, debug, info, warn, error, fatal, silent/);
  });

  it("pretty-prints on a terminal", async () => {
    let out = "";
    const { logger } = await createLogger({ pretty: true, write: (l) => (out += l) });
    logger.info({ reqId: "r1" }, "naftiko: ready — X");
    expect(out).toContain("naftiko: ready — X");
    expect(out).toContain("r1");
    expect(() => JSON.parse(out)).toThrow();
  });
});
