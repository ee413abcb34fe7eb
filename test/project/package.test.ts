/**
 * The npm package works outside this repository: `npm pack` makes a tarball with the built runtime
 * and nothing of ours runs at install; installed globally into a temp prefix, `naftiko` answers
 * --version, validates the flagship and serves it, from a folder that is not the clone. The
 * dependencies come from the registry (or npm's cache), as for a user.
 */
import { copyFileSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VERSION } from "../../src/version.js";
import { flagshipOptions, ROOT, runCommand, spawnServe } from "../support/cli.js";
import { startRecordingUpstream, type RecordingUpstream } from "../support/recording-upstream.js";
import { tempDir } from "../support/temp.js";

const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  name: string;
  private?: boolean;
  bin: Record<string, string>;
  files: string[];
  scripts: Record<string, string>;
};
/** npm with the user's environment (registry, proxy, CA), minus what an enclosing `npm test` sets. */
const npm = (args: string[], cwd: string, timeoutMs = 60_000) => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  // swagger-ui-dist's dependency @scarf/scarf reports installs from a postinstall script.
  env.SCARF_ANALYTICS = "false";
  return runCommand("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], env, timeoutMs, `npm ${args[0]}`, { cwd });
};

describe("the npm package", () => {
  let work: string;
  let tarball: string;
  let files: string[];
  let naftiko: string;
  beforeAll(async () => {
    work = tempDir("naftiko-package-");
    // --ignore-scripts: prepack rebuilds dist/, which the other test files are using; npm test has
    // just built it.
    const packed = await npm(["pack", "--json", "--ignore-scripts", "--pack-destination", work], ROOT);
    expect(packed.code, packed.stderr).toBe(0);
    const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = path.join(work, info.filename);
    files = info.files.map((f) => f.path);
    const installed = await npm(["install", "--global", "--prefix", path.join(work, "global"), "--prefer-offline", tarball], work, 240_000);
    expect(installed.code, installed.stderr).toBe(0);
    naftiko = path.join(work, "global/bin/naftiko");
  }, 300_000);

  it("is public, scoped, and runs no install script of ours", () => {
    expect(pkg.name).toBe("@naftiko/runtime");
    expect(pkg.private).toBeUndefined();
    expect(pkg.bin).toEqual({ naftiko: "bin/naftiko.js" });
    for (const hook of ["preinstall", "install", "postinstall", "prepare"]) expect(pkg.scripts[hook], hook).toBeUndefined();
    expect(pkg.scripts.prepack).toMatch(/npm run build/);
  });

  it("holds the built runtime, the schema and the docs, and no sources, tests or source maps", () => {
    for (const f of [
      "bin/naftiko.js",
      "dist/cli/main.js",
      "dist/sea/entry.js",
      "dist/schema-validate/naftiko-capability.schema.cjs",
      "schema/naftiko-capability.schema.json",
      "README.md",
    ])
      expect(files).toContain(f);
    expect(files.filter((f) => /^(src|test|bench|scripts|capabilities|deploy)\/|\.map$|\.ts$/.test(f))).toEqual([]);
  });

  it("installed globally, naftiko --version and validate work outside the clone", async () => {
    const dir = tempDir("naftiko-outside-");
    copyFileSync(path.join(ROOT, "metal-interconnections.naftiko.yaml"), path.join(dir, "metal-interconnections.naftiko.yaml"));
    const version = await runCommand(naftiko, ["--version"], {}, 20_000, "naftiko --version", { cwd: dir });
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(VERSION);
    const valid = await runCommand(naftiko, ["validate", "metal-interconnections.naftiko.yaml"], {}, 20_000, "naftiko validate", {
      cwd: dir,
    });
    expect(valid.code, valid.stderr).toBe(0);
    expect(valid.stdout).toMatch(/^metal-interconnections\.naftiko\.yaml: ok\b/);
  });

  describe("serving from there", () => {
    let upstream: RecordingUpstream;
    beforeAll(async () => {
      upstream = await startRecordingUpstream();
    });
    afterAll(async () => upstream?.stop());

    it("answers REST and MCP", async () => {
      const dir = tempDir("naftiko-outside-");
      copyFileSync(path.join(ROOT, "metal-interconnections.naftiko.yaml"), path.join(dir, "flagship.naftiko.yaml"));
      const proc = await spawnServe(
        ["flagship.naftiko.yaml", ...flagshipOptions(upstream.url)],
        { EQUINIX_API_KEY: "package-key" },
        15_000,
        { command: naftiko, cwd: dir },
      );
      try {
        const rest = await fetch(`${proc.urls["metal-interconnections-rest"]}/v1/connections/c-1`);
        expect(rest.status).toBe(200);
        expect(upstream.requests.at(-1)!.headers["x-auth-token"]).toBe("package-key");
        const mcp = await fetch(proc.urls["metal-interconnections-mcp"], {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
        });
        expect(mcp.status).toBe(200);
        expect(((await mcp.json()) as { result: { tools: unknown[] } }).result.tools).toHaveLength(15);
      } finally {
        await proc.stop();
      }
    });
  });
});
