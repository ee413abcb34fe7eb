/**
 * A built binary reads its capability by the version the file declares, like `serve`: an Ikanos
 * beta5 file built into one executable starts from an empty directory and answers its mock tool
 * (its schema travels in the binary, not beside it).
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { ROOT, runCli } from "../support/cli.js";
import { need, SEA } from "../support/prerequisites.js";
import { post } from "../support/shipyard.js";
import { tempDir } from "../support/temp.js";

const STEP1 = path.join(ROOT, "test/fixtures/shipyard-beta5/tutorial/step-1-shipyard-mock.yml");
const work = tempDir("naftiko-sea-ikanos-");
afterAll(() => rmSync(work, { recursive: true, force: true }));

it("an Ikanos beta5 capability built into a binary starts and answers", async (ctx) => {
  need(ctx, SEA);
  const binary = path.join(work, "mock");
  const built = await runCli(["build", STEP1, "-o", binary], {}, 90_000);
  expect(built.code, built.stderr).toBe(0);
  const child = spawn(binary, ["--port", "shipyard-tools=0"], { cwd: work, stdio: ["ignore", "pipe", "pipe"] });
  try {
    let stderr = "";
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`binary not ready:\n${stderr}`)), 20_000);
      child.stderr!.on("data", (d: Buffer) => {
        stderr += d.toString();
        const m = /naftiko: mcp \S+ listening on (\S+?)"/.exec(stderr) ?? /naftiko: mcp \S+ listening on (\S+)/.exec(stderr);
        if (m && stderr.includes("naftiko: ready")) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.once("exit", (code) => reject(new Error(`binary exited with ${code}:\n${stderr}`)));
    });
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} });
    const res = await post(
      url,
      { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25" },
      body,
    );
    expect(res.status, res.text).toBe(200);
    expect(JSON.parse(res.text).result.tools.map((t: { name: string }) => t.name)).toEqual(["get-ship"]);
  } finally {
    child.kill("SIGTERM");
  }
}, 120_000);
