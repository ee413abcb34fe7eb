/**
 * The control port: health, status and Prometheus metrics, scraped and parsed after real REST and
 * MCP calls against a recording upstream.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveCapability, type Served } from "../../src/serve.js";
import { loadCapability } from "../../src/spec/load.js";
import { parsePrometheus, valueOf } from "../support/prometheus.js";
import { echo, startRecordingUpstream, type RecordingUpstream } from "../support/recording-upstream.js";
import { writeTree } from "../support/temp.js";

const ROOT = path.resolve(__dirname, "../..");
const FLAGSHIP = path.join(ROOT, "metal-interconnections.naftiko.yaml");
const REST = "metal-interconnections-rest";
const MCP = "metal-interconnections-mcp";
const env = { EQUINIX_API_KEY: "control-test-key-0042" };

describe("control port (--control-port) after real calls", () => {
  let upstream: RecordingUpstream;
  let served: Served;
  let rest: string;
  let control: string;
  beforeAll(async () => {
    upstream = await startRecordingUpstream((req) =>
      req.path.includes("/missing") ? { status: 404, body: '{"errors":["Not found"]}' } : echo(req),
    );
    served = await serveCapability(await loadCapability(FLAGSHIP), {
      baseUris: { "metal-interconnections": `${upstream.url}/metal/v1` },
      ports: { [REST]: 0, [MCP]: 0 },
      controlPort: 0,
      env,
      log: () => {},
    });
    rest = served.listeners.find((l) => l.namespace === REST)!.url;
    control = served.listeners.find((l) => l.type === "control")!.url;

    for (const id of ["a1", "a2", "missing"]) await (await fetch(`${rest}/v1/connections/${id}`)).text();
    // A bad request is answered 400 without an upstream call.
    await (await fetch(`${rest}/v1/projects/p1/connections?per_page=many`)).text();
    // Requests that reach no route are counted too, under operation "(none)".
    await (await fetch(`${rest}/v1/nowhere`)).text();
    await (await fetch(`${rest}/v1/connections/a1`, { method: "PATCH" })).text();
    const client = new Client({ name: "control-test", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(served.listeners.find((l) => l.namespace === MCP)!.url)));
    await client.callTool({ name: "get-interconnection", arguments: { connection_id: "t1" } });
    await client.callTool({ name: "get-interconnection", arguments: { connection_id: "missing" } });
    await client.close();
  });
  afterAll(async () => {
    await served?.close();
    await upstream?.stop();
  });

  it("/health/live and /health/ready answer 200 once every exposes block listens", async () => {
    expect(await (await fetch(`${control}/health/live`)).json()).toEqual({ status: "live" });
    const ready = await fetch(`${control}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });
  });

  it("/status names the capability, the runtime version, the uptime and every exposes block with its port", async () => {
    const status = (await (await fetch(`${control}/status`)).json()) as Record<string, any>;
    expect(status.capability.label).toBe("Metal API — Interconnections");
    expect(status.capability.spec).toBe("naftiko 1.0.0-alpha2");
    expect(status.runtime.version).toBe(JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).version);
    expect(status.uptimeSeconds).toBeGreaterThanOrEqual(0);
    const exposes = status.exposes as Array<{ namespace: string; type: string; port: number; url: string }>;
    expect(exposes.map((e) => [e.namespace, e.type]).sort()).toEqual([
      ["control", "control"],
      [MCP, "mcp"],
      [REST, "rest"],
    ]);
    for (const e of exposes) expect(e.url).toContain(`:${e.port}`);
  });

  it("/metrics has RED metrics per REST operation, per MCP tool and per upstream call", async () => {
    const res = await fetch(`${control}/metrics`);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const { samples, types } = parsePrometheus(await res.text());
    const op = { kind: "rest", exposes: REST, operation: "getinterconnection" };
    expect(types.get("naftiko_requests_total")).toBe("counter");
    expect(types.get("naftiko_request_duration_seconds")).toBe("histogram");
    expect(valueOf(samples, "naftiko_requests_total", { ...op, status: "200" })).toBe(2);
    expect(valueOf(samples, "naftiko_requests_total", { ...op, status: "404" })).toBe(1);
    expect(valueOf(samples, "naftiko_requests_total", { kind: "rest", operation: "projectlistinterconnections", status: "400" })).toBe(1);
    expect(valueOf(samples, "naftiko_request_duration_seconds_count", op)).toBe(3);
    const none = { kind: "rest", exposes: REST, operation: "(none)" };
    expect(valueOf(samples, "naftiko_requests_total", { ...none, status: "404" })).toBe(1);
    expect(valueOf(samples, "naftiko_requests_total", { ...none, status: "405" })).toBe(1);
    expect(valueOf(samples, "naftiko_request_duration_seconds_bucket", { ...op, le: "+Inf" })).toBe(3);
    expect(valueOf(samples, "naftiko_request_duration_seconds_sum", op)).toBeGreaterThan(0);

    const tool = { kind: "mcp", exposes: MCP, operation: "get-interconnection" };
    expect(valueOf(samples, "naftiko_requests_total", { ...tool, status: "ok" })).toBe(1);
    expect(valueOf(samples, "naftiko_requests_total", { ...tool, status: "error" })).toBe(1);
    expect(valueOf(samples, "naftiko_request_duration_seconds_count", tool)).toBe(2);

    const up = { consumes: "metal-interconnections", operation: "getinterconnection" };
    expect(valueOf(samples, "naftiko_upstream_requests_total", { ...up, status: "200" })).toBe(3);
    expect(valueOf(samples, "naftiko_upstream_requests_total", { ...up, status: "404" })).toBe(2);
    expect(valueOf(samples, "naftiko_upstream_request_duration_seconds_count", up)).toBe(5);
    expect(valueOf(samples, "naftiko_upstream_requests_total", { operation: "projectlistinterconnections" })).toBe(0);
    expect(valueOf(samples, "naftiko_requests_in_flight", { kind: "rest", exposes: REST })).toBe(0);
    // Default process metrics come along.
    expect(samples.some((s) => s.name === "process_resident_memory_bytes")).toBe(true);
  });

  it("an unknown control path says which endpoints exist", async () => {
    const res = await fetch(`${control}/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { message: string }).message).toContain("/health/live, /health/ready, /status, /metrics");
  });
});

describe("control port from an official `type: control` block", () => {
  it("serves health and metrics, and /status only when management.info is on", async () => {
    const text = readFileSync(FLAGSHIP, "utf8").replace(/^ {2}exposes:\n/m, "  exposes:\n  - type: control\n    port: 9999\n");
    const dir = writeTree({ "cap.yaml": text });
    const upstream = await startRecordingUpstream();
    const served = await serveCapability(await loadCapability(path.join(dir, "cap.yaml")), {
      baseUris: { "metal-interconnections": upstream.url },
      ports: { [REST]: 0, [MCP]: 0, control: 0 },
      env,
      log: () => {},
    });
    try {
      const control = served.listeners.find((l) => l.type === "control")!.url;
      expect((await fetch(`${control}/health/ready`)).status).toBe(200);
      expect((await fetch(`${control}/metrics`)).status).toBe(200);
      const status = await fetch(`${control}/status`);
      expect(status.status).toBe(404);
      expect(((await status.json()) as { message: string }).message).toMatch(/serves: \/health\/live, \/health\/ready, \/metrics/);
    } finally {
      await served.close();
      await upstream.stop();
    }
  });
});

describe("control port authentication", () => {
  it("a control block's authentication guards every endpoint; REST calls refused by authentication are counted", async () => {
    const text = readFileSync(FLAGSHIP, "utf8")
      .replace(
        /^ {2}exposes:\n/m,
        "  exposes:\n  - type: control\n    port: 9999\n    authentication:\n      type: bearer\n      token: '{{env.EQUINIX_API_KEY}}'\n",
      )
      .replace(
        "    namespace: metal-interconnections-rest\n",
        "    namespace: metal-interconnections-rest\n    authentication:\n      type: bearer\n      token: '{{env.EQUINIX_API_KEY}}'\n",
      );
    const dir = writeTree({ "cap.yaml": text });
    const served = await serveCapability(await loadCapability(path.join(dir, "cap.yaml")), {
      ports: { [REST]: 0, [MCP]: 0, control: 0 },
      env,
      log: () => {},
    });
    try {
      const control = served.listeners.find((l) => l.type === "control")!.url;
      const denied = await fetch(`${control}/metrics`);
      expect(denied.status).toBe(401);
      expect(denied.headers.get("www-authenticate")).toMatch(/^Bearer/);
      const authorization = `Bearer ${env.EQUINIX_API_KEY}`;
      expect((await fetch(`${control}/health/ready`, { headers: { authorization } })).status).toBe(200);
      // A REST call refused by the block's authentication is still counted, before any route.
      const rest = served.listeners.find((l) => l.namespace === REST)!.url;
      expect((await fetch(`${rest}/v1/connections/a1`)).status).toBe(401);
      const { samples } = parsePrometheus(await (await fetch(`${control}/metrics`, { headers: { authorization } })).text());
      expect(valueOf(samples, "naftiko_requests_total", { kind: "rest", operation: "(none)", status: "401" })).toBe(1);
    } finally {
      await served.close();
    }
  });
});

describe("readiness and reload, in process", () => {
  it("/health/ready turns 503 while in-flight calls drain on shutdown; /health/live stays 200", async () => {
    const upstream = await startRecordingUpstream((req) => ({ ...echo(req), delay: req.path.endsWith("/slow") ? 800 : 0 }));
    const served = await serveCapability(await loadCapability(FLAGSHIP), {
      baseUris: { "metal-interconnections": upstream.url },
      ports: { [REST]: 0, [MCP]: 0 },
      controlPort: 0,
      env,
      log: () => {},
    });
    const rest = served.listeners.find((l) => l.namespace === REST)!.url;
    const control = served.listeners.find((l) => l.type === "control")!.url;
    expect((await fetch(`${control}/health/ready`)).status).toBe(200);
    const slow = fetch(`${rest}/v1/connections/slow`);
    while (upstream.requests.length < 1) await new Promise((r) => setTimeout(r, 10));
    const closed = served.close();
    const ready = await fetch(`${control}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: "not ready" });
    expect((await fetch(`${control}/health/live`)).status).toBe(200);
    expect((await slow).status).toBe(200);
    await closed;
    await expect(fetch(`${control}/health/live`)).rejects.toThrow();
    await upstream.stop();
  });

  it("reload swaps REST routes and MCP tools; metrics and the control port carry on", async () => {
    const upstream = await startRecordingUpstream();
    const text = readFileSync(FLAGSHIP, "utf8");
    const dir = writeTree({ "cap.yaml": text });
    const file = path.join(dir, "cap.yaml");
    const served = await serveCapability(await loadCapability(file), {
      baseUris: { "metal-interconnections": upstream.url },
      ports: { [REST]: 0, [MCP]: 0 },
      controlPort: 0,
      env,
      log: () => {},
    });
    try {
      const mcpUrl = new URL(served.listeners.find((l) => l.namespace === MCP)!.url);
      const control = served.listeners.find((l) => l.type === "control")!.url;
      const describe = async () => {
        const client = new Client({ name: "reload-test", version: "1.0.0" });
        await client.connect(new StreamableHTTPClientTransport(mcpUrl));
        const { tools } = await client.listTools();
        await client.close();
        return tools.find((t) => t.name === "get-interconnection")?.description;
      };
      expect(await describe()).toBe("Get interconnection");
      writeFileSync(
        file,
        text.replace(
          "    - name: get-interconnection\n      description: Get interconnection\n",
          "    - name: get-interconnection\n      description: Get one interconnection (v2)\n",
        ),
      );
      await served.reload(await loadCapability(file));
      expect(await describe()).toBe("Get one interconnection (v2)");
      const status = (await (await fetch(`${control}/status`)).json()) as { reloads: { count: number } };
      expect(status.reloads.count).toBe(1);
      const { samples } = parsePrometheus(await (await fetch(`${control}/metrics`)).text());
      expect(valueOf(samples, "naftiko_reloads_total", { result: "ok" })).toBe(1);
      // A change to the listeners themselves needs a restart, and says so.
      writeFileSync(file, text.replace("port: 9090", "port: 9191"));
      await expect(served.reload(await loadCapability(file))).rejects.toThrow(/restart naftiko serve/);
      expect(await describe()).toBe("Get one interconnection (v2)");
    } finally {
      await served.close();
      await upstream.stop();
    }
  });
});
