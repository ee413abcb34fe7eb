/**
 * A bounded number of upstream calls in flight per consumes block, callers beyond
 * it queue for a bounded time then get 503 + Retry-After; and a bounded load test on loopback.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFaults, type FaultsRig } from "../support/faults.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

async function pool<T>(total: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(total);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}

describe("in-flight bound per consumes block", () => {
  it("queues callers beyond the bound, then answers 503 with Retry-After (REST) and isError (MCP)", async () => {
    const rig = await startFaults({ callTimeout: 5_000, limits: { maxInFlight: 2, queueTimeout: 300 } });
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, rig.upstream.open())), 5);
    try {
      const rest = Array.from({ length: 5 }, () =>
        fetch(`${rig.rest}/v1/items/delay-1000`).then(async (r) => ({
          status: r.status,
          retryAfter: r.headers.get("retry-after"),
          body: await r.text(),
        })),
      );
      await new Promise((r) => setTimeout(r, 50));
      const tool = await rig.callTool("get-item", { id: "delay-1000" });
      const results = await Promise.all(rest);
      expect(results.filter((r) => r.status === 200)).toHaveLength(2);
      const refused = results.filter((r) => r.status === 503);
      expect(refused).toHaveLength(3);
      for (const r of refused) {
        expect(r.retryAfter).toMatch(/^\d+$/);
        expect(JSON.parse(r.body).error).toBe("upstream_overloaded");
      }
      expect(tool.result?.isError).toBe(true);
      expect(tool.result?.content[0].text).toContain("503");
      expect(peak).toBeLessThanOrEqual(2);
      // Slots come back: a call now goes through.
      expect((await fetch(`${rig.rest}/v1/items/ok`)).status).toBe(200);
    } finally {
      clearInterval(sampler);
      await rig.stop();
    }
  });

  it("a queued caller gets the slot when one frees up within the queue timeout", async () => {
    const rig = await startFaults({ callTimeout: 5_000, limits: { maxInFlight: 1, queueTimeout: 2_000 } });
    try {
      const statuses = await Promise.all([0, 1, 2].map(() => fetch(`${rig.rest}/v1/items/delay-100`).then((r) => r.status)));
      expect(statuses).toEqual([200, 200, 200]);
    } finally {
      await rig.stop();
    }
  });
});

describe("slots come back", () => {
  it("when the caller goes away: waiting for headers, or in the middle of a passed-through body", async () => {
    const rig = await startFaults({ callTimeout: 5_000, limits: { maxInFlight: 1, queueTimeout: 200 } });
    try {
      for (const fault of ["slow-headers", "slow-body"]) {
        const gone = new AbortController();
        const call = fetch(`${rig.rest}/v1/items/${fault}`, { signal: gone.signal }).then(
          (r) => r.text(),
          () => "aborted",
        );
        while (rig.upstream.open() < 1) await new Promise((r) => setTimeout(r, 10));
        gone.abort();
        await call.catch(() => {});
        await new Promise((r) => setTimeout(r, 50));
        expect((await fetch(`${rig.rest}/v1/items/ok`)).status).toBe(200);
      }
      expect(rig.upstream.open()).toBe(0);
    } finally {
      await rig.stop();
    }
  });
});

describe("load: 2,000 requests at concurrency 200 through REST and through MCP against a slow upstream", () => {
  let rig: FaultsRig;
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  beforeAll(async () => {
    process.on("unhandledRejection", onUnhandled);
    rig = await startFaults({ callTimeout: 10_000, limits: { maxInFlight: 64, queueTimeout: 5_000 } });
  });
  afterAll(async () => {
    await rig.stop();
    process.off("unhandledRejection", onUnhandled);
  });

  it("answers every request with success or a documented error, stays up, and gives its memory back", async () => {
    // Warm up (JIT, pools), then measure from a collected heap.
    await pool(200, 50, () => fetch(`${rig.rest}/v1/items/delay-5`).then((r) => r.arrayBuffer()));
    await pool(200, 50, () => rig.callTool("get-item", { id: "delay-5" }));
    gc();
    const start = process.memoryUsage().heapUsed;

    const t0 = Date.now();
    const rest = await pool(2_000, 200, async (i) => {
      const r = await fetch(`${rig.rest}/v1/items/delay-20?limit=${i}`);
      const body = await r.text();
      if (r.status === 200) expect(JSON.parse(body).ok).toBe(true);
      else expect(r.headers.get("retry-after")).toMatch(/^\d+$/);
      return r.status;
    });
    const mcp = await pool(2_000, 200, async (i) => {
      const r = await rig.callTool("get-item", { id: "delay-20", limit: i });
      expect(r.status).toBe(200);
      if (r.result?.isError) expect(r.result.content[0].text).toContain("503");
      return r.result?.isError ? 503 : 200;
    });
    const elapsed = Date.now() - t0;

    for (const list of [rest, mcp]) {
      expect(list).toHaveLength(2_000);
      expect(list.every((s) => s === 200 || s === 503)).toBe(true);
    }
    // With 64 slots and a 5 s queue, nothing needs to be refused at this load.
    expect(rest.filter((s) => s === 200).length).toBe(2_000);
    expect(mcp.filter((s) => s === 200).length).toBe(2_000);
    expect(unhandled).toEqual([]);
    expect(elapsed).toBeLessThan(40_000);

    // Still up, slots all returned.
    expect((await fetch(`${rig.rest}/v1/items/ok`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    expect(rig.upstream.open()).toBe(0);
    gc();
    await new Promise((r) => setTimeout(r, 50));
    gc();
    const grown = process.memoryUsage().heapUsed - start;
    if (process.env.LOAD_REPORT)
      console.log(`load: ${elapsed} ms, heap ${(start / 2 ** 20).toFixed(1)} MB → +${(grown / 2 ** 20).toFixed(1)} MB`);
    expect(grown).toBeLessThan(24 * 1024 * 1024);
  }, 45_000);
});
