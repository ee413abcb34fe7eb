/**
 * MCP over stdio as a desktop client runs it: the client spawns the real CLI with `--stdio`,
 * talks newline-delimited JSON-RPC on stdin/stdout, and the logs stay on stderr. Both protocol
 * eras; a client that closes stdin right after writing still reads every answer; `--stdio` opens
 * no port; a file cannot put two MCP blocks on stdio.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childEnv, CLI, ROOT, runCli } from "../support/cli.js";
import { ENVELOPE, MODERN, rpcText } from "../support/mcp.js";
import { startRecordingUpstream, type RecordingUpstream } from "../support/recording-upstream.js";
import { tempDir } from "../support/temp.js";

const KEY = "stdio-secret-key";

async function connect(args: string[], era: "2025-11-25" | "2026-07-28" = "2025-11-25") {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, "serve", ...args],
    cwd: ROOT,
    env: childEnv({ EQUINIX_API_KEY: KEY }),
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const client = new Client({ name: "desktop", version: "1" }, era === MODERN ? { versionNegotiation: { mode: { pin: MODERN } } } : {});
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

describe("naftiko serve --stdio", () => {
  let upstream: RecordingUpstream;
  beforeAll(async () => {
    upstream = await startRecordingUpstream();
  });
  afterAll(async () => upstream.stop());
  const flagship = () => [
    "metal-interconnections.naftiko.yaml",
    "--stdio",
    "--base-uri",
    `metal-interconnections=${upstream.url}/metal/v1`,
  ];
  const serve = () => ["serve", ...flagship()];

  it.each(["2025-11-25", MODERN] as const)("lists and calls the flagship's tools over stdin/stdout (%s client)", async (era) => {
    const { client, stderr } = await connect(flagship(), era);
    expect(client.getProtocolEra()).toBe(era === MODERN ? "modern" : "legacy");
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(15);
    const result = await client.callTool({ name: "get-interconnection", arguments: { connection_id: "c 1", include: ["ports"] } });
    expect(result.isError ?? false).toBe(false);
    expect(JSON.parse((result.content as Array<{ text: string }>)[0].text).seen.url).toBe("/metal/v1/connections/c%201?include=ports");
    expect(upstream.requests.at(-1)!.headers["x-auth-token"]).toBe(KEY);
    await client.close();
    expect(stderr()).toContain("serving on stdio");
    expect(stderr()).not.toContain(KEY);
  });

  it("opens no port: the REST block and the control port stay closed, and asking for a port is an error", async () => {
    const { client, stderr } = await connect(flagship());
    await client.listTools();
    await client.close();
    expect(stderr()).toContain("serving on stdio");
    expect(stderr()).not.toMatch(/listening on/);
    const asked = await runCli([...serve(), "--port", "metal-interconnections-rest=0"], { EQUINIX_API_KEY: KEY });
    expect(asked.code).not.toBe(0);
    expect(asked.stderr).toContain(
      '--stdio serves MCP block "metal-interconnections-mcp" on stdin/stdout and opens no port, so --port metal-interconnections-rest would do nothing',
    );
  });

  it("a client that writes its requests and closes stdin at once still gets every answer, then the process stops", async () => {
    upstream.reply = (req) => ({ delay: 300, body: JSON.stringify({ seen: { method: req.method, url: req.url } }) });
    try {
      const calls = [1, 2, 3].map((n) => rpcText("tools/call", { name: "get-virtual-circuit", arguments: { id: `vc-${n}` } }, n));
      const legacy = [
        rpcText("initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "script", version: "1" } }, 0),
        JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
        ...calls,
      ];
      const modern = [1, 2, 3].map((n) =>
        rpcText("tools/call", { name: "get-virtual-circuit", arguments: { id: `vc-${n}` } }, n, ENVELOPE),
      );
      for (const lines of [legacy, modern]) {
        const r = await runCli(serve(), { EQUINIX_API_KEY: KEY }, 20_000, `${lines.join("\n")}\n`);
        expect(r.code, r.stderr).toBe(0);
        const answers = r.stdout
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { id: number; result: { structuredContent: { seen: { url: string } } } });
        const calls = answers.filter((a) => a.id > 0).sort((a, b) => a.id - b.id);
        expect(calls.map((a) => a.result.structuredContent.seen.url)).toEqual([1, 2, 3].map((n) => `/metal/v1/virtual-circuits/vc-${n}`));
      }
    } finally {
      upstream.reply = (req) => ({ body: JSON.stringify({ seen: { method: req.method, url: req.url } }) });
    }
  });

  it("honours transport: stdio in the file", async () => {
    const dir = tempDir("naftiko-stdio-");
    const file = path.join(dir, "stdio.yaml");
    writeFileSync(
      file,
      `naftiko: 1.0.0-alpha2
capability:
  exposes:
  - type: mcp
    namespace: echo
    transport: stdio
    tools:
    - name: hello
      description: Says hello
      inputParameters:
      - name: who
        type: string
        description: Who to greet
      outputParameters:
      - name: greeting
        type: string
        value: "Hello, {{who}}"
`,
    );
    const { client } = await connect([file]);
    const r = await client.callTool({ name: "hello", arguments: { who: "Ada" } });
    expect(r.structuredContent).toEqual({ greeting: "Hello, Ada" });
    await client.close();
  });

  it("refuses a second MCP block on stdio when the file is validated, naming where", async () => {
    const dir = tempDir("naftiko-stdio-");
    const file = path.join(dir, "two.yaml");
    const block = (ns: string) =>
      `  - type: mcp\n    namespace: ${ns}\n    transport: stdio\n    tools:\n    - name: hello\n      description: Says hello\n      outputParameters:\n      - name: n\n        type: number\n        value: "1"\n`;
    writeFileSync(file, `naftiko: 1.0.0-alpha2\ncapability:\n  exposes:\n${block("first")}${block("second")}`);
    const r = await runCli(["validate", file]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(
      /two\.yaml:16:\d+ capability\.exposes\[1\]\.transport: MCP block "second" is a second block on stdio \("first" is the first\)/,
    );
    const served = await runCli(["serve", file]);
    expect(served.code).not.toBe(0);
    expect(served.stderr).toContain('MCP block "second" is a second block on stdio');
  });
});

describe("tools/list pagination and long names", () => {
  const dir = tempDir("naftiko-many-");
  const many = path.join(dir, "many.yaml");
  const tools = Array.from(
    { length: 150 },
    (_, i) =>
      `    - name: tool-${String(i).padStart(3, "0")}\n      description: Tool ${i}\n      outputParameters:\n      - name: n\n        type: number\n        value: "${i}"\n`,
  ).join("");
  writeFileSync(
    many,
    `naftiko: 1.0.0-alpha2\ncapability:\n  exposes:\n  - type: mcp\n    namespace: many\n    transport: stdio\n    tools:\n${tools}`,
  );

  it("pages tools/list with a cursor, in file order", async () => {
    const { client } = await connect([many]);
    const names = Array.from({ length: 150 }, (_, i) => `tool-${String(i).padStart(3, "0")}`);
    const first = await client.request({ method: "tools/list", params: {} });
    expect(first.tools).toHaveLength(100);
    expect(first.nextCursor).toBeTruthy();
    const second = await client.request({ method: "tools/list", params: { cursor: first.nextCursor } });
    expect(second.tools).toHaveLength(50);
    expect(second.nextCursor).toBeUndefined();
    expect([...first.tools, ...second.tools].map((t) => t.name)).toEqual(names);
    // The SDK's client walks the pages itself when asked for the list.
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(names);
    await client.close();
  });

  it("validate warns about tool names over 64 characters", async () => {
    const long = path.join(dir, "long.yaml");
    const name = "a-very-long-tool-name-that-goes-on-and-on-well-past-what-clients-accept";
    writeFileSync(
      long,
      `naftiko: 1.0.0-alpha2\ncapability:\n  exposes:\n  - type: mcp\n    namespace: long\n    transport: stdio\n    tools:\n    - name: ${name}\n      description: Long\n      outputParameters:\n      - name: n\n        type: number\n        value: "1"\n`,
    );
    const r = await runCli(["validate", long]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(`long\\.yaml:8:\\d+ capability\\.exposes\\[0\\]\\.tools\\[0\\]\\.name: warning: tool name is ${name.length} characters`),
    );
  });
});
