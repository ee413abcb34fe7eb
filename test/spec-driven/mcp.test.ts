/**
 * Spec-driven MCP tests: for every capability shipped, every MCP tool is listed and called with the
 * SDK's own `Client` over real Streamable HTTP, as a 2026-07-28 client and as a 2025-11-25 one, and
 * the request the upstream received is compared with what the file says — the same assertions as
 * the REST cases, from the same case generator. Each file is served twice: as written, and migrated
 * by `naftiko migrate` (same cases, same results).
 */
import type { Client } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Served } from "../../src/serve.js";
import { startRecordingUpstream, type RecordingUpstream } from "../support/recording-upstream.js";
import { connectClient, MODERN } from "../support/mcp.js";
import { editions } from "../support/migrated.js";
import { loadCases, serveAgainst, SHIPPED } from "../support/spec-cases.js";
import { assertUpstreamSaw } from "../support/upstream-assertions.js";

/** The advertised name of an argument: LLM tool APIs only take `[A-Za-z0-9_.-]`. */
const advertised = (name: string) =>
  /^[A-Za-z0-9_.-]{1,64}$/.test(name) ? name : name.replace(/[^A-Za-z0-9_.-]+/g, "_").replace(/^_+|_+$/g, "");

for (const file of SHIPPED) {
  const spec = loadCases(file);
  if (spec.mcp.length === 0) continue;
  describe.each(editions(file).map((e) => [e.title, e] as const))("MCP %s", (_title, edition) => {
    let upstream: RecordingUpstream;
    let served: Served;
    const ERAS = [MODERN, "2025-11-25"] as const;
    /** namespace + era → a connected client. */
    const clients = new Map<string, Client>();
    beforeAll(async () => {
      upstream = await startRecordingUpstream();
      served = await serveAgainst(spec, upstream, await edition.file());
      for (const block of spec.mcp) {
        const url = served.listeners.find((l) => l.namespace === block.namespace)!.url;
        for (const era of ERAS) clients.set(`${block.namespace} ${era}`, await connectClient(url, era));
      }
    });
    afterAll(async () => {
      for (const c of clients.values()) await c.close();
      await served?.close();
      await upstream?.stop();
    });

    for (const block of spec.mcp) {
      for (const era of ERAS) {
        const client = () => clients.get(`${block.namespace} ${era}`)!;
        it(`${era}: tools/list advertises every tool of the file, in order, with all four hints`, async () => {
          expect(client().getProtocolEra()).toBe(era === MODERN ? "modern" : "legacy");
          const { tools } = await client().listTools();
          const fileTools = (
            spec.doc.capability.exposes as Array<{
              namespace: string;
              tools?: Array<{ name: string; description?: string; hints?: Record<string, boolean> }>;
            }>
          ).find((x) => x.namespace === block.namespace)!.tools!;
          expect(tools.map((t) => t.name)).toEqual(fileTools.map((t) => t.name));
          for (const [i, t] of tools.entries()) {
            expect(t.description).toBe(fileTools[i].description);
            expect(t.inputSchema.type).toBe("object");
            expect((t.inputSchema as { additionalProperties?: boolean }).additionalProperties).toBe(false);
            for (const hint of ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"])
              expect(typeof (t.annotations as Record<string, unknown>)[hint]).toBe("boolean");
            const h = fileTools[i].hints ?? {};
            if (h.readOnly !== undefined) expect(t.annotations!.readOnlyHint).toBe(h.readOnly);
            if (h.destructive !== undefined) expect(t.annotations!.destructiveHint).toBe(h.destructive);
            if (h.idempotent !== undefined) expect(t.annotations!.idempotentHint).toBe(h.idempotent);
          }
        });

        it.each(block.cases.map((c) => [c.title, c]))(`${era}: %s`, async (_title, c) => {
          const before = upstream.requests.length;
          const args = Object.fromEntries(Object.entries(c.args).map(([k, v]) => [advertised(k), v]));
          const result = (await client().callTool({ name: c.tool, arguments: args })) as {
            content: Array<{ type: string; text: string }>;
            structuredContent?: Record<string, unknown>;
            isError?: boolean;
          };
          expect(result.isError ?? false, result.content[0]?.text).toBe(false);
          assertUpstreamSaw(upstream, before, c.expected);
          const reply = JSON.parse(result.content[0].text);
          expect(reply.seen).toEqual({ method: c.expected.method, url: upstream.requests[before].url });
          expect(result.structuredContent).toEqual(reply);
        });
      }
    }
  });
}
