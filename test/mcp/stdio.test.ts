/**
 * MCP over stdio as a desktop client runs it: the client spawns the real CLI with `--stdio`,
 * talks newline-delimited JSON-RPC on stdin/stdout, and the logs stay on stderr.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childEnv, CLI, ROOT, runCli } from "../support/cli.js";
import { startRecordingUpstream, type RecordingUpstream } from "../support/recording-upstream.js";
import { tempDir } from "../support/temp.js";

describe("naftiko serve --stdio", () => {
  let upstream: RecordingUpstream;
  beforeAll(async () => {
    upstream = await startRecordingUpstream();
  });
  afterAll(async () => upstream.stop());

  async function connect(args: string[]) {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, "serve", ...args],
      cwd: ROOT,
      env: childEnv({ EQUINIX_API_KEY: "stdio-secret-key" }),
      stderr: "pipe",
    });
    let stderr = "";
    transport.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const client = new Client({ name: "desktop", version: "1" });
    await client.connect(transport);
    return { client, stderr: () => stderr };
  }

  it("lists and calls the flagship's tools over stdin/stdout", async () => {
    const { client, stderr } = await connect([
      "metal-interconnections.naftiko.yaml",
      "--stdio",
      "--base-uri",
      `metal-interconnections=${upstream.url}/metal/v1`,
      "--port",
      "metal-interconnections-rest=0",
    ]);
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(15);
    const result = (await client.callTool({ name: "get-interconnection", arguments: { connection_id: "c 1", include: ["ports"] } })) as {
      content: Array<{ text: string }>;
      isError?: boolean;
    };
    expect(result.isError ?? false).toBe(false);
    expect(JSON.parse(result.content[0].text).seen.url).toBe("/metal/v1/connections/c%201?include=ports");
    expect(upstream.requests.at(-1)!.headers["x-auth-token"]).toBe("stdio-secret-key");
    await client.close();
    expect(stderr()).toContain("serving on stdio");
    expect(stderr()).not.toContain("stdio-secret-key");
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
    const r = (await client.callTool({ name: "hello", arguments: { who: "Ada" } })) as { structuredContent?: unknown };
    expect(r.structuredContent).toEqual({ greeting: "Hello, Ada" });
    await client.close();
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
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, "serve", many],
      cwd: ROOT,
      env: childEnv(),
      stderr: "pipe",
    });
    const client = new Client({ name: "t", version: "1" });
    await client.connect(transport);
    const first = await client.listTools();
    expect(first.tools).toHaveLength(100);
    expect(first.nextCursor).toBeTruthy();
    const second = await client.listTools({ cursor: first.nextCursor });
    expect(second.tools).toHaveLength(50);
    expect(second.nextCursor).toBeUndefined();
    expect([...first.tools, ...second.tools].map((t) => t.name)).toEqual(
      Array.from({ length: 150 }, (_, i) => `tool-${String(i).padStart(3, "0")}`),
    );
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
