/** Request ids the runtime makes: random version 4 UUIDs, distinct, and a caller's own id kept when sane. */
import { describe, expect, it } from "vitest";
import { newRequestId, requestIdFrom } from "../../src/observability/context.js";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("request ids", () => {
  it("are version 4 UUIDs, all different, across many refills of the id batch", () => {
    const ids = Array.from({ length: 5_000 }, () => newRequestId());
    for (const id of ids) expect(id).toMatch(UUID_V4);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("use every hex digit in the random part (not a fixed or biased pattern)", () => {
    const seen = new Set(Array.from({ length: 200 }, () => newRequestId().replace(/-/g, "").slice(16)).join(""));
    expect([...seen].sort().join("")).toBe("0123456789abcdef");
  });

  it("reuse a caller's sane x-request-id and replace anything else", () => {
    expect(requestIdFrom("req-abc-123")).toBe("req-abc-123");
    expect(requestIdFrom('bad"id')).toMatch(UUID_V4);
    expect(requestIdFrom("x".repeat(129))).toMatch(UUID_V4);
    expect(requestIdFrom(undefined)).toMatch(UUID_V4);
  });
});
