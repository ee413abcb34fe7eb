/**
 * Spec-driven REST tests: for every capability shipped (capabilities/ and the flagship), every exposed
 * REST operation is called over a real socket, and the request the upstream received is compared with
 * what the file says it should be. Cases come from test/support/spec-cases.ts; none is written by hand.
 * Each file is served twice: as written, and migrated by `naftiko migrate` (same cases, same results).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Served } from "../../src/serve.js";
import { startRecordingUpstream, type RecordingUpstream } from "../support/recording-upstream.js";
import { editions } from "../support/migrated.js";
import { loadCases, serveAgainst, SHIPPED } from "../support/spec-cases.js";
import { assertUpstreamSaw } from "../support/upstream-assertions.js";

for (const file of SHIPPED) {
  const spec = loadCases(file);
  describe.each(editions(file).map((e) => [e.title, e] as const))("REST %s", (_title, edition) => {
    let upstream: RecordingUpstream;
    let served: Served;
    beforeAll(async () => {
      upstream = await startRecordingUpstream();
      served = await serveAgainst(spec, upstream, await edition.file());
    });
    afterAll(async () => {
      await served?.close();
      await upstream?.stop();
    });

    for (const block of spec.rest) {
      it.each(block.cases.map((c) => [c.title, c]))("%s", async (_title, c) => {
        const listener = served.listeners.find((l) => l.namespace === block.namespace)!;
        const before = upstream.requests.length;
        const res = await fetch(`${listener.url}${c.url}`, {
          method: c.method,
          headers: c.body !== undefined ? { "content-type": "application/json" } : {},
          body: c.body !== undefined ? JSON.stringify(c.body) : undefined,
        });
        const text = await res.text();
        expect(res.status, text).toBe(200);
        assertUpstreamSaw(upstream, before, c.expected);
        // `mapping: $.` passes the upstream body through byte for byte.
        const reply = JSON.parse(text);
        expect(reply.seen).toEqual({ method: c.expected.method, url: upstream.requests[before].url });
        expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      });
    }
  });
}
