/**
 * What a `type: control` block declares, through the real CLI over real HTTP: B3 propagation, local
 * traces (`/traces`), `/config`, hot reload and dry-run validation, log levels and the log stream;
 * and what `naftiko validate` refuses in a control block.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, runCli, spawnServe, type ServeProcess } from "../support/cli.js";
import { writeTree } from "../support/temp.js";
import { startOtlpReceiver } from "../support/otlp-receiver.js";
import { parsePrometheus, valueOf } from "../support/prometheus.js";
import { echo, startRecordingUpstream, type RecordingUpstream } from "../support/recording-upstream.js";

const FLAGSHIP = readFileSync(path.join(ROOT, "metal-interconnections.naftiko.yaml"), "utf8");
const REST = "metal-interconnections-rest";
const MCP = "metal-interconnections-mcp";
const KEY = "control-block-key-0042";
const CALLER_TRACE = "463ac35c9f6413ad48485a3953bb6124";
const CALLER_SPAN = "a2fb4a1d1a96d312";

/** The flagship with `block` (YAML lines at the exposes item's indentation) as its first exposes block. */
function flagshipWith(block: string, text = FLAGSHIP): string {
  return text.replace(/^ {2}exposes:\n/m, `  exposes:\n${block}`);
}

async function serve(text: string, upstream: RecordingUpstream, env: NodeJS.ProcessEnv = {}): Promise<ServeProcess & { file: string }> {
  const dir = writeTree({ "cap.naftiko.yaml": text });
  const file = path.join(dir, "cap.naftiko.yaml");
  const proc = await spawnServe(
    [file, "--base-uri", `metal-interconnections=${upstream.url}`, "--port", `${REST}=0`, "--port", `${MCP}=0`, "--port", "control=0"],
    { EQUINIX_API_KEY: KEY, ...env },
  );
  return Object.assign(proc, { file });
}

describe("observability.traces: B3 propagation and local traces", () => {
  it("b3 continues the caller's B3 trace, sends X-B3 headers upstream, and /traces shows the trace with its spans", async () => {
    const upstream = await startRecordingUpstream((req) => (req.path.endsWith("/broken") ? { status: 500, body: "{}" } : echo(req)));
    const proc = await serve(
      flagshipWith(`  - type: control
    port: 9999
    observability:
      traces:
        propagation: b3
        local:
          buffer-size: 10
`),
      upstream,
    );
    try {
      const control = proc.urls.control;
      const res = await fetch(`${proc.urls[REST]}/v1/connections/c1`, {
        headers: { "x-b3-traceid": CALLER_TRACE, "x-b3-spanid": CALLER_SPAN, "x-b3-sampled": "1" },
      });
      expect(res.status).toBe(200);
      const sent = upstream.requests[0].headers;
      expect(sent["x-b3-traceid"]).toBe(CALLER_TRACE);
      expect(sent["x-b3-spanid"]).toMatch(/^[0-9a-f]{16}$/);
      expect(sent["x-b3-spanid"]).not.toBe(CALLER_SPAN);
      expect(sent["x-b3-sampled"]).toBe("1");
      expect(sent.traceparent).toBeUndefined();

      const one = (await (await fetch(`${control}/traces/${CALLER_TRACE}`)).json()) as {
        operation: string;
        status: string;
        spans: Array<{ spanId: string; parentSpanId?: string; name: string; kind: string; status: string; durationMs: number }>;
      };
      expect(one.operation).toBe("GET /v1/connections/{connection-id}");
      expect(one.status).toBe("OK");
      const server = one.spans.find((s) => s.kind === "SERVER")!;
      const client = one.spans.find((s) => s.kind === "CLIENT")!;
      expect(server.parentSpanId).toBe(CALLER_SPAN);
      expect(client.parentSpanId).toBe(server.spanId);
      expect(client.spanId).toBe(sent["x-b3-spanid"]);
      expect(client.name).toBe("GET metal-interconnections.getinterconnection");
      expect(server.durationMs).toBeGreaterThan(0);

      expect((await fetch(`${proc.urls[REST]}/v1/connections/broken`)).status).toBe(500);
      const failed = (await (await fetch(`${control}/traces?status=error`)).json()) as { traces: Array<{ status: string }> };
      expect(failed.traces).toEqual([expect.objectContaining({ status: "ERROR", operation: "GET /v1/connections/{connection-id}" })]);

      // More calls than the buffer holds: the newest ten are kept, newest first.
      for (let i = 0; i < 10; i++) await (await fetch(`${proc.urls[REST]}/v1/connections/n${i}`)).text();
      const list = (await (await fetch(`${control}/traces`)).json()) as {
        traces: Array<{ traceId: string; operation: string; status: string; spanCount: number; timestamp: string }>;
        bufferSize: number;
        bufferUsed: number;
      };
      expect(list.bufferSize).toBe(10);
      expect(list.bufferUsed).toBe(10);
      expect(list.traces).toHaveLength(10);
      expect(list.traces.map((t) => t.traceId)).not.toContain(CALLER_TRACE);
      expect(list.traces[0].traceId).toBe(upstream.requests.at(-1)!.headers["x-b3-traceid"]);
      expect(list.traces.every((t) => t.spanCount === 2 && !Number.isNaN(Date.parse(t.timestamp)))).toBe(true);
      expect(((await (await fetch(`${control}/traces?status=error`)).json()) as { traces: unknown[] }).traces).toEqual([]);
      expect(((await (await fetch(`${control}/traces?operation=connections`)).json()) as { traces: unknown[] }).traces).toHaveLength(10);
      expect(((await (await fetch(`${control}/traces?operation=nothing-like-it`)).json()) as { traces: unknown[] }).traces).toEqual([]);
      const missing = await fetch(`${control}/traces/${CALLER_TRACE}`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({ error: `Trace not found: ${CALLER_TRACE}` });
    } finally {
      await proc.stop();
      await upstream.stop();
    }
  });

  it("b3 without spans of our own passes the caller's B3 headers upstream unchanged; no /traces when local traces are off", async () => {
    const upstream = await startRecordingUpstream();
    const proc = await serve(
      flagshipWith(`  - type: control
    port: 9999
    observability:
      traces:
        propagation: b3
        local:
          enabled: false
`),
      upstream,
    );
    try {
      await fetch(`${proc.urls[REST]}/v1/connections/c1`, {
        headers: {
          "x-b3-traceid": CALLER_TRACE,
          "x-b3-spanid": CALLER_SPAN,
          "x-b3-sampled": "1",
          traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`,
        },
      });
      const sent = upstream.requests[0].headers;
      expect([sent["x-b3-traceid"], sent["x-b3-spanid"], sent["x-b3-sampled"]]).toEqual([CALLER_TRACE, CALLER_SPAN, "1"]);
      expect(sent.traceparent).toBeUndefined();
      await fetch(`${proc.urls[REST]}/v1/connections/c2`, { headers: { b3: `${CALLER_TRACE}-${CALLER_SPAN}-1` } });
      expect(upstream.requests[1].headers.b3).toBe(`${CALLER_TRACE}-${CALLER_SPAN}-1`);
      const traces = await fetch(`${proc.urls.control}/traces`);
      expect(traces.status).toBe(404);
      expect(((await traces.json()) as { message: string }).message).toMatch(/serves: \/health\/live, \/health\/ready, \/metrics$/);
    } finally {
      await proc.stop();
      await upstream.stop();
    }
  });

  it("observability.enabled: false turns off /metrics, /traces and trace propagation", async () => {
    const upstream = await startRecordingUpstream();
    const proc = await serve(flagshipWith(`  - type: control\n    port: 9999\n    observability:\n      enabled: false\n`), upstream);
    try {
      await fetch(`${proc.urls[REST]}/v1/connections/c1`, { headers: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` } });
      expect(upstream.requests[0].headers.traceparent).toBeUndefined();
      expect((await fetch(`${proc.urls.control}/metrics`)).status).toBe(404);
      expect((await fetch(`${proc.urls.control}/traces`)).status).toBe(404);
      expect((await fetch(`${proc.urls.control}/health/ready`)).status).toBe(200);
    } finally {
      await proc.stop();
      await upstream.stop();
    }
  });

  it("exporters.otlp.endpoint takes {{bound}} variables: spans go to the bound endpoint", async () => {
    const receiver = await startOtlpReceiver();
    const upstream = await startRecordingUpstream();
    const text = flagshipWith(
      `  - type: control
    port: 9999
    observability:
      exporters:
        otlp:
          endpoint: "{{env.OTLP_URL}}"
`,
      FLAGSHIP.replace("    EQUINIX_API_KEY: EQUINIX_API_KEY\n", "    EQUINIX_API_KEY: EQUINIX_API_KEY\n    OTLP_URL: COLLECTOR_URL\n"),
    );
    const proc = await serve(text, upstream, { COLLECTOR_URL: receiver.url });
    try {
      await fetch(`${proc.urls[REST]}/v1/connections/c1`);
      expect(await proc.stop("SIGTERM")).toBe(0); // shutdown flushes the batch
      expect(receiver.spans.map((s) => s.name)).toContain("GET /v1/connections/{connection-id}");
    } finally {
      await proc.stop();
      await upstream.stop();
      await receiver.stop();
    }
  });
});

describe("management: /config, reload, validate", () => {
  const BLOCK = `  - type: control
    port: 9999
    management:
      info: true
      reload: true
      validate: true
`;

  it("/config is the capability as served, credentials written in the file hidden", async () => {
    const upstream = await startRecordingUpstream();
    const text = flagshipWith(BLOCK).replace(
      "    namespace: metal-interconnections-rest\n",
      "    namespace: metal-interconnections-rest\n    authentication:\n      type: bearer\n      token: literal-rest-token-9931\n",
    );
    const proc = await serve(text, upstream);
    try {
      const res = await fetch(`${proc.urls.control}/config`);
      expect(res.status).toBe(200);
      const body = await res.text();
      expect(body).not.toContain("literal-rest-token-9931");
      expect(body).not.toContain(KEY);
      const doc = JSON.parse(body) as {
        specVersion: string;
        consumes: Array<{ resources: Array<{ operations: Array<{ key: string }> }> }>;
        exposes: Array<{ namespace?: string; authentication?: unknown; tools?: Array<{ name: string; call?: unknown }> }>;
      };
      expect(doc.specVersion).toBe("naftiko 1.0.0-alpha2");
      expect(doc.exposes.find((b) => b.namespace === REST)!.authentication).toEqual({ type: "bearer", token: "***" });
      // References are written as the file names them.
      const tool = doc.exposes.find((b) => b.namespace === MCP)!.tools!.find((t) => t.name === "get-interconnection")!;
      expect(tool.call).toBe("metal-interconnections.getinterconnection");
      expect(doc.consumes[0].resources[0].operations[0].key).toMatch(/^metal-interconnections\./);
    } finally {
      await proc.stop();
      await upstream.stop();
    }
  });

  it("POST /config/reload applies an edit and names what changed; a broken edit or a new port is refused and counted", async () => {
    const upstream = await startRecordingUpstream();
    const text = flagshipWith(BLOCK);
    const proc = await serve(text, upstream);
    const control = proc.urls.control;
    try {
      writeFileSync(
        proc.file,
        text.replace(
          "    - name: get-interconnection\n      description: Get interconnection\n",
          "    - name: get-interconnection\n      description: Get one interconnection\n",
        ),
      );
      const applied = await fetch(`${control}/config/reload`, { method: "POST" });
      expect(applied.status).toBe(200);
      const body = (await applied.json()) as { status: string; changes: Array<{ path: string; from?: unknown; to?: unknown }> };
      expect(body.status).toBe("applied");
      expect(body.changes).toEqual([
        {
          path: expect.stringMatching(/^exposes\[\d+\]\.tools\[\d+\]\.description$/),
          from: "Get interconnection",
          to: "Get one interconnection",
        },
      ]);

      writeFileSync(proc.file, text.replace("call: metal-interconnections.getinterconnection", "call: metal-interconnections.nosuchop"));
      const broken = await fetch(`${control}/config/reload`, { method: "POST" });
      expect(broken.status).toBe(422);
      const refused = (await broken.json()) as { status: string; reason: string; problems: string[] };
      expect(refused.status).toBe("rejected");
      expect(refused.reason).toMatch(/1 problem; still serving the previous version/);
      expect(refused.problems[0]).toMatch(
        /cap\.naftiko\.yaml:\d+:\d+ capability\.exposes\[\d+\]\.[\w[\].]+\.call: consumes "metal-interconnections" has no operation "nosuchop"/,
      );

      writeFileSync(proc.file, text.replace("port: 9090", "port: 9191"));
      const moved = await fetch(`${control}/config/reload`, { method: "POST" });
      expect(moved.status).toBe(409);
      expect(((await moved.json()) as { reason: string }).reason).toMatch(
        /exposes "metal-interconnections-mcp": port 9090 → 9191: restart naftiko serve/,
      );

      expect((await fetch(`${control}/config/reload`, { method: "POST", body: "naftiko: x" })).status).toBe(400);
      const status = (await (await fetch(`${control}/status`)).json()) as { reloads: { count: number; lastError?: string } };
      expect(status.reloads.count).toBe(1);
      expect(status.reloads.lastError).toMatch(/restart naftiko serve/);
      const { samples } = parsePrometheus(await (await fetch(`${control}/metrics`)).text());
      expect(valueOf(samples, "naftiko_reloads_total", { result: "ok" })).toBe(1);
      expect(valueOf(samples, "naftiko_reloads_total", { result: "error" })).toBe(2);
      // Still serving the applied version.
      expect((await fetch(`${proc.urls[REST]}/v1/connections/c1`)).status).toBe(200);
    } finally {
      await proc.stop();
      await upstream.stop();
    }
  });

  it("POST /config/validate checks a candidate against the running version and applies nothing", async () => {
    const upstream = await startRecordingUpstream();
    const text = flagshipWith(BLOCK);
    const proc = await serve(text, upstream);
    const validate = async (body: string) => {
      const res = await fetch(`${proc.urls.control}/config/validate`, {
        method: "POST",
        body,
        headers: { "content-type": "application/yaml" },
      });
      expect(res.status).toBe(200);
      return (await res.json()) as { valid: boolean; reloadable: boolean; structuralChanges: string[]; problems: string[] };
    };
    try {
      expect(await validate(text.replace("description: Get interconnection\n", "description: Get one\n"))).toEqual({
        valid: true,
        reloadable: true,
        structuralChanges: [],
        problems: [],
        warnings: [],
      });
      const moved = await validate(text.replace("port: 8080", "port: 8181"));
      expect(moved).toMatchObject({
        valid: true,
        reloadable: false,
        structuralChanges: ['exposes "metal-interconnections-rest": port 8080 → 8181'],
      });
      const broken = await validate(text.replace("    method: GET\n", "    method: FETCH\n"));
      expect(broken.valid).toBe(false);
      expect(broken.problems[0]).toMatch(/cap\.naftiko\.yaml:\d+:\d+ [\w[\].]+\.method: must be one of/);
      const unbound = await validate(
        text.replace("    EQUINIX_API_KEY: EQUINIX_API_KEY\n", "    EQUINIX_API_KEY: EQUINIX_API_KEY\n    OTHER: NOT_SET_ANYWHERE\n"),
      );
      expect(unbound).toMatchObject({ valid: false, reloadable: false });
      expect(unbound.problems[0]).toMatch(/missing bound variable: OTHER \(set the environment variable NOT_SET_ANYWHERE/);
      expect((await fetch(`${proc.urls.control}/config/validate`, { method: "POST", body: "" })).status).toBe(400);
      const huge = await fetch(`${proc.urls.control}/config/validate`, { method: "POST", body: "#".repeat(5 * 1024 * 1024) });
      expect(huge.status).toBe(413);
      // Nothing was applied: the file on disk and the served version are the ones from the start.
      const status = (await (await fetch(`${proc.urls.control}/status`)).json()) as { reloads: { count: number } };
      expect(status.reloads.count).toBe(0);
    } finally {
      await proc.stop();
      await upstream.stop();
    }
  });

  it("none of them is served unless the block turns it on", async () => {
    const upstream = await startRecordingUpstream();
    const proc = await serve(flagshipWith(`  - type: control\n    port: 9999\n`), upstream);
    try {
      for (const [method, p] of [
        ["GET", "/config"],
        ["POST", "/config/reload"],
        ["POST", "/config/validate"],
        ["GET", "/logs"],
        ["GET", "/logs/stream"],
      ]) {
        expect((await fetch(`${proc.urls.control}${p}`, { method })).status, `${method} ${p}`).toBe(404);
      }
    } finally {
      await proc.stop();
      await upstream.stop();
    }
  });
});

describe("management.logs", () => {
  it("reads and changes the log level while serving, and streams log lines as Server-Sent Events", async () => {
    const upstream = await startRecordingUpstream();
    const proc = await serve(
      flagshipWith(`  - type: control
    port: 9999
    management:
      logs:
        stream: true
        max-subscribers: 1
`),
      upstream,
    );
    const control = proc.urls.control;
    try {
      expect(await (await fetch(`${control}/logs`)).json()).toMatchObject({
        loggers: { ROOT: { configuredLevel: "INFO", effectiveLevel: "INFO" } },
      });
      await fetch(`${proc.urls[REST]}/v1/connections/before`);
      const put = await fetch(`${control}/logs/ROOT`, { method: "PUT", body: JSON.stringify({ level: "debug" }) });
      expect(await put.json()).toEqual({ logger: "ROOT", configuredLevel: "DEBUG", effectiveLevel: "DEBUG" });
      expect((await fetch(`${control}/logs/ROOT`, { method: "PUT", body: '{"level":"LOUD"}' })).status).toBe(400);
      expect((await fetch(`${control}/logs/io.example`, { method: "PUT", body: '{"level":"INFO"}' })).status).toBe(404);

      const stream = await fetch(`${control}/logs/stream?level=DEBUG`);
      expect(stream.headers.get("content-type")).toBe("text/event-stream");
      // One subscriber at most: the second is turned away while the first reads.
      const second = await fetch(`${control}/logs/stream`);
      expect(second.status).toBe(503);
      expect(((await second.json()) as { message: string }).message).toMatch(/1 log streams are already open/);

      await fetch(`${proc.urls[REST]}/v1/connections/streamed`);
      const reader = stream.body!.getReader();
      let text = "";
      while (!/"msg":"call"/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
      const lines = text
        .split("\n")
        .filter((l) => l.startsWith("data: "))
        .map((l) => JSON.parse(l.slice(6)) as { level: number; msg: string; reqId?: string; status?: number });
      expect(lines.some((l) => l.msg === "upstream call" && l.level === 20)).toBe(true);
      expect(lines.find((l) => l.msg === "call")).toMatchObject({ level: 30, status: 200 });
      expect(text).not.toContain(KEY);
      await reader.cancel();

      // The debug level was in effect on stderr too, and only after the change.
      await proc.stop("SIGTERM");
      const upstreamLines = proc
        .stderr()
        .split("\n")
        .filter((l) => l.includes('"msg":"upstream call"'));
      expect(upstreamLines).toHaveLength(1);
    } finally {
      await proc.stop();
      await upstream.stop();
    }
  });

  it("the stream frees its place when the reader leaves", async () => {
    const upstream = await startRecordingUpstream();
    const proc = await serve(flagshipWith(`  - type: control\n    port: 9999\n    management:\n      logs: true\n`), upstream);
    try {
      const streams: Response[] = [];
      for (let i = 0; i < 5; i++) streams.push(await fetch(`${proc.urls.control}/logs/stream`));
      expect((await fetch(`${proc.urls.control}/logs/stream`)).status).toBe(503);
      await streams[0].body!.cancel();
      let status = 503;
      for (let i = 0; i < 50 && status === 503; i++) {
        await new Promise((r) => setTimeout(r, 20));
        const res = await fetch(`${proc.urls.control}/logs/stream`);
        status = res.status;
        if (status === 200) await res.body!.cancel();
      }
      expect(status).toBe(200);
      for (const s of streams.slice(1)) await s.body!.cancel();
    } finally {
      await proc.stop();
      await upstream.stop();
    }
  });
});

describe("switches off", () => {
  it("health: false, metrics.local.enabled: false, logs.level-control: false and traces.sampling: 0 each take their part away", async () => {
    const upstream = await startRecordingUpstream();
    const proc = await serve(
      flagshipWith(`  - type: control
    port: 9999
    management:
      health: false
      logs:
        level-control: false
        stream: true
    observability:
      metrics:
        local:
          enabled: false
      traces:
        sampling: 0
        local:
          enabled: true
`),
      upstream,
    );
    const control = proc.urls.control;
    try {
      for (const p of ["/health/live", "/health/ready", "/metrics", "/logs", "/logs/ROOT"]) {
        expect((await fetch(`${control}${p}`)).status, p).toBe(404);
      }
      // The stream stays: level-control turns off only the level endpoints.
      const stream = await fetch(`${control}/logs/stream`);
      expect(stream.headers.get("content-type")).toBe("text/event-stream");
      await stream.body!.cancel();
      // Sampling 0: no trace of ours is recorded, though local traces are on and served.
      await (await fetch(`${proc.urls[REST]}/v1/connections/c1`)).text();
      const list = (await (await fetch(`${control}/traces`)).json()) as { traces: unknown[] };
      expect(list.traces).toEqual([]);
      expect(upstream.requests).toHaveLength(1);
    } finally {
      await proc.stop();
      await upstream.stop();
    }
  });
});

describe("naftiko validate on control blocks", () => {
  const validate = async (text: string) => {
    const dir = writeTree({ "cap.naftiko.yaml": text });
    return runCli(["validate", path.join(dir, "cap.naftiko.yaml")]);
  };

  it("refuses a second control block", async () => {
    const { code, stderr } = await validate(flagshipWith(`  - type: control\n    port: 9998\n  - type: control\n    port: 9999\n`));
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /:\d+:\d+ capability\.exposes\[1\]\.type: only one control block is allowed per capability; exposes\[0\] is already one/,
    );
  });

  it("refuses management.scripting in a capability without script steps", async () => {
    const { code, stderr } = await validate(
      flagshipWith(`  - type: control\n    port: 9999\n    management:\n      scripting:\n        defaultLanguage: javascript\n`),
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /:\d+:\d+ capability\.exposes\[0\]\.management\.scripting: management\.scripting governs script steps, and this capability has none/,
    );
  });

  it("refuses an OTLP endpoint naming a variable no bind declares", async () => {
    const { code, stderr } = await validate(
      flagshipWith(
        `  - type: control\n    port: 9999\n    observability:\n      exporters:\n        otlp:\n          endpoint: "{{env.NOPE}}"\n`,
      ),
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /observability\.exporters\.otlp\.endpoint: \{\{env\.NOPE\}\} is not a bound variable \(binds declare: EQUINIX_API_KEY\)/,
    );
  });

  it("accepts every switch this runtime implements", async () => {
    const { code, stdout, stderr } = await validate(
      flagshipWith(`  - type: control
    port: 9999
    management:
      health: true
      info: true
      reload: true
      validate: true
      logs:
        level-control: true
        stream: true
        max-subscribers: 3
    observability:
      enabled: true
      metrics:
        local:
          enabled: true
      traces:
        sampling: 0.5
        propagation: b3
        local:
          enabled: true
          buffer-size: 50
`),
    );
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/: ok \(naftiko 1\.0\.0-alpha2\)$/m);
  });
});
