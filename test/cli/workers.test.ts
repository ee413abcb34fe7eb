/**
 * `naftiko serve --workers N`: N processes serve every exposes block on the same ports, through the
 * real CLI. What one process does, N do: the control port (served once, metrics added up across the
 * workers, traces merged, the log level and the log stream reaching every worker), `--watch` and
 * control-port reloads (every worker swaps the new version in), graceful shutdown (every worker
 * finishes its in-flight calls), readiness (only while every worker listens), and a worker that dies
 * is replaced. stdin/stdout cannot be shared, so `--stdio` is refused with workers.
 */
import net from "node:net";
import { availableParallelism } from "node:os";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { flagshipOptions, logLines, ROOT, runCli, spawnServe, type ServeProcess } from "../support/cli.js";
import { connectable } from "../support/ports.js";
import { writeTree } from "../support/temp.js";
import { parsePrometheus, valueOf } from "../support/prometheus.js";
import { rawRequest } from "../support/raw-http.js";
import { echo, startRecordingUpstream, type RecordingUpstream } from "../support/recording-upstream.js";
import { REST as SCRIPT_REST, scriptCapability, serveArgs, shop } from "../scripting/capability.js";

const FLAGSHIP = readFileSync(path.join(ROOT, "metal-interconnections.naftiko.yaml"), "utf8");
const REST = "metal-interconnections-rest";
const MCP = "metal-interconnections-mcp";
const KEY = "workers-key-0042";
const CONTROL = `  - type: control
    port: 9999
    management:
      info: true
      reload: true
      validate: true
      logs: true
`;
const WITH_CONTROL = FLAGSHIP.replace(/^ {2}exposes:\n/m, `  exposes:\n${CONTROL}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Status {
  runtime: { pid: number };
  ready: boolean;
  reloads: { count: number };
  workers?: Array<{ pid: number; ready: boolean }>;
}

async function serve(text: string, upstream: RecordingUpstream, extra: string[]): Promise<ServeProcess & { file: string }> {
  const dir = writeTree({ "cap.naftiko.yaml": text });
  const file = path.join(dir, "cap.naftiko.yaml");
  const proc = await spawnServe(
    [
      file,
      "--workers",
      "2",
      "--base-uri",
      `metal-interconnections=${upstream.url}/metal/v1`,
      "--port",
      `${REST}=0`,
      "--port",
      `${MCP}=0`,
      ...extra,
    ],
    { EQUINIX_API_KEY: KEY },
    60_000,
  );
  return Object.assign(proc, { file });
}

/** A REST call on a connection of its own: the primary hands each new connection to the next worker. */
const call = (proc: ServeProcess, id: string, reqId?: string) =>
  rawRequest(proc.urls[REST], "GET", `/v1/connections/${id}`, reqId ? { "x-request-id": reqId } : {});

const status = async (proc: ServeProcess) => (await (await fetch(`${proc.urls.control}/status`)).json()) as Status;
const metrics = async (proc: ServeProcess) => parsePrometheus(await (await fetch(`${proc.urls.control}/metrics`)).text()).samples;
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe("naftiko serve --workers", () => {
  it("serves every block from each worker; the control port answers once for all of them", { timeout: 120_000 }, async () => {
    const upstream = await startRecordingUpstream();
    const proc = await serve(WITH_CONTROL, upstream, ["--port", "control=0", "--watch"]);
    try {
      const first = await status(proc);
      expect(first.ready).toBe(true);
      expect(first.workers).toHaveLength(2);
      const pids = first.workers!.map((w) => w.pid);
      expect(new Set([...pids, first.runtime.pid]).size).toBe(3);
      expect(pids.every(alive)).toBe(true);
      expect(first.workers!.every((w) => w.ready)).toBe(true);

      // Both workers answer: each opens its own connection to the upstream, and keeps it.
      for (let i = 0; i < 8; i++) expect((await call(proc, `c${i}`)).status).toBe(200);
      expect(upstream.connections).toBe(2);
      const tool = await rawRequest(
        proc.urls[MCP],
        "POST",
        "/mcp",
        { "content-type": "application/json", accept: "application/json, text/event-stream" },
        JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "tools/call",
          params: { name: "get-interconnection", arguments: { connection_id: "m1" } },
        }),
      );
      expect(JSON.parse(tool.body).result.structuredContent.seen.url).toBe("/metal/v1/connections/m1");

      // Metrics add up across the workers; what the primary keeps is counted once.
      let samples = await metrics(proc);
      expect(valueOf(samples, "naftiko_requests_total", { kind: "rest", status: "200" })).toBe(8);
      expect(valueOf(samples, "naftiko_requests_total", { kind: "mcp", status: "ok" })).toBe(1);
      expect(valueOf(samples, "naftiko_capability_info")).toBe(1);
      // Every worker's traces, in one list.
      const traces = (await (await fetch(`${proc.urls.control}/traces`)).json()) as { traces: unknown[]; bufferSize: number };
      expect(traces.traces).toHaveLength(9);
      expect(traces.bufferSize).toBe(100);

      // The log level set on the control port applies in every worker.
      const put = (level: string) => fetch(`${proc.urls.control}/logs/ROOT`, { method: "PUT", body: JSON.stringify({ level }) });
      expect((await put("WARN")).status).toBe(200);
      await sleep(200);
      for (let i = 0; i < 4; i++) await call(proc, `q${i}`, `quiet-${i}`);
      expect((await put("INFO")).status).toBe(200);
      await sleep(200);
      for (let i = 0; i < 4; i++) await call(proc, `l${i}`, `loud-${i}`);
      const callLines = await until("the loud calls' lines", async () => {
        const lines = logLines(proc.stderr()).filter((l) => l.msg === "call");
        return lines.filter((l) => String(l.reqId).startsWith("loud-")).length === 4 ? lines : undefined;
      });
      expect(callLines.filter((l) => String(l.reqId).startsWith("quiet-"))).toHaveLength(0);

      // The log stream carries every worker's lines.
      const stream = await fetch(`${proc.urls.control}/logs/stream`);
      const reader = stream.body!.getReader();
      await sleep(200);
      for (let i = 0; i < 4; i++) await call(proc, `s${i}`, `streamed-${i}`);
      let text = "";
      while ([0, 1, 2, 3].some((i) => !text.includes(`"reqId":"streamed-${i}"`)))
        text += new TextDecoder().decode((await reader.read()).value);
      expect(text).not.toContain(KEY);
      await reader.cancel();

      // --watch: an edit is swapped in by every worker.
      writeFileSync(proc.file, WITH_CONTROL.replace("path: /connections/{connection_id}\n", "path: /links/{connection_id}\n"));
      await until("the reload", async () => ((await status(proc)).reloads.count === 1 ? true : undefined));
      const before = upstream.requests.length;
      for (let i = 0; i < 6; i++) expect((await call(proc, `w${i}`)).status).toBe(200);
      expect(upstream.requests.slice(before).map((r) => r.path)).toEqual([0, 1, 2, 3, 4, 5].map((i) => `/metal/v1/links/w${i}`));

      // The control port's reload and validate, for every worker.
      const reload = await fetch(`${proc.urls.control}/config/reload`, { method: "POST" });
      expect(await reload.json()).toEqual({ status: "applied", changes: [] });
      expect((await status(proc)).reloads.count).toBe(2);
      const broken = (await (
        await fetch(`${proc.urls.control}/config/validate`, {
          method: "POST",
          body: WITH_CONTROL.replace("    method: GET\n", "    method: FETCH\n"),
        })
      ).json()) as { valid: boolean; problems: string[] };
      expect(broken.valid).toBe(false);
      expect(broken.problems[0]).toMatch(/method: must be one of/);
      samples = await metrics(proc);
      expect(valueOf(samples, "naftiko_reloads_total", { result: "ok" })).toBe(2);

      // The startup lines are written once, not once per worker.
      expect(logLines(proc.stderr()).filter((l) => /^naftiko: rest .* listening on/.test(String(l.msg)))).toHaveLength(1);
      expect(logLines(proc.stderr()).filter((l) => /^naftiko: ready/.test(String(l.msg)))).toHaveLength(1);
    } finally {
      await proc.stop();
      await upstream.stop();
    }
  });

  it(
    "replaces a worker that dies, ready only once it listens; SIGTERM lets every worker finish its calls",
    { timeout: 120_000 },
    async () => {
      const upstream = await startRecordingUpstream((req) => ({ ...echo(req), delay: req.path.includes("/slow") ? 1500 : 0 }));
      const proc = await serve(FLAGSHIP, upstream, ["--control-port", "0", "--grace", "8000"]);
      try {
        const [a, b] = (await status(proc)).workers!.map((w) => w.pid);
        process.kill(a, "SIGKILL");
        await until("not ready", async () => ((await fetch(`${proc.urls.control}/health/ready`)).status === 503 ? true : undefined));
        const after = await until("a new worker", async () => {
          const s = await status(proc);
          return s.ready ? s : undefined;
        });
        const pids = after.workers!.map((w) => w.pid);
        expect(pids).toContain(b);
        expect(pids).not.toContain(a);
        expect(pids.every(alive)).toBe(true);
        await expect.poll(() => proc.stderr()).toMatch(/worker 0 \(pid \d+\) exited \(signal SIGKILL\); starting another/);
        for (let i = 0; i < 4; i++) expect((await call(proc, `after-${i}`)).status).toBe(200);

        // Slow calls in flight on both workers when SIGTERM comes.
        const inflight = [0, 1, 2, 3].map((i) => call(proc, `slow-${i}`));
        await until("4 slow calls upstream", async () =>
          upstream.requests.filter((r) => r.path.includes("/slow")).length === 4 ? true : undefined,
        );
        const exited = proc.stop("SIGTERM");
        // The control port stays up while the workers drain, and says so.
        await until("not ready while draining", async () =>
          (await fetch(`${proc.urls.control}/health/ready`)).status === 503 ? true : undefined,
        );
        const answers = await Promise.all(inflight);
        expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
        expect(await exited).toBe(0);
        expect(pids.some(alive)).toBe(false);
        expect(await connectable(proc.urls[REST])).toBe(false);
        expect(proc.stderr()).toMatch(/SIGTERM, finishing in-flight calls[\s\S]*naftiko: stopped/);
      } finally {
        await proc.stop("SIGKILL");
        await upstream.stop();
      }
    },
  );

  it("/scripting adds up every worker's script runs, and a change of settings reaches every worker", { timeout: 120_000 }, async () => {
    const upstream = await startRecordingUpstream(shop);
    const cap = scriptCapability({
      routes: [{ name: "count", calls: false, step: 'language: javascript\nlocation: "file:///./scripts"\nfile: count.js' }],
      scripts: { "count.js": "var n = 0;\nfor (var i = 0; i < context.limit; i++) n++;\nresult = n;\n" },
      scripting: "statementLimit: 200000",
    });
    const proc = await spawnServe([...serveArgs(cap, upstream.url), "--workers", "2"], {}, 60_000);
    try {
      const count = (limit: number) => rawRequest(proc.urls[SCRIPT_REST], "GET", `/run/count/c1?limit=${limit}`);
      const view = async () =>
        (await (await fetch(`${proc.urls.control}/scripting`)).json()) as { statementLimit: number; stats: Record<string, number> };
      for (let i = 0; i < 4; i++) expect(JSON.parse((await count(10 + i)).body)).toEqual({ out: 10 + i });
      const after = await view();
      expect(after.stats.totalExecutions).toBe(4);
      expect(after.stats.totalErrors).toBe(0);
      const put = await fetch(`${proc.urls.control}/scripting`, { method: "PUT", body: JSON.stringify({ statementLimit: 20000 }) });
      expect(put.status).toBe(200);
      expect((await view()).statementLimit).toBe(20000);
      // Each new connection goes to the next worker: both stop the script at the new limit.
      for (let i = 0; i < 2; i++) {
        const stopped = await count(100_000);
        expect(stopped.status).toBe(500);
        expect(JSON.parse(stopped.body).message).toBe('script step "count" exceeded the statement limit (20000)');
      }
      expect((await view()).stats).toMatchObject({ totalExecutions: 6, totalErrors: 2 });
      const refused = await fetch(`${proc.urls.control}/scripting`, { method: "PUT", body: JSON.stringify({ colour: "blue" }) });
      expect(refused.status).toBe(400);
    } finally {
      await proc.stop();
      await upstream.stop();
    }
  });

  it("--workers auto starts one worker per CPU the process may use", { timeout: 60_000 }, async () => {
    const upstream = await startRecordingUpstream();
    const proc = await spawnServe(
      [
        path.join(ROOT, "metal-interconnections.naftiko.yaml"),
        "--workers",
        "auto",
        ...flagshipOptions(upstream.url),
        "--control-port",
        "0",
      ],
      { EQUINIX_API_KEY: KEY },
      60_000,
    );
    try {
      const cpus = availableParallelism();
      const s = await status(proc);
      // One CPU is one process: no primary, no worker list.
      if (cpus === 1) expect(s.workers).toBeUndefined();
      else expect(s.workers).toHaveLength(cpus);
      expect(s.ready).toBe(true);
      expect((await call(proc, "auto-1")).status).toBe(200);
    } finally {
      await proc.stop();
      await upstream.stop();
    }
  });

  it("refuses what one process must do alone, and a worker count that is not one", async () => {
    const dir = writeTree({
      "stdio.yaml": `naftiko: 1.0.0-alpha2
capability:
  exposes:
  - type: mcp
    namespace: echo
    transport: stdio
    tools:
    - name: hello
      description: Says hello
      outputParameters:
      - name: greeting
        type: string
        value: "Hello"
`,
    });
    const flagship = path.join(ROOT, "metal-interconnections.naftiko.yaml");
    const stdio = await runCli(["serve", flagship, "--workers", "2", "--stdio"], { EQUINIX_API_KEY: KEY });
    expect(stdio.code).toBe(2);
    expect(stdio.stderr).toMatch(/--stdio serves one MCP client on stdin\/stdout, which only one process can read/);
    const declared = await runCli(["serve", path.join(dir, "stdio.yaml"), "--workers", "2"]);
    expect(declared.code).toBe(2);
    expect(declared.stderr).toMatch(/serves MCP block "echo" on stdin\/stdout \(transport: stdio\).*without --workers/);
    for (const bad of ["0", "two", "1.5"]) {
      const r = await runCli(["serve", flagship, "--workers", bad], { EQUINIX_API_KEY: KEY });
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toContain(`--workers must be a positive integer or "auto", got "${bad}"`);
    }
  });

  it("exits 1 when the workers cannot listen, saying why once", { timeout: 60_000 }, async () => {
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      const r = await runCli(
        [
          "serve",
          path.join(ROOT, "metal-interconnections.naftiko.yaml"),
          "--workers",
          "2",
          "--port",
          `${REST}=${port}`,
          "--port",
          `${MCP}=0`,
        ],
        { EQUINIX_API_KEY: KEY },
        60_000,
      );
      expect(r.code).toBe(1);
      expect(r.stderr.match(/port \d+ on 127\.0\.0\.1 is already in use/g)).toHaveLength(1);
    } finally {
      busy.close();
    }
  });
});
