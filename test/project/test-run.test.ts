/**
 * What `npm test` tells a newcomer must be true: a test that could not run is reported as not run
 * (with the reason) and never as passed, a file that fails before its tests run is counted as a
 * failure, a missing program turns into a failure where CI asks for every test, and the run leaves
 * no temp folder behind. Each case runs vitest with the project's set-up over the fixture files in
 * test/fixtures/test-run/.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, runCommand } from "../support/cli.js";
import { tempDir } from "../support/temp.js";

const VITEST = path.join(ROOT, "node_modules/vitest/vitest.mjs");
const CONFIG = "test/fixtures/test-run/vitest.config.ts";

async function runFixtures(files: string[], env: Record<string, string> = {}) {
  const tmp = tempDir("naftiko-run-tmp-");
  const r = await runCommand(
    process.execPath,
    [VITEST, "run", "--config", CONFIG, ...files],
    { TMPDIR: tmp, NO_COLOR: "1", ...env },
    60_000,
  );
  const lines = r.stdout.split("\n").filter((l) => /^(tests|not run|failed outside its tests|errors outside any test): /.test(l));
  return { code: r.code, lines, left: readdirSync(tmp), output: r.stdout + r.stderr };
}

describe("npm test's report", () => {
  it("counts a test that cannot run as not run, with why, and the run stays green", async () => {
    const r = await runFixtures(["missing-program", "temp-folders"]);
    expect(r.lines, r.output).toEqual([
      "not run: 1 test: naftiko-no-such-program is not installed (apt-get install -y naftiko-no-such-program)",
      "tests: 2 passed, 0 failed, 1 not run",
    ]);
    expect(r.code, r.output).toBe(0);
  });

  it("fails that test instead where NAFTIKO_TESTS_REQUIRE_ALL=1 (CI)", async () => {
    const r = await runFixtures(["missing-program"], { NAFTIKO_TESTS_REQUIRE_ALL: "1" });
    expect(r.lines, r.output).toEqual(["tests: 1 passed, 1 failed"]);
    expect(r.code, r.output).toBe(1);
    expect(r.output).toContain("naftiko-no-such-program is not installed");
  });

  it("counts a file that fails before its tests run as a failure and names it", async () => {
    const r = await runFixtures(["broken-hook", "missing-program"]);
    expect(r.lines, r.output).toEqual([
      "failed outside its tests: test/fixtures/test-run/broken-hook.fixture.ts",
      "not run: 1 test: its file failed before it ran",
      "not run: 1 test: naftiko-no-such-program is not installed (apt-get install -y naftiko-no-such-program)",
      "tests: 1 passed, 1 failed, 2 not run",
    ]);
    expect(r.code, r.output).toBe(1);
  });

  it("leaves nothing in the temp folder, even what a test forgot to remove", async () => {
    const r = await runFixtures(["temp-folders"]);
    expect(r.code, r.output).toBe(0);
    expect(r.left).toEqual([]);
  });
});
