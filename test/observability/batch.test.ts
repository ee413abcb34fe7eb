/**
 * How log lines leave the process: batched into buffers (one write for many call lines), in order,
 * whole, and never overwritten once handed to the stream.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { coalesced } from "../../src/observability/log.js";
import { tenths } from "../../src/observability/observer.js";

describe("log batches", () => {
  afterEach(() => vi.useRealTimers());

  it("writes lines in order, in one chunk per batch, and keeps each written chunk intact", () => {
    const chunks: Buffer[] = [];
    const line = coalesced((c) => chunks.push(c));
    const lines = Array.from({ length: 200 }, (_, i) => `{"n":${i},"msg":"call ${"x".repeat(200)}"}\n`);
    for (const l of lines) line(l);
    // 200 lines of ~220 bytes: flushed at 16 KiB, so a few chunks, not 200 writes.
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.length).toBeLessThan(5);
    const before = chunks.map((c) => c.toString("utf8"));
    line("later line\n");
    expect(chunks.map((c) => c.toString("utf8"))).toEqual(before);
  });

  it("writes a quiet server's pending lines within 25 ms", () => {
    vi.useFakeTimers();
    const chunks: string[] = [];
    const line = coalesced((c) => chunks.push(c.toString("utf8")));
    line("one\n");
    line("two\n");
    expect(chunks).toEqual([]);
    vi.advanceTimersByTime(25);
    expect(chunks).toEqual(["one\ntwo\n"]);
  });

  it("keeps non-ASCII text and lines longer than a batch whole, after what was pending", () => {
    vi.useFakeTimers();
    const chunks: string[] = [];
    const line = coalesced((c) => chunks.push(c.toString("utf8")));
    line('{"route":"/v1/câblage/—/🚀"}\n');
    const long = `${"é".repeat(20_000)}\n`;
    line(long);
    vi.advanceTimersByTime(25);
    expect(chunks.join("")).toBe(`{"route":"/v1/câblage/—/🚀"}\n${long}`);
    expect(chunks[chunks.length - 1]).toBe(long);
  });
});

describe("call line duration", () => {
  it("reads as the number rounded to a tenth of a millisecond", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e7, noNaN: true }), (ms) => {
        expect(JSON.parse(tenths(ms))).toBe(Math.round(ms * 10) / 10);
      }),
    );
    expect([tenths(0), tenths(2), tenths(1.84), tenths(0.05)]).toEqual(["0", "2", "1.8", "0.1"]);
  });
});
