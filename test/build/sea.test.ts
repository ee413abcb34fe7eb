/**
 * `naftiko build`: the flagship as one executable (Node SEA). It is run by a relative path from an
 * empty directory with nothing but an API key in its environment, and serves a REST route and an
 * MCP tool against a recording upstream. A SEA's `require` loads only Node built-ins, so if anything
 * were not bundled the binary would fail at start. `./name --version` and `--help` describe the
 * binary, not the CLI that built it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVING_NODE_FLAGS } from "../../src/node-flags.js";
import { VERSION } from "../../src/version.js";
import { flagshipOptions, ROOT, runCli, runCommand } from "../support/cli.js";
import { need, SEA } from "../support/prerequisites.js";
import { startRecordingUpstream, type RecordingUpstream } from "../support/recording-upstream.js";
import { tempDir } from "../support/temp.js";

const FLAGSHIP = path.join(ROOT, "metal-interconnections.naftiko.yaml");
const OPENAPI = path.join(ROOT, "test/fixtures/upstream/metal-interconnections.openapi.yaml");
const KEY = "sea-secret-4711";

describe("naftiko build (single executable)", () => {
  let work: string;
  let empty: string;
  let binary: string;
  let upstream: RecordingUpstream;
  let child: ChildProcess | undefined;
  const urls: Record<string, string> = {};
  let stderr = "";
  let buildLog = "";

  beforeAll(async () => {
    if (!SEA.path) return;
    work = tempDir("naftiko-sea-build-");
    empty = tempDir("naftiko-sea-run-");
    binary = path.join(work, "metal-interconnections");
    const built = await runCli(["build", FLAGSHIP, "-o", binary, "--openapi", OPENAPI], {}, 90_000);
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout).toMatch(/metal-interconnections: [\d.]+ MB, built in/);
    buildLog = built.stderr;
    upstream = await startRecordingUpstream();
    child = spawn(path.relative(empty, binary), [...flagshipOptions(upstream.url)], {
      cwd: empty,
      env: { EQUINIX_API_KEY: KEY },
      stdio: ["ignore", "pipe", "pipe"],
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`binary not ready:\n${stderr}`)), 20_000);
      child!.stderr!.on("data", (d: Buffer) => {
        stderr += d.toString();
        for (const m of stderr.matchAll(/naftiko: \w+ (\S+) listening on (\S+)/g)) urls[m[1]] = m[2];
        if (stderr.includes("naftiko: ready")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child!.once("exit", (code) => reject(new Error(`binary exited with ${code}:\n${stderr}`)));
    });
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    await upstream?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
    if (empty) rmSync(empty, { recursive: true, force: true });
  });

  it("is one executable file that starts from an empty directory and embeds the OpenAPI schemas", (ctx) => {
    need(ctx, SEA);
    expect(statSync(binary).mode & 0o111).not.toBe(0);
    expect(readdirSync(empty)).toEqual([]);
    expect(stderr).toMatch(/naftiko: schemas from .*metal-interconnections\.openapi\.yaml for 15 of 15 operations/);
    expect(stderr).not.toContain(KEY);
  });

  it("./name --version names the capability, the runtime and the Node flags it starts with", async (ctx) => {
    need(ctx, SEA);
    const r = await runCommand("./metal-interconnections", ["--version"], { PATH: "/nonexistent" }, 20_000, "binary --version", {
      cwd: work,
    });
    expect(r.code, r.stderr).toBe(0);
    const [first, second] = r.stdout.trim().split("\n");
    expect(first).toBe("metal-interconnections: Metal API — Interconnections (metal-interconnections.naftiko.yaml)");
    expect(second).toContain(`naftiko runtime ${VERSION}, Node ${process.version} ${process.platform}-${process.arch}, Node flags: `);
    const flags = second.slice(second.indexOf("Node flags: ") + "Node flags: ".length);
    // SEA configurations carry Node flags from Node 24 on; `naftiko build` says when they are missing.
    if (Number(process.versions.node.split(".")[0]) >= 24) expect(flags).toBe(SERVING_NODE_FLAGS.join(" "));
    expect(buildLog.includes("cannot give a binary its serving flags")).toBe(flags === "none");
  });

  it("./name --help is the binary's own: its name, its capability, serve's options without a file", async (ctx) => {
    need(ctx, SEA);
    const r = await runCommand("./metal-interconnections", ["--help"], {}, 20_000, "binary --help", { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Usage: metal-interconnections \[options\]\n/);
    expect(r.stdout).toContain("Metal API — Interconnections (metal-interconnections.naftiko.yaml)");
    for (const flag of ["--port <ns>=<port>", "--base-uri", "--control-port", "--version"]) expect(r.stdout).toContain(flag);
    expect(r.stdout).not.toMatch(/naftiko serve|serve <file>|--watch/);
  });

  it("a mistyped option or a file argument exits 2 with one line in the binary's name", async (ctx) => {
    need(ctx, SEA);
    const typo = await runCommand("./metal-interconnections", ["--prot", "x=1"], {}, 20_000, "binary --prot", { cwd: work });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe(
      'metal-interconnections: unknown option --prot; did you mean --port? Run "metal-interconnections --help" for its options.\n',
    );
    const file = await runCommand("./metal-interconnections", ["other.yaml"], {}, 20_000, "binary other.yaml", { cwd: work });
    expect(file.code).toBe(2);
    expect(file.stderr).toMatch(/^metal-interconnections: takes no capability file, .*\(got "other\.yaml"\)\. Run/);
  });

  it("serves a REST route", async (ctx) => {
    need(ctx, SEA);
    const before = upstream.requests.length;
    const res = await fetch(`${urls["metal-interconnections-rest"]}/v1/virtual-circuits/abc?include=a,b`);
    expect(res.status).toBe(200);
    expect(upstream.requests[before].url).toBe("/metal/v1/virtual-circuits/abc?include=a,b");
    expect(upstream.requests[before].headers["x-auth-token"]).toBe(KEY);
  });

  it("serves /openapi.json and /docs with Swagger UI's files embedded", async (ctx) => {
    need(ctx, SEA);
    const base = urls["metal-interconnections-rest"];
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { openapi: string };
    expect(doc.openapi).toBe("3.1.0");
    expect((await fetch(`${base}/docs`)).status).toBe(200);
    const bundle = await fetch(`${base}/docs/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
  });

  it("serves an MCP tool", async (ctx) => {
    need(ctx, SEA);
    const client = new Client({ name: "sea-test", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(urls["metal-interconnections-mcp"])));
    try {
      const before = upstream.requests.length;
      const result = await client.callTool({ name: "get-interconnection", arguments: { connection_id: "c-1", include: ["ports"] } });
      expect(result.isError).toBeFalsy();
      expect(upstream.requests[before].url).toBe("/metal/v1/connections/c-1?include=ports");
      expect((result.structuredContent as { seen: unknown }).seen).toEqual({
        method: "GET",
        url: "/metal/v1/connections/c-1?include=ports",
      });
    } finally {
      await client.close();
    }
  });

  it("stops cleanly on SIGTERM and removes what it extracted", async (ctx) => {
    need(ctx, SEA);
    const extracted = stderr.match(/schemas from (\S+)\/capability\//)?.[1];
    expect(extracted).toBeDefined();
    expect(statSync(extracted!).isDirectory()).toBe(true);
    const exited = new Promise<number | null>((r) => child!.once("exit", (code) => r(code)));
    child!.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(() => statSync(extracted!)).toThrow();
  });
});
