/**
 * MCP resources and prompts, as the reference engine serves them, through the SDK's own clients
 * (2026-07-28 and 2025-11-25) against the in-process server, with `--mcp-sessions`, and over stdio
 * from the real CLI: a static directory (text and binary files, nested, media types by extension,
 * escapes refused), dynamic resources with and without URI variables (their calls seen by a
 * recording upstream), binary resources as blobs, inline and file prompts; and binary tool results
 * (image, audio, embedded blob) bounded by `maxBinarySize`.
 */
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { Client as SdkClient, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveCapability, type Served } from "../../src/serve.js";
import { loadCapability } from "../../src/spec/load.js";
import { CLI, logLines, ROOT, runCli, spawnServe } from "../support/cli.js";
import { connectClient, ENVELOPE, MODERN, modernHeaders, post, rpcText } from "../support/mcp.js";
import { startRecordingUpstream, type RecordingUpstream } from "../support/recording-upstream.js";
import { tempDir } from "../support/temp.js";

const LOGO = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 3, 0xff, 0xfe, 0x80]);
const AVATAR = Buffer.from([0x89, 0x50, 0x4e, 0x47, 9, 8, 7, 0xc3, 0x28]);
const REPORT = Buffer.from("%PDF-1.7\n\xe2\x82\x28 binary \x00 tail", "latin1");
const SOUND = Buffer.from([0x49, 0x44, 0x33, 4, 0, 0, 0xff, 0xfb]);

/** A directory with a static tree, a prompt file, and a file beside the tree that must stay out of reach. */
function writeFixture(): string {
  const dir = tempDir("naftiko-resources-");
  mkdirSync(path.join(dir, "docs", "guides", "deep"), { recursive: true });
  mkdirSync(path.join(dir, "prompts"));
  writeFileSync(path.join(dir, "docs", "readme.md"), "# Handbook\n");
  writeFileSync(path.join(dir, "docs", "data.json"), '{"a":1}');
  writeFileSync(path.join(dir, "docs", "guides", "start.txt"), "Start here.\n");
  writeFileSync(path.join(dir, "docs", "guides", "deep", "notes.yaml"), "k: v\n");
  writeFileSync(path.join(dir, "docs", "logo.png"), LOGO);
  writeFileSync(path.join(dir, "docs", "big.bin"), Buffer.alloc(8 * 1024, 7));
  writeFileSync(path.join(dir, "docs", "bad name.txt"), "a name no read would accept");
  writeFileSync(path.join(dir, "secret.txt"), "outside the directory");
  symlinkSync(path.join(dir, "secret.txt"), path.join(dir, "docs", "escape.txt"));
  symlinkSync(path.join(dir, "docs", "readme.md"), path.join(dir, "docs", "alias.md"));
  writeFileSync(path.join(dir, "prompts", "review.md"), "Review this {{language}} code:\n\n{{code}}\n");
  return dir;
}

function capabilityYaml(dir: string, stdio = false): string {
  return `ikanos: "1.0.0-beta5"
info:
  display: Handbook
  description: Resources and prompts.
capability:
  consumes:
  - type: http
    namespace: api
    baseUri: https://api.example.org/v1
    resources:
      config:
        path: /config
        operations:
          get-config:
            method: GET
      users:
        path: /users/{{id}}
        operations:
          get-user:
            method: GET
            inputParameters:
              id:
                in: path
      avatars:
        path: /users/{{id}}/avatar
        operations:
          get-avatar:
            method: GET
            outputRawFormat: binary
            maxBinarySize: 64KiB
            inputParameters:
              id:
                in: path
      reports:
        path: /reports/{{id}}
        operations:
          get-report:
            method: GET
            outputRawFormat: binary
            inputParameters:
              id:
                in: path
      sounds:
        path: /sounds/{{id}}
        operations:
          get-sound:
            method: GET
            outputRawFormat: binary
            outputMediaType: audio/mpeg
            inputParameters:
              id:
                in: path
  exposes:
  - type: mcp
    ${stdio ? "transport: stdio" : "port: 9090"}
    namespace: handbook-mcp
    description: The handbook.
    maxBinarySize: 4KiB
    ttlMs: 5000
    cacheScope: public
    tools:
${["avatar", "report", "sound"]
  .map(
    (what) => `      get-${what}:
        description: One ${what}.
        call: api.get-${what}
        inputParameters:
          id:
            type: string
            description: Its id.
        with:
          id: handbook-mcp.id`,
  )
  .join("\n")}
    resources:
      docs:
        display: Docs
        description: The handbook's files.
        uri: docs://handbook
        location: ${new URL(`file://${path.join(dir, "docs")}`).href}
      config:
        display: Config
        description: The app's configuration.
        uri: config://app
        call: api.get-config
      user:
        display: User
        description: One user.
        uri: data://users/{id}
        mimeType: application/json
        call: api.get-user
        with:
          id: "{{id}}"
      avatar:
        display: Avatar
        description: A user's picture.
        uri: data://users/{id}/avatar
        binary: true
        call: api.get-avatar
        with:
          id: handbook-mcp.id
      profile:
        display: Profile
        description: A user with the app's theme.
        uri: data://profiles/{id}
        steps:
          get-user:
            type: call
            call: api.get-user
            with:
              id: "{{id}}"
          get-config:
            type: call
            call: api.get-config
        mappings:
        - target: user
          value: $.get-user.id
        - target: theme
          value: $.get-config.theme
        outputParameters:
          user:
            type: string
          theme:
            type: string
    prompts:
      greet:
        display: Greet
        description: Write to someone.
        arguments:
          who:
            description: Whom to write to.
          tone:
            display: Tone
            description: How to sound.
            required: false
        template:
        - role: user
          content: Write to {{who}} in a {{ tone }} tone.
        - role: assistant
          content: Writing to {{who}}.
      review:
        display: Review
        description: Review some code.
        arguments:
          language:
            description: Its language.
          code:
            description: The code.
        location: file:///./prompts/review.md
${
  stdio
    ? ""
    : `  - type: mcp
    port: 9091
    namespace: plain-mcp
    tools:
      get-config:
        description: The configuration.
        call: api.get-config
`
}`;
}

function reply(req: { path: string }) {
  const p = req.path;
  if (p === "/v1/config") return { body: '{"theme":"dark"}' };
  if (p === "/v1/users/missing") return { status: 404, body: '{"error":"no such user"}' };
  if (p === "/v1/users/broken") return { status: 500, body: '{"error":"database down"}' };
  if (p === "/v1/users/huge/avatar") return { headers: { "content-type": "image/png" }, body: Buffer.alloc(100 * 1024) };
  if (/^\/v1\/users\/[^/]+\/avatar$/.test(p)) return { headers: { "content-type": "image/png" }, body: AVATAR };
  if (/^\/v1\/users\/[^/]+$/.test(p)) return { body: JSON.stringify({ id: decodeURIComponent(p.slice("/v1/users/".length)) }) };
  if (p === "/v1/reports/big") return { headers: { "content-type": "application/pdf" }, body: Buffer.alloc(8 * 1024, 1) };
  if (p.startsWith("/v1/reports/")) return { headers: { "content-type": "application/pdf" }, body: REPORT };
  if (p.startsWith("/v1/sounds/")) return { headers: { "content-type": "application/octet-stream" }, body: SOUND };
  return { status: 404, body: "{}" };
}

type Content = {
  type: string;
  text?: string;
  data?: string;
  mimeType?: string;
  resource?: { uri: string; mimeType: string; blob: string };
};

async function expectProtocolError(promise: Promise<unknown>, code: number, message: RegExp, data?: unknown) {
  const error = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as { code?: number; message?: string; data?: unknown } | undefined;
  expect(error, "an error").toBeDefined();
  expect(error!.code).toBe(code);
  expect(error!.message).toMatch(message);
  if (data !== undefined) expect(error!.data).toEqual(data);
}

/** What every client sees, whichever era, transport and serving mode. */
function behaviour(client: () => Client, upstream: () => RecordingUpstream) {
  it("lists every static file (nested, links inside kept, escaping links and unreadable names left out) and each resource without variables", async () => {
    const { resources } = await client().listResources();
    expect(resources.map((r) => [r.uri, r.mimeType])).toEqual([
      ["docs://handbook/alias.md", "text/markdown"],
      ["docs://handbook/big.bin", "application/octet-stream"],
      ["docs://handbook/data.json", "application/json"],
      ["docs://handbook/guides/deep/notes.yaml", "application/yaml"],
      ["docs://handbook/guides/start.txt", "text/plain"],
      ["docs://handbook/logo.png", "image/png"],
      ["docs://handbook/readme.md", "text/markdown"],
      ["config://app", undefined],
    ]);
    expect(resources[0]).toMatchObject({ name: "docs", title: "Docs", description: "The handbook's files." });
    expect(resources.at(-1)).toMatchObject({ name: "config", title: "Config", description: "The app's configuration." });
  });

  it("lists the resources with {variables} as templates", async () => {
    const { resourceTemplates } = await client().listResourceTemplates();
    expect(resourceTemplates).toEqual([
      { uriTemplate: "data://users/{id}", name: "user", title: "User", description: "One user.", mimeType: "application/json" },
      { uriTemplate: "data://users/{id}/avatar", name: "avatar", title: "Avatar", description: "A user's picture." },
      { uriTemplate: "data://profiles/{id}", name: "profile", title: "Profile", description: "A user with the app's theme." },
    ]);
  });

  it("reads static files: text as text, binary as a base64 blob, each with its media type", async () => {
    const text = await client().readResource({ uri: "docs://handbook/guides/deep/notes.yaml" });
    expect(text.contents).toEqual([{ uri: "docs://handbook/guides/deep/notes.yaml", mimeType: "application/yaml", text: "k: v\n" }]);
    const linked = await client().readResource({ uri: "docs://handbook/alias.md" });
    expect(linked.contents).toEqual([{ uri: "docs://handbook/alias.md", mimeType: "text/markdown", text: "# Handbook\n" }]);
    const binary = await client().readResource({ uri: "docs://handbook/logo.png" });
    expect(binary.contents).toEqual([{ uri: "docs://handbook/logo.png", mimeType: "image/png", blob: LOGO.toString("base64") }]);
  });

  it("refuses a path that leaves the directory: .., encoded escapes, empty segments, a link out, the directory itself", async () => {
    for (const uri of [
      "docs://handbook/../secret.txt",
      "docs://handbook/guides/../../secret.txt",
      "docs://handbook/%2e%2e/secret.txt",
      "docs://handbook/..%2Fsecret.txt",
      "docs://handbook//readme.md",
      "docs://handbook/bad name.txt",
    ])
      await expectProtocolError(client().readResource({ uri }), -32602, /Invalid path segment/);
    await expectProtocolError(client().readResource({ uri: "docs://handbook/escape.txt" }), -32602, /leads outside its directory/);
    await expectProtocolError(client().readResource({ uri: "docs://handbook" }), -32602, /a directory, not a file/);
    await expectProtocolError(client().readResource({ uri: "docs://handbook/guides" }), -32602, /a directory, not a file/);
  });

  it("a binary file larger than the block's maxBinarySize is refused", async () => {
    await expectProtocolError(
      client().readResource({ uri: "docs://handbook/big.bin" }),
      -32603,
      /8192 bytes, more than the maxBinarySize \(4096 bytes\)/,
    );
  });

  it("an unknown resource is the protocol's resource-not-found: -32602 with data.uri", async () => {
    for (const uri of ["nothing://here", "docs://handbook/missing.md", "data://users/42/avatar/extra"])
      await expectProtocolError(client().readResource({ uri }), -32602, /Resource not found/, { uri });
  });

  it("reads a dynamic resource: one upstream call, its answer as JSON text", async () => {
    const before = upstream().requests.length;
    const { contents } = await client().readResource({ uri: "config://app" });
    expect(contents).toEqual([{ uri: "config://app", mimeType: "application/json", text: '{"theme":"dark"}' }]);
    expect(
      upstream()
        .requests.slice(before)
        .map((r) => r.url),
    ).toEqual(["/v1/config"]);
  });

  it("reads a template: the URI's variable feeds the call through its with", async () => {
    const before = upstream().requests.length;
    const { contents } = await client().readResource({ uri: "data://users/u-42" });
    expect(contents).toEqual([{ uri: "data://users/u-42", mimeType: "application/json", text: '{"id":"u-42"}' }]);
    expect(
      upstream()
        .requests.slice(before)
        .map((r) => r.url),
    ).toEqual(["/v1/users/u-42"]);
  });

  it("reads a resource made of steps: the variable feeds a step's with, the mappings shape the answer", async () => {
    const before = upstream().requests.length;
    const { contents } = await client().readResource({ uri: "data://profiles/u-7" });
    expect(contents).toHaveLength(1);
    expect(contents[0]).toMatchObject({ uri: "data://profiles/u-7", mimeType: "application/json" });
    expect(JSON.parse((contents[0] as { text: string }).text)).toEqual({ user: "u-7", theme: "dark" });
    expect(
      upstream()
        .requests.slice(before)
        .map((r) => r.url),
    ).toEqual(["/v1/users/u-7", "/v1/config"]);
  });

  it("a binary resource is a blob with the upstream's media type", async () => {
    const { contents } = await client().readResource({ uri: "data://users/7/avatar" });
    expect(contents).toEqual([{ uri: "data://users/7/avatar", mimeType: "image/png", blob: AVATAR.toString("base64") }]);
    expect(upstream().requests.at(-1)!.url).toBe("/v1/users/7/avatar");
  });

  it("upstream failures: 404 is resource-not-found, anything else an internal error naming the status", async () => {
    await expectProtocolError(client().readResource({ uri: "data://users/missing" }), -32602, /Resource not found.*404/, {
      uri: "data://users/missing",
    });
    await expectProtocolError(client().readResource({ uri: "data://users/broken" }), -32603, /Upstream answered HTTP 500: .*database down/);
  });

  it("lists the prompts with their arguments (required unless they say not)", async () => {
    const { prompts } = await client().listPrompts();
    // An argument's title (its display) is on the wire (see the 2026-07-28 test below); the SDK's client schema drops it.
    expect(prompts).toEqual([
      {
        name: "greet",
        title: "Greet",
        description: "Write to someone.",
        arguments: [
          { name: "who", description: "Whom to write to.", required: true },
          { name: "tone", description: "How to sound.", required: false },
        ],
      },
      {
        name: "review",
        title: "Review",
        description: "Review some code.",
        arguments: [
          { name: "language", description: "Its language.", required: true },
          { name: "code", description: "The code.", required: true },
        ],
      },
    ]);
  });

  it("renders an inline prompt: every message, each argument as sent (never read as a template itself)", async () => {
    const result = await client().getPrompt({ name: "greet", arguments: { who: "Ada {{tone}}", tone: "warm" } });
    expect(result.messages).toEqual([
      { role: "user", content: { type: "text", text: "Write to Ada {{tone}} in a warm tone." } },
      { role: "assistant", content: { type: "text", text: "Writing to Ada {{tone}}." } },
    ]);
    expect(result.description).toBe("Write to someone.");
    // An optional argument left out: its placeholder stays as written, as the reference engine leaves it.
    const bare = await client().getPrompt({ name: "greet", arguments: { who: "Bob" } });
    expect(bare.messages[0].content).toEqual({ type: "text", text: "Write to Bob in a {{tone}} tone." });
  });

  it("renders a prompt from its file as one user message", async () => {
    const result = await client().getPrompt({ name: "review", arguments: { language: "Go", code: "x := 1" } });
    expect(result.messages).toEqual([{ role: "user", content: { type: "text", text: "Review this Go code:\n\nx := 1\n" } }]);
  });

  it("a missing required argument and an unknown prompt are invalid params", async () => {
    await expectProtocolError(
      client().getPrompt({ name: "greet", arguments: { tone: "dry" } }),
      -32602,
      /Missing required argument of prompt "greet": who/,
    );
    await expectProtocolError(
      client().getPrompt({ name: "review", arguments: {} }),
      -32602,
      /Missing required arguments of prompt "review": language, code/,
    );
    await expectProtocolError(client().getPrompt({ name: "farewell" }), -32602, /Unknown prompt: "farewell" \(this server has 2 prompts/);
  });

  it("binary tool results: image/* an image, audio/* audio, anything else an embedded blob under a transient URI", async () => {
    const image = await client().callTool({ name: "get-avatar", arguments: { id: "9" } });
    expect(image.isError ?? false).toBe(false);
    expect(image.content).toEqual([{ type: "image", data: AVATAR.toString("base64"), mimeType: "image/png" }]);
    expect(image.structuredContent).toBeUndefined();
    const audio = await client().callTool({ name: "get-sound", arguments: { id: "s" } });
    // The operation's outputMediaType wins over the upstream's Content-Type.
    expect(audio.content).toEqual([{ type: "audio", data: SOUND.toString("base64"), mimeType: "audio/mpeg" }]);
    const pdf = await client().callTool({ name: "get-report", arguments: { id: "q3" } });
    const [block] = pdf.content as Content[];
    expect(block.type).toBe("resource");
    expect(block.resource).toEqual({
      uri: expect.stringMatching(/^naftiko:\/\/transient\/handbook-mcp\/get-report\/[0-9a-f-]{36}$/),
      mimeType: "application/pdf",
      blob: REPORT.toString("base64"),
    });
    const again = await client().callTool({ name: "get-report", arguments: { id: "q3" } });
    expect((again.content as Content[])[0].resource!.uri).not.toBe(block.resource!.uri);
  });

  it("binary tool results are bounded by maxBinarySize: the operation's, else the block's", async () => {
    // get-report has no maxBinarySize of its own: the block's 4KiB.
    const big = await client().callTool({ name: "get-report", arguments: { id: "big" } });
    expect(big.isError).toBe(true);
    expect((big.content as Content[])[0].text).toMatch(/8192 bytes, more than the maxBinarySize of 4096 bytes/);
    // get-avatar's own 64KiB wins over the block's 4KiB: a 100 KiB answer is refused, at 64KiB.
    const huge = await client().callTool({ name: "get-avatar", arguments: { id: "huge" } });
    expect(huge.isError).toBe(true);
    expect((huge.content as Content[])[0].text).toMatch(/more than the maxBinarySize of 65536 bytes/);
  });
}

describe("MCP resources and prompts", () => {
  let dir: string;
  let upstream: RecordingUpstream;
  let served: Served;
  let sessions: Served;
  const urls: Record<string, string> = {};
  beforeAll(async () => {
    dir = writeFixture();
    writeFileSync(path.join(dir, "capability.yaml"), capabilityYaml(dir));
    writeFileSync(path.join(dir, "stdio.yaml"), capabilityYaml(dir, true));
    upstream = await startRecordingUpstream(reply);
    const capability = await loadCapability(path.join(dir, "capability.yaml"));
    const options = {
      baseUris: { api: `${upstream.url}/v1` },
      ports: { "handbook-mcp": 0, "plain-mcp": 0 },
      env: {},
      log: () => {},
    };
    served = await serveCapability(capability, options);
    sessions = await serveCapability(capability, { ...options, mcpSessions: true });
    for (const l of served.listeners) urls[l.namespace] = l.url;
    urls.sessions = sessions.listeners.find((l) => l.namespace === "handbook-mcp")!.url;
  });
  afterAll(async () => {
    await served?.close();
    await sessions?.close();
    await upstream?.stop();
  });

  for (const era of [MODERN, "2025-11-25"] as const) {
    describe(`a ${era} client, stateless`, () => {
      let client: Client;
      beforeAll(async () => {
        client = await connectClient(urls["handbook-mcp"], era);
      });
      afterAll(async () => client?.close());
      behaviour(
        () => client,
        () => upstream,
      );

      it("the server advertises resources and prompts; a block without them advertises neither and answers -32601", async () => {
        expect(client.getServerCapabilities()).toMatchObject({ tools: {}, resources: {}, prompts: {} });
        const plain = await connectClient(urls["plain-mcp"], era);
        try {
          expect(plain.getServerCapabilities()).not.toHaveProperty("resources");
          expect(plain.getServerCapabilities()).not.toHaveProperty("prompts");
        } finally {
          await plain.close();
        }
      });
    });
  }

  describe("a 2025-11-25 client with --mcp-sessions", () => {
    let client: Client;
    beforeAll(async () => {
      client = await connectClient(urls.sessions, "2025-11-25");
    });
    afterAll(async () => client?.close());
    behaviour(
      () => client,
      () => upstream,
    );
  });

  it("2026-07-28 lists and reads carry the block's cache fields; a request without clientCapabilities is answered, as clients of the reference engine send it", async () => {
    const url = urls["handbook-mcp"];
    const { "io.modelcontextprotocol/clientCapabilities": _caps, ...bare } = ENVELOPE;
    const headers = (method: string, name?: string) => ({ "content-type": "application/json", ...modernHeaders(method, name) });
    for (const method of ["resources/list", "resources/templates/list", "prompts/list"]) {
      const res = await post(url, rpcText(method, {}, 1, bare), headers(method));
      expect(res.status, method).toBe(200);
      expect(res.body.result, method).toMatchObject({ ttlMs: 5000, cacheScope: "public", resultType: "complete" });
      if (method === "prompts/list")
        expect(res.body.result.prompts[0].arguments[1]).toEqual({
          name: "tone",
          title: "Tone",
          description: "How to sound.",
          required: false,
        });
    }
    const read = await post(url, rpcText("resources/read", { uri: "config://app" }, 2, bare), headers("resources/read", "config://app"));
    expect(read.body.result).toMatchObject({ ttlMs: 5000, cacheScope: "public", contents: [{ uri: "config://app" }] });
    const prompt = await post(
      url,
      rpcText("prompts/get", { name: "greet", arguments: { who: "Ada" } }, 3, bare),
      headers("prompts/get", "greet"),
    );
    expect(prompt.body.result.messages).toHaveLength(2);
    const discover = await post(url, rpcText("server/discover", {}, 4, ENVELOPE), headers("server/discover"));
    expect(discover.body.result.capabilities).toMatchObject({ tools: {}, resources: {}, prompts: {} });
    const plain = await post(urls["plain-mcp"], rpcText("server/discover", {}, 5, ENVELOPE), headers("server/discover"));
    expect(Object.keys(plain.body.result.capabilities)).toEqual(["tools"]);
    const missing = await post(urls["plain-mcp"], rpcText("resources/list", {}, 6, ENVELOPE), headers("resources/list"));
    expect(missing.body.error.code).toBe(-32601);
  });

  it("naftiko inspect lists the block's resources and prompts; naftiko call prints a binary result's content block", async () => {
    const r = await runCli(["inspect", path.join(dir, "capability.yaml")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^MCP handbook-mcp {2}http {2}127\.0\.0\.1:9090\/mcp {2}3 tools, 5 resources, 2 prompts$/m);
    expect(r.stdout).toMatch(/^MCP plain-mcp {2}http {2}127\.0\.0\.1:9091\/mcp {2}1 tool$/m);
    expect(r.stdout).toMatch(/^RESOURCE +URI +SERVES +TYPE$/m);
    expect(r.stdout).toMatch(/^docs +docs:\/\/handbook\/<file> +files of file:\/\/\S+\/docs +\(by extension\)$/m);
    expect(r.stdout).toMatch(/^config +config:\/\/app +api\.get-config +application\/json$/m);
    expect(r.stdout).toMatch(/^user +data:\/\/users\/\{id\} +api\.get-user +application\/json$/m);
    expect(r.stdout).toMatch(/^avatar +data:\/\/users\/\{id\}\/avatar +api\.get-avatar +\(upstream's\)$/m);
    expect(r.stdout).toMatch(/^PROMPT +ARGUMENTS +MESSAGES$/m);
    expect(r.stdout).toMatch(/^greet +who\* tone +2 inline \(user, assistant\)$/m);
    expect(r.stdout).toMatch(/^review +language\* code\* +user, from file:\/\/\S+\/review\.md$/m);
    const call = await runCli([
      "call",
      path.join(dir, "capability.yaml"),
      "get-avatar",
      "--arg",
      "id=4",
      "--base-uri",
      `api=${upstream.url}/v1`,
    ]);
    expect(call.code, call.stderr).toBe(0);
    expect(JSON.parse(call.stdout)).toEqual({ type: "image", data: AVATAR.toString("base64"), mimeType: "image/png" });
  });

  it("the real CLI logs its counts, and each resource read as a call line of its resource", async () => {
    const proc = await spawnServe([
      path.join(dir, "capability.yaml"),
      "--base-uri",
      `api=${upstream.url}/v1`,
      "--port",
      "handbook-mcp=0",
      "--port",
      "plain-mcp=0",
    ]);
    try {
      const client = new SdkClient({ name: "logs", version: "1" });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(proc.urls["handbook-mcp"]), { requestInit: { headers: { "x-request-id": "read-1" } } }),
      );
      await client.readResource({ uri: "data://users/3" });
      await expectProtocolError(client.readResource({ uri: "data://users/broken" }), -32603, /500/);
      await client.close();
      expect(upstream.requests.at(-2)!.headers["x-request-id"]).toBe("read-1");
      await proc.stop();
      const lines = logLines(proc.stderr());
      const messages = lines.map((l) => String(l.msg));
      expect(
        messages.some((m) => /^naftiko: mcp handbook-mcp listening on \S+ \(3 tools, 5 resources, 2 prompts, stateless\)$/.test(m)),
      ).toBe(true);
      expect(messages.some((m) => /^naftiko: mcp plain-mcp listening on \S+ \(1 tool, stateless\)$/.test(m))).toBe(true);
      const reads = lines.filter((l) => l.msg === "call");
      expect(reads).toHaveLength(2);
      expect(reads[0]).toMatchObject({
        kind: "mcp",
        exposes: "handbook-mcp",
        resource: "user",
        method: "resources/read",
        reqId: "read-1",
        status: "ok",
        upstreamStatus: 200,
      });
      expect(reads[1]).toMatchObject({ resource: "user", status: "error", upstreamStatus: 500 });
    } finally {
      await proc.stop();
    }
  });

  it.each([MODERN, "2025-11-25"] as const)("over stdio from the real CLI (%s client): lists, reads, renders and calls", async (era) => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, "serve", path.join(dir, "stdio.yaml"), "--stdio", "--base-uri", `api=${upstream.url}/v1`],
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "" },
      stderr: "pipe",
    });
    let stderr = "";
    transport.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const client = new SdkClient(
      { name: "desktop", version: "1" },
      era === MODERN ? { versionNegotiation: { mode: { pin: MODERN } } } : {},
    );
    await client.connect(transport);
    try {
      expect(client.getServerCapabilities()).toMatchObject({ resources: {}, prompts: {} });
      expect((await client.listResources()).resources).toHaveLength(8);
      expect((await client.readResource({ uri: "docs://handbook/logo.png" })).contents).toEqual([
        { uri: "docs://handbook/logo.png", mimeType: "image/png", blob: LOGO.toString("base64") },
      ]);
      expect((await client.readResource({ uri: "data://users/5" })).contents[0]).toMatchObject({ text: '{"id":"5"}' });
      expect((await client.getPrompt({ name: "review", arguments: { language: "C", code: "int x;" } })).messages[0].content).toEqual({
        type: "text",
        text: "Review this C code:\n\nint x;\n",
      });
      await expectProtocolError(client.readResource({ uri: "docs://handbook/escape.txt" }), -32602, /leads outside/);
      const image = await client.callTool({ name: "get-avatar", arguments: { id: "1" } });
      expect(image.content).toEqual([{ type: "image", data: AVATAR.toString("base64"), mimeType: "image/png" }]);
    } finally {
      await client.close();
    }
    expect(stderr).toContain("serving on stdio (3 tools, 5 resources, 2 prompts)");
  });
});
