/**
 * Every upstream fault gets the documented answer within the configured timeout,
 * the runtime stays up, the next good call works, and retries happen only where they are safe.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refusedPort } from "../support/fault-upstream.js";
import { startFaults, type FaultsRig } from "../support/faults.js";

const TIMEOUT = 800;
const SLACK = 700;
const RETRY = { retries: 2, baseDelay: 20, maxDelay: 100, maxRetryAfter: 1_500 };

const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);

describe("upstream faults (REST and MCP)", () => {
  let rig: FaultsRig;
  beforeAll(async () => {
    process.on("unhandledRejection", onUnhandled);
    rig = await startFaults({ callTimeout: TIMEOUT, retry: RETRY });
  });
  afterAll(async () => {
    await rig.stop();
    process.off("unhandledRejection", onUnhandled);
    expect(unhandled).toEqual([]);
  });

  async function get(path: string, init?: RequestInit) {
    const t0 = Date.now();
    const res = await fetch(`${rig.rest}${path}`, init);
    const text = await res.text();
    return { status: res.status, text, ms: Date.now() - t0, headers: res.headers, json: () => JSON.parse(text) };
  }

  async function expectNextGoodCall() {
    const ok = await get("/v1/items/ok");
    expect(ok.status).toBe(200);
    expect(ok.json().ok).toBe(true);
    const tool = await rig.callTool("get-item", { id: "ok" });
    expect(tool.result?.isError ?? false).toBe(false);
  }

  // fault → REST status, error code (runtime-made errors) or upstream body marker, tries upstream
  const cases: Array<[string, number, string, number]> = [
    ["reset", 502, "upstream_unreachable", 1],
    ["drop", 502, "upstream_unreachable", 3],
    ["slow-headers", 504, "upstream_timeout", 1],
    ["slow-body", 504, "upstream_timeout", 1],
    ["s500", 500, "injected 500", 1],
    ["s502", 502, "injected 502", 3],
    ["s503", 503, "injected 503", 1], // its Retry-After: 1 does not fit in the 800 ms timeout
    ["s504", 504, "injected 504", 3],
    ["s429-long", 429, "slow down", 1],
  ];
  it.each(cases)("GET %s → %i (%s) within the timeout after %i tries; the next call works", async (fault, status, marker, tries) => {
    const r = await get(`/v1/items/${fault}`);
    expect(r.status).toBe(status);
    expect(r.text).toContain(marker);
    expect(r.headers.get("content-type")).toMatch(/json/);
    expect(r.ms).toBeLessThan(TIMEOUT + SLACK);
    expect(rig.upstream.hits(`/api/items/${fault}`)).toBe(tries);
    if (fault === "s429-long") expect(r.headers.get("retry-after")).toBe("120");

    const t0 = Date.now();
    const tool = await rig.callTool("get-item", { id: fault });
    expect(Date.now() - t0).toBeLessThan(TIMEOUT + SLACK);
    expect(tool.status).toBe(200);
    expect(tool.result?.isError).toBe(true);
    expect(tool.result?.content[0].text).toContain(String(status));
    await expectNextGoodCall();
  });

  it("garbage JSON on a mapped operation is 502 (REST) and isError (MCP); passed through untouched where not mapped", async () => {
    const r = await get("/v1/mapped/garbage");
    expect(r.status).toBe(502);
    expect(r.json().error).toMatch(/^upstream_/);
    const tool = await rig.callTool("get-mapped", { id: "garbage" });
    expect(tool.result?.isError).toBe(true);
    const raw = await get("/v1/items/garbage");
    expect(raw.status).toBe(200);
    expect(raw.text).toBe("{this is <not> json");
    await expectNextGoodCall();
  });

  it("retries an idempotent call that fails then succeeds: GET, PUT, DELETE", async () => {
    expect((await get("/v1/items/flaky502-2")).status).toBe(200);
    expect(rig.upstream.hits("/api/items/flaky502-2")).toBe(3);
    expect(
      (await get("/v1/items/flakydrop-1", { method: "PUT", headers: { "content-type": "application/json" }, body: "{}" })).status,
    ).toBe(200);
    expect(rig.upstream.hits("/api/items/flakydrop-1")).toBe(2);
    expect((await get("/v1/items/flaky502-1", { method: "DELETE" })).status).toBe(200);
    expect(rig.upstream.hits("/api/items/flaky502-1")).toBe(2);
    const tool = await rig.callTool("get-item", { id: "flaky504-1" });
    expect(tool.result?.isError ?? false).toBe(false);
    expect(rig.upstream.hits("/api/items/flaky504-1")).toBe(2);
  });

  it("never retries POST, even when an MCP hint calls it idempotent", async () => {
    const before = rig.upstream.requests.filter((r) => r.method === "POST").length;
    const r = await get("/v1/items", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ fault: "s503" }),
    });
    expect(r.status).toBe(503);
    const tool = await rig.callTool("create-item", { body: { fault: "drop" } });
    expect(tool.result?.isError).toBe(true);
    expect(rig.upstream.requests.filter((r) => r.method === "POST").length - before).toBe(2);
  });

  it("never retries a GET the file says is not idempotent (hints.idempotent: false), on REST or MCP", async () => {
    expect((await get("/v1/counter/flaky503-1")).status).toBe(503);
    expect(rig.upstream.hits("/api/counter/flaky503-1")).toBe(1);
    const tool = await rig.callTool("bump-counter", { id: "flaky503-5" });
    expect(tool.result?.isError).toBe(true);
    expect(rig.upstream.hits("/api/counter/flaky503-5")).toBe(1);
  });

  it("a 429 whose Retry-After does not fit in the timeout is passed through at once with its Retry-After", async () => {
    const r = await get("/v1/items/s429");
    expect(r.status).toBe(429);
    expect(r.headers.get("retry-after")).toBe("1");
    expect(r.ms).toBeLessThan(TIMEOUT);
    expect(rig.upstream.hits("/api/items/s429")).toBe(1);
  });
});

describe("upstream bodies too large to read whole", () => {
  it("are 502 where they must be read (mapped, MCP), and streamed where they are passed through (REST $.)", async () => {
    const rig = await startFaults({ callTimeout: 5_000, maxResponseBody: 1024 * 1024 });
    try {
      for (const fault of ["huge", "huge-chunked"]) {
        const mapped = await fetch(`${rig.rest}/v1/mapped/${fault}`);
        expect(mapped.status).toBe(502);
        expect(((await mapped.json()) as { error: string; message: string }).error).toBe("upstream_bad_response");
        const tool = await rig.callTool("get-item", { id: fault });
        expect(tool.result?.isError).toBe(true);
        expect(tool.result?.content[0].text).toMatch(/502.*larger than 1048576 bytes/);
        const streamed = await fetch(`${rig.rest}/v1/items/${fault}`);
        expect(streamed.status).toBe(200);
        expect((await streamed.arrayBuffer()).byteLength).toBeGreaterThan(3 * 1024 * 1024);
      }
      expect((await fetch(`${rig.rest}/v1/items/ok`)).status).toBe(200);
    } finally {
      await rig.stop();
    }
  });

  it("redirects are never followed: the credentials go to no other origin", async () => {
    const rig = await startFaults({ callTimeout: 2_000 });
    try {
      const r = await fetch(`${rig.rest}/v1/items/redirect`, { redirect: "manual" });
      expect(r.status).toBe(302);
      expect(r.headers.get("location")).toBeNull();
      expect(rig.upstream.requests).toHaveLength(1);
    } finally {
      await rig.stop();
    }
  });
});

describe("retry timing", () => {
  it("honours Retry-After (waits at least that long) when it fits in the timeout and under the cap", async () => {
    const rig = await startFaults({ callTimeout: 3_000, retry: RETRY });
    try {
      const t0 = Date.now();
      const res = await fetch(`${rig.rest}/v1/items/flaky429-1`);
      expect(res.status).toBe(200);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(990);
      expect(rig.upstream.hits("/api/items/flaky429-1")).toBe(2);
    } finally {
      await rig.stop();
    }
  });

  it("retries nothing with --retries 0", async () => {
    const rig = await startFaults({ callTimeout: TIMEOUT, retry: { retries: 0 } });
    try {
      expect((await fetch(`${rig.rest}/v1/items/flaky503-1`)).status).toBe(503);
      expect(rig.upstream.hits("/api/items/flaky503-1")).toBe(1);
    } finally {
      await rig.stop();
    }
  });

  it("connection refused: 502 on REST, isError on MCP, bounded tries, fast", async () => {
    const port = await refusedPort();
    const rig = await startFaults({ callTimeout: TIMEOUT, retry: RETRY }, `http://127.0.0.1:${port}`);
    try {
      const t0 = Date.now();
      const res = await fetch(`${rig.rest}/v1/items/ok`);
      expect(res.status).toBe(502);
      expect(((await res.json()) as { error: string }).error).toBe("upstream_unreachable");
      expect(Date.now() - t0).toBeLessThan(TIMEOUT + SLACK);
      const tool = await rig.callTool("get-item", { id: "ok" });
      expect(tool.result?.isError).toBe(true);
      expect(tool.result?.content[0].text).toContain("502");
    } finally {
      await rig.stop();
    }
  });
});
