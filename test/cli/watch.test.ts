/**
 * `naftiko serve --watch`: edits to the capability file or a file it imports are validated and
 * swapped in; a broken edit is logged, counted on the control port, and the running version keeps
 * serving; a call in flight during a reload finishes on the version it started with.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { logLines, spawnServe, type ServeProcess } from "../support/cli.js";
import { parsePrometheus, valueOf } from "../support/prometheus.js";
import { echo, startRecordingUpstream } from "../support/recording-upstream.js";
import { writeTree } from "../support/temp.js";

const MAIN = `naftiko: 1.0.0-alpha2
info:
  label: Watch test
  description: A capability edited while it is served.
capability:
  consumes:
    - import: up
      location: ./shared.yaml
  exposes:
    - type: rest
      namespace: api
      port: 8080
      resources:
        - path: /items/{id}
          name: items
          description: Items.
          operations:
            - method: GET
              name: get-item
              call: up.get-item
              with:
                id: rest.id
`;

const SHARED = `naftiko: 1.0.0-alpha2
consumes:
  - namespace: up
    type: http
    baseUri: http://127.0.0.1:9/v1
    resources:
      - name: items
        path: /items/{{id}}
        operations:
          - name: get-item
            method: GET
            inputParameters:
              - name: id
                in: path
`;

/** Waits until the log has `count` lines whose message matches. */
async function logged(proc: ServeProcess, pattern: RegExp, count: number, timeoutMs = 10_000): Promise<Array<Record<string, unknown>>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = logLines(proc.stderr()).filter((l) => pattern.test(String(l.msg)));
    if (found.length >= count) return found;
    if (Date.now() > deadline) throw new Error(`no ${count}× ${pattern} in the log:\n${proc.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("naftiko serve --watch", () => {
  it("reloads on edits to the file and its imports, keeps serving through a broken edit, finishes in-flight calls on their version", async () => {
    const dir = writeTree({ "main.yaml": MAIN, "shared.yaml": SHARED });
    const main = path.join(dir, "main.yaml");
    const shared = path.join(dir, "shared.yaml");
    const upstream = await startRecordingUpstream((req) => ({ ...echo(req), delay: req.path.endsWith("/slow") ? 1500 : 0 }));
    const proc = await spawnServe([main, "--watch", "--port", "api=0", "--control-port", "0", "--base-uri", `up=${upstream.url}/v1`]);
    const reloads = async () => {
      const status = (await (await fetch(`${proc.urls.control}/status`)).json()) as { reloads: Record<string, unknown> };
      const { samples } = parsePrometheus(await (await fetch(`${proc.urls.control}/metrics`)).text());
      const metric = (result: string) => valueOf(samples, "naftiko_reloads_total", { result });
      return { ...status.reloads, ok: metric("ok"), error: metric("error") };
    };
    try {
      const api = proc.urls.api;
      expect((await fetch(`${api}/items/1`)).status).toBe(200);
      expect(upstream.requests[0].path).toBe("/v1/items/1");

      // A slow call is in flight when the imported file changes.
      const slow = fetch(`${api}/items/slow`);
      while (upstream.requests.length < 2) await new Promise((r) => setTimeout(r, 20));
      writeFileSync(shared, SHARED.replace("path: /items/{{id}}", "path: /things/{{id}}"));
      await logged(proc, /^naftiko: reloaded/, 1);
      expect((await fetch(`${api}/items/2`)).status).toBe(200);
      expect(upstream.requests.at(-1)!.path).toBe("/v1/things/2");
      const slowRes = await slow;
      expect(slowRes.status).toBe(200);
      expect(((await slowRes.json()) as { seen: { url: string } }).seen.url).toBe("/v1/items/slow");

      // A broken edit: logged with file:line:col, and the previous version keeps answering.
      writeFileSync(main, MAIN.replace("call: up.get-item", "call: up.nope"));
      const [failure] = await logged(proc, /^naftiko: reload of .* failed/, 1);
      expect(failure.level).toBe(50);
      expect(String((failure.problems as string[])[0])).toMatch(
        /main\.yaml:20:\d+ capability\.exposes\[0\]\.resources\[0\]\.operations\[0\]\.call: consumes "up" has no operation "nope"/,
      );
      expect(String(failure.msg)).toMatch(/still serving the previous version/);
      expect((await fetch(`${api}/items/3`)).status).toBe(200);
      expect(upstream.requests.at(-1)!.path).toBe("/v1/things/3");
      expect(await reloads()).toMatchObject({
        count: 1,
        failed: 1,
        lastError: expect.stringMatching(/^1 problem: .*main\.yaml:20:\d+ .*has no operation "nope"/),
        ok: 1,
        error: 1,
      });

      // Fixing it brings the new version in: a new route appears.
      writeFileSync(main, MAIN.replace("        - path: /items/{id}", "        - path: /v2/items/{id}"));
      await logged(proc, /^naftiko: reloaded/, 2);
      expect((await fetch(`${api}/v2/items/4`)).status).toBe(200);
      expect((await fetch(`${api}/items/4`)).status).toBe(404);
      expect(readFileSync(main, "utf8")).toContain("/v2/items");
      expect(await reloads()).toMatchObject({ count: 2, failed: 1, ok: 2, error: 1 });
      expect(await proc.stop("SIGTERM")).toBe(0);
    } finally {
      await proc.stop();
      await upstream.stop();
    }
  });
});
