/**
 * Traces: with OTEL_EXPORTER_OTLP_ENDPOINT set, the real CLI exports a server span per call and a
 * client span per upstream call to an in-process OTLP/HTTP receiver, continuing the caller's W3C
 * trace and propagating it upstream. Without it, OpenTelemetry is never even loaded.
 */
import path from "node:path";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { describe, expect, it } from "vitest";
import { ROOT, spawnServe } from "../support/cli.js";
import { startOtlpReceiver, type OtlpSpan } from "../support/otlp-receiver.js";
import { startRecordingUpstream } from "../support/recording-upstream.js";

const FLAGSHIP = "metal-interconnections.naftiko.yaml";
const REST = "metal-interconnections-rest";
const MCP = "metal-interconnections-mcp";
const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN = "00f067aa0ba902b7";

const attr = (s: OtlpSpan, key: string) => {
  const v = s.attributes.find((a) => a.key === key)?.value;
  return v ? Object.values(v)[0] : undefined;
};

describe("OpenTelemetry traces", () => {
  it("exports server and upstream spans over OTLP/HTTP, continuing the caller's traceparent and propagating it upstream", async () => {
    const receiver = await startOtlpReceiver();
    const upstream = await startRecordingUpstream();
    const proc = await spawnServe(
      [FLAGSHIP, "--base-uri", `metal-interconnections=${upstream.url}`, "--port", `${REST}=0`, "--port", `${MCP}=0`],
      {
        EQUINIX_API_KEY: "trace-key-123456",
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_SERVICE_NAME: "metal-gateway",
      },
    );
    try {
      const res = await fetch(`${proc.urls[REST]}/v1/connections/c1`, { headers: { traceparent: `00-${TRACE}-${CALLER_SPAN}-01` } });
      expect(res.status).toBe(200);
      const sent = upstream.requests[0].headers.traceparent as string;
      const [, upTrace, upSpan, flags] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(sent) ?? [];
      expect(upTrace).toBe(TRACE);
      expect(upSpan).not.toBe(CALLER_SPAN);
      expect(flags).toBe("01");

      // An MCP tool call without a caller trace starts its own.
      const client = new Client({ name: "trace-test", version: "1.0.0" });
      await client.connect(new StreamableHTTPClientTransport(new URL(proc.urls[MCP])));
      await client.callTool({ name: "get-interconnection", arguments: { connection_id: "m1" } });
      await client.close();

      expect(await proc.stop("SIGTERM")).toBe(0); // shutdown flushes the batch
      const server = receiver.spans.find((s) => s.kind === 2 && s.traceId === TRACE)!;
      expect(server).toBeDefined();
      expect(server.name).toBe("GET /v1/connections/{connection-id}");
      expect(server.parentSpanId).toBe(CALLER_SPAN);
      expect(attr(server, "http.response.status_code")).toBe(200);
      expect(attr(server, "naftiko.exposes")).toBe(REST);
      const clientSpan = receiver.spans.find((s) => s.kind === 3 && s.traceId === TRACE)!;
      expect(clientSpan.name).toBe("GET metal-interconnections.getinterconnection");
      expect(clientSpan.parentSpanId).toBe(server.spanId);
      expect(clientSpan.spanId).toBe(upSpan);

      const tool = receiver.spans.find((s) => s.name === "tools/call get-interconnection")!;
      expect(tool.kind).toBe(2);
      expect(tool.parentSpanId ?? "").toBe("");
      const toolUpstream = receiver.spans.find((s) => s.kind === 3 && s.traceId === tool.traceId)!;
      expect(toolUpstream.parentSpanId).toBe(tool.spanId);
      expect(upstream.requests[1].headers.traceparent).toBe(`00-${tool.traceId}-${toolUpstream.spanId}-01`);
      expect(JSON.stringify(receiver.resources)).toContain("metal-gateway");
      expect(JSON.stringify(receiver.spans)).not.toContain("trace-key-123456");
    } finally {
      await proc.stop();
      await upstream.stop();
      await receiver.stop();
    }
  });

  it("without an endpoint, OpenTelemetry is never loaded and the caller's traceparent passes through unchanged", async () => {
    const upstream = await startRecordingUpstream();
    const probe = path.join(ROOT, "test/support/module-probe.mjs");
    const proc = await spawnServe(
      [FLAGSHIP, "--base-uri", `metal-interconnections=${upstream.url}`, "--port", `${REST}=0`, "--port", `${MCP}=0`],
      {
        EQUINIX_API_KEY: "trace-key-123456",
        NODE_OPTIONS: `--import=${probe}`,
      },
    );
    try {
      const traceparent = `00-${TRACE}-${CALLER_SPAN}-01`;
      expect((await fetch(`${proc.urls[REST]}/v1/connections/c1`, { headers: { traceparent, tracestate: "vendor=x" } })).status).toBe(200);
      expect(upstream.requests[0].headers.traceparent).toBe(traceparent);
      expect(upstream.requests[0].headers.tracestate).toBe("vendor=x");
      expect((await fetch(`${proc.urls[REST]}/v1/connections/c2`)).status).toBe(200);
      expect(upstream.requests[1].headers.traceparent).toBeUndefined();
      await proc.stop("SIGTERM");
      expect(proc.stderr()).toContain("probe: active");
      expect(proc.stderr()).not.toContain("probe: loaded");
    } finally {
      await proc.stop();
      await upstream.stop();
    }
  });
});
