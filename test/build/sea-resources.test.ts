/**
 * A capability with MCP resources and prompts built into one executable: a static directory named
 * by an absolute location (the build machine's folder, moved away before the binary runs) and a
 * prompt file named relative to the capability travel in the binary, so what a client reads can
 * only come from the embedded copies.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { afterAll, expect, it } from "vitest";
import { runCli } from "../support/cli.js";

const work = mkdtempSync(path.join(tmpdir(), "naftiko-sea-resources-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

it("a binary serves its embedded static files and prompt files", async () => {
  const dir = path.join(work, "capability");
  mkdirSync(path.join(dir, "docs", "guides"), { recursive: true });
  mkdirSync(path.join(dir, "prompts"));
  writeFileSync(path.join(dir, "docs", "guides", "start.md"), "# Start\n");
  writeFileSync(path.join(dir, "docs", "logo.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff]));
  writeFileSync(path.join(dir, "prompts", "review.md"), "Review {{code}}.\n");
  const file = path.join(dir, "handbook.naftiko.yaml");
  writeFileSync(
    file,
    `ikanos: "1.0.0-beta5"
info:
  display: Handbook
  description: Files and prompts.
capability:
  exposes:
  - type: mcp
    transport: stdio
    namespace: handbook-mcp
    tools:
      echo:
        description: Says hello.
        outputParameters:
          greeting:
            type: string
            value: hello
    resources:
      docs:
        display: Docs
        description: The handbook.
        uri: docs://handbook
        location: ${pathToFileURL(path.join(dir, "docs")).href}
    prompts:
      review:
        display: Review
        description: Reviews code.
        arguments:
          code:
            description: The code.
        location: file:///./prompts/review.md
`,
  );
  const binary = path.join(work, "handbook");
  const built = await runCli(["build", file, "-o", binary], {}, 90_000);
  expect(built.code, built.stderr).toBe(0);
  renameSync(dir, path.join(work, "moved-away"));

  const empty = mkdtempSync(path.join(work, "run-"));
  const client = new Client({ name: "desktop", version: "1" });
  await client.connect(new StdioClientTransport({ command: binary, args: ["--stdio"], cwd: empty, env: {}, stderr: "pipe" }));
  try {
    expect((await client.listResources()).resources.map((r) => r.uri)).toEqual([
      "docs://handbook/guides/start.md",
      "docs://handbook/logo.png",
    ]);
    expect((await client.readResource({ uri: "docs://handbook/guides/start.md" })).contents).toEqual([
      { uri: "docs://handbook/guides/start.md", mimeType: "text/markdown", text: "# Start\n" },
    ]);
    expect((await client.readResource({ uri: "docs://handbook/logo.png" })).contents).toEqual([
      { uri: "docs://handbook/logo.png", mimeType: "image/png", blob: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff]).toString("base64") },
    ]);
    expect((await client.getPrompt({ name: "review", arguments: { code: "x = 1" } })).messages).toEqual([
      { role: "user", content: { type: "text", text: "Review x = 1.\n" } },
    ]);
  } finally {
    await client.close();
  }
}, 120_000);
