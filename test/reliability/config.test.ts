/** Timeouts, retries and limits are settable per capability by flags and a config file. */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadRuntimeConfig, mergeOptions } from "../../src/config.js";
import { runCli } from "../support/cli.js";
import { FAULTS_FILE, startFaults } from "../support/faults.js";
import { tempDir } from "../support/temp.js";

const dir = tempDir("naftiko-config-");
function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe("runtime config file", () => {
  it("reads every setting, and flags win over it key by key", () => {
    const cfg = loadRuntimeConfig(
      file(
        "ok.yaml",
        "timeout: 1234\nconnectTimeout: 99\nmaxBody: 2048\ngrace: 500\nretry: { retries: 4, baseDelay: 10 }\nlimits: { maxInFlight: 8 }\nconsumes:\n  faults: { timeout: 700, retry: { retries: 0 }, maxInFlight: 3 }\n",
      ),
    );
    expect(cfg).toMatchObject({
      callTimeout: 1234,
      connectTimeout: 99,
      maxBodySize: 2048,
      grace: 500,
      retry: { retries: 4, baseDelay: 10 },
      limits: { maxInFlight: 8 },
    });
    const merged = mergeOptions(cfg, { retry: { retries: 1 }, callTimeout: undefined, grace: 900 });
    expect(merged.retry).toEqual({ retries: 1, baseDelay: 10 });
    expect(merged.callTimeout).toBe(1234);
    expect(merged.grace).toBe(900);
  });

  it("names every unknown or wrongly typed setting", () => {
    expect(() => loadRuntimeConfig(file("bad.yaml", "timeout: soon\nretry: { attempts: 3 }\n"))).toThrow(ConfigError);
    try {
      loadRuntimeConfig(file("bad2.yaml", "timeout: soon\nretry: { attempts: 3 }\n"));
    } catch (e) {
      expect((e as Error).message).toMatch(/timeout: must be integer/);
      expect((e as Error).message).toMatch(/retry: must NOT have additional properties "attempts"/);
    }
    expect(() => loadRuntimeConfig(path.join(dir, "missing.yaml"))).toThrow(/cannot read/);
  });

  it("a per-consumes setting applies: retries off for that block", async () => {
    const rig = await startFaults({ callTimeout: 2_000, consumes: { faults: { retry: { retries: 0 } } } });
    try {
      expect((await fetch(`${rig.rest}/v1/items/flaky502-1`)).status).toBe(502);
      expect(rig.upstream.hits("/api/items/flaky502-1")).toBe(1);
    } finally {
      await rig.stop();
    }
  });

  it("naftiko serve --config with a bad file, or a bad flag value, stops with exit code 2 and says why", async () => {
    const bad = await runCli(["serve", FAULTS_FILE, "--config", file("cli.yaml", "limits: { maxInFlight: 0 }\n")], { FAULTS_KEY: "k" });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--config .*limits\.maxInFlight: must be >= 1/);
    const flag = await runCli(["serve", FAULTS_FILE, "--retries=-1"], { FAULTS_KEY: "k" });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/--retries must be a non-negative integer/);
  });
});

describe("docs/OPERATIONS.md", () => {
  it("its runtime config example is a valid config for the flagship", async () => {
    const { readFileSync } = await import("node:fs");
    const { ROOT } = await import("../support/cli.js");
    const doc = readFileSync(path.join(ROOT, "docs/OPERATIONS.md"), "utf8");
    const example = /^## Runtime config file\n[\s\S]*?^```yaml\n([\s\S]*?)^```/m.exec(doc)?.[1];
    expect(example).toBeDefined();
    const cfg = loadRuntimeConfig(file("readme.yaml", example!));
    expect(cfg.consumes?.["metal-interconnections"]?.retry).toEqual({ retries: 0 });
    expect(cfg.limits?.maxInFlight).toBe(64);
  });
});
