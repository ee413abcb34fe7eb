/**
 * The sandbox pool's own guarantees, beyond what a script can trigger: a worker that does not answer
 * within its job's timeout (plus grace) is terminated and replaced, and a worker that cannot start
 * fails the waiting jobs instead of being restarted forever.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { SandboxPool } from "../../src/orchestration/sandbox/pool.js";

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");
const job = (code: string) => ({ sources: [{ name: "main.js", code }], context: "{}", timeout: 300, statementLimit: 1000 });

describe("sandbox pool", () => {
  it("terminates a worker that does not answer in time, and runs the next job in a new one", async () => {
    const pool = new SandboxPool({ size: 1, memoryLimit: 64 << 20, grace: 200, script: path.join(fixtures, "deaf-worker.mjs") });
    try {
      const started = Date.now();
      const hung = await pool.run(job("hang"), 10_000);
      expect(hung).toMatchObject({ ok: false, kind: "timeout", retire: true });
      expect(Date.now() - started).toBeGreaterThanOrEqual(500);
      expect(await pool.run(job("next"), 10_000)).toMatchObject({ ok: true, result: '"next"' });
    } finally {
      await pool.close();
    }
  });

  it("fails the waiting jobs when a worker cannot start", async () => {
    const pool = new SandboxPool({ size: 2, memoryLimit: 64 << 20, script: path.join(fixtures, "broken-worker.mjs") });
    try {
      const outcome = await pool.run(job("x"), 10_000);
      expect(outcome).toMatchObject({ ok: false, kind: "crash" });
      expect((outcome as { message: string }).message).toMatch(/the sandbox could not start: cannot load the engine/);
    } finally {
      await pool.close();
    }
  });

  it("answers a job that waits longer than its caller allows as busy", async () => {
    const pool = new SandboxPool({ size: 1, memoryLimit: 64 << 20, grace: 5000, script: path.join(fixtures, "deaf-worker.mjs") });
    try {
      const hung = pool.run({ ...job("hang"), timeout: 1000 }, 10_000);
      const waiting = await pool.run(job("queued"), 200);
      expect(waiting).toMatchObject({ ok: false, kind: "busy" });
      expect((waiting as { message: string }).message).toBe("no sandbox was free within 200 ms (every one is running a script)");
      await pool.close();
      expect(await hung).toMatchObject({ ok: false });
    } finally {
      await pool.close();
    }
  });
});
