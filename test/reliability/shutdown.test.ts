/**
 * SIGTERM stops accepting, lets in-flight calls finish within the grace period,
 * then exits 0. Run on the real CLI, since signals and exit codes are the point.
 */
import { describe, expect, it } from "vitest";
import { spawnServe } from "../support/cli.js";
import { startFaultUpstream } from "../support/fault-upstream.js";
import { FAULTS_FILE } from "../support/faults.js";
import { connectable } from "../support/ports.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("shutdown on SIGTERM", () => {
  it("finishes in-flight REST and MCP calls during the grace period, refuses new connections, exits 0", async () => {
    const upstream = await startFaultUpstream();
    const proc = await spawnServe(
      [FAULTS_FILE, "--base-uri", `faults=${upstream.url}/api`, "--port", "faults-rest=0", "--port", "faults-mcp=0", "--grace", "8000"],
      { FAULTS_KEY: "k-shutdown-1234" },
    );
    try {
      const rest = proc.urls["faults-rest"];
      const mcp = proc.urls["faults-mcp"];
      const inflight = [
        fetch(`${rest}/v1/items/delay-1500`).then(async (r) => ({ status: r.status, body: await r.text() })),
        fetch(mcp, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: 1,
            method: "tools/call",
            params: { name: "get-item", arguments: { id: "delay-1600" } },
          }),
        }).then(async (r) => ({ status: r.status, body: await r.text() })),
      ];
      while (upstream.open() < 2) await sleep(20);
      const t0 = Date.now();
      const exited = proc.stop("SIGTERM");
      await sleep(300);
      expect(await connectable(rest)).toBe(false);
      expect(await connectable(mcp)).toBe(false);
      const [r, m] = await Promise.all(inflight);
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body)).toMatchObject({ ok: true, url: "/api/items/delay-1500" });
      expect(m.status).toBe(200);
      expect(JSON.parse(m.body).result.isError ?? false).toBe(false);
      expect(await exited).toBe(0);
      // It left as soon as the calls were done, not at the end of the grace period.
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect(proc.stderr()).toMatch(/SIGTERM, finishing in-flight calls[\s\S]*stopped/);
    } finally {
      await proc.stop("SIGKILL");
      await upstream.stop();
    }
  });

  it("a call still running when the grace period ends is cut, and the process exits 0 promptly", async () => {
    const upstream = await startFaultUpstream();
    const proc = await spawnServe(
      [FAULTS_FILE, "--base-uri", `faults=${upstream.url}/api`, "--port", "faults-rest=0", "--port", "faults-mcp=0", "--grace", "500"],
      { FAULTS_KEY: "k-shutdown-1234" },
    );
    try {
      const hung = fetch(`${proc.urls["faults-rest"]}/v1/items/slow-headers`).then(
        (r) => r.status,
        () => "cut",
      );
      while (upstream.open() < 1) await sleep(20);
      const t0 = Date.now();
      expect(await proc.stop("SIGTERM")).toBe(0);
      expect(Date.now() - t0).toBeLessThan(3_000);
      expect(await hung).toBe("cut");
      await sleep(100);
      expect(upstream.open()).toBe(0); // the upstream call was cancelled, not left dangling
    } finally {
      await proc.stop("SIGKILL");
      await upstream.stop();
    }
  });
});
