/**
 * The MCP SDK (and zod with it) is loaded by an MCP block's first request, not at start: a
 * capability called over REST, or whose agents have not connected yet, starts faster and holds
 * less memory. The requests that arrive while it loads, of both protocol eras and the tool calls
 * the runtime answers itself, all get their answers.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { flagshipOptions, ROOT, spawnServe } from "../support/cli.js";
import { ENVELOPE, modernHeaders, post, rpcText } from "../support/mcp.js";
import { startRecordingUpstream } from "../support/recording-upstream.js";

const REST = "metal-interconnections-rest";
const MCP = "metal-interconnections-mcp";
const ACCEPT = "application/json, text/event-stream";

describe("the MCP SDK, loaded on demand", () => {
  it("is not loaded by start or by REST calls; the first MCP requests, sent together, load it and are all answered", async () => {
    const upstream = await startRecordingUpstream();
    const proc = await spawnServe([path.join(ROOT, "metal-interconnections.naftiko.yaml"), ...flagshipOptions(upstream.url)], {
      EQUINIX_API_KEY: "sdk-on-demand-key",
      NODE_OPTIONS: `--import=${path.join(ROOT, "test/support/module-probe.mjs")}`,
      PROBE_MODULES: "@modelcontextprotocol,zod",
    });
    try {
      expect((await fetch(`${proc.urls[REST]}/v1/connections/c1`)).status).toBe(200);
      expect(proc.stderr()).toContain("probe: active");
      expect(proc.stderr()).not.toContain("probe: loaded");

      const url = proc.urls[MCP];
      const modern = (method: string, params: Record<string, unknown>, id: number, name?: string) =>
        post(url, rpcText(method, params, id, ENVELOPE), {
          "content-type": "application/json",
          accept: ACCEPT,
          ...modernHeaders(method, name),
        });
      const answers = await Promise.all([
        modern("tools/list", {}, 1),
        post(url, rpcText("initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } }, 2), {
          "content-type": "application/json",
          accept: ACCEPT,
        }),
        ...[3, 4, 5, 6].map((id) =>
          modern("tools/call", { name: "get-interconnection", arguments: { connection_id: `c${id}` } }, id, "get-interconnection"),
        ),
        post(url, rpcText("tools/call", { name: "get-interconnection", arguments: { connection_id: "c7" } }, 7), {
          "content-type": "application/json",
          accept: ACCEPT,
        }),
      ]);
      for (const a of answers) expect(a.status).toBe(200);
      expect(answers[0].body.result.tools).toHaveLength(15);
      expect(answers[1].body.result.protocolVersion).toBe("2025-11-25");
      for (const [i, a] of answers.slice(2).entries()) {
        expect(a.body.result.isError ?? false).toBe(false);
        expect(a.body.id).toBe(i + 3);
      }
      expect(answers[2].body.result.resultType).toBe("complete");
      expect(upstream.requests.map((r) => r.url).sort()).toEqual(
        ["c1", "c3", "c4", "c5", "c6", "c7"].map((c) => `/metal/v1/connections/${c}`),
      );
      expect(proc.stderr()).toContain("probe: loaded @modelcontextprotocol/server");
      expect(answers.every((a) => a.body.jsonrpc === "2.0")).toBe(true);
    } finally {
      await proc.stop();
      await upstream.stop();
    }
  });
});
