/**
 * Transport: one keep-alive connection reused, connect and call timeouts (504), an unreachable
 * upstream (502), and a caller that leaves aborting the upstream call. Real sockets throughout.
 */
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { serveYaml, type Serving } from "../support/serve.js";
import { json, startUpstream, type Upstream } from "../rest/harness.js";

const YAML = `naftiko: 1.0.0-alpha2
info:
  label: Transport
  description: Transport test
capability:
  consumes:
  - type: http
    namespace: api
    baseUri: http://upstream.invalid/api
    resources:
    - name: slow
      path: /slow
      operations:
      - name: get-slow
        method: GET
      - name: post-slow
        method: POST
        inputParameters:
        - name: body
          in: body
          type: object
  exposes:
  - type: rest
    namespace: api-rest
    port: 8080
    resources:
    - path: /slow
      operations:
      - method: GET
        call: api.get-slow
      - method: POST
        call: api.post-slow
        with:
          body: rest.body
    - path: /shaped
      operations:
      - method: GET
        call: api.get-slow
        outputParameters:
        - type: object
          properties:
            id:
              type: string
              mapping: $.id
`;

const cleanup: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function setup(reply?: Parameters<typeof startUpstream>[0], options = {}): Promise<{ upstream: Upstream; running: Serving }> {
  const upstream = await startUpstream(reply);
  cleanup.push(() => upstream.stop());
  const running = await serveYaml(YAML, { upstream: upstream.url, options });
  cleanup.push(() => running.close());
  return { upstream, running };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe("connections", () => {
  it("sequential calls reuse one keep-alive connection", async () => {
    const { upstream, running } = await setup(() => ({ body: '{"id":"1"}' }));
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${running.rest}/slow`);
      expect(res.status).toBe(200);
      await res.text();
    }
    for (let i = 0; i < 3; i++) expect((await fetch(`${running.rest}/shaped`)).status).toBe(200);
    expect(upstream.requests).toHaveLength(8);
    expect(upstream.connections).toBe(1);
  });

  it("a call timeout answers 504 with a JSON error within the configured time", async () => {
    const { upstream, running } = await setup(() => ({ body: "{}", delay: 5_000 }), { callTimeout: 300 });
    const t0 = Date.now();
    const res = await fetch(`${running.rest}/slow`);
    const elapsed = Date.now() - t0;
    expect(res.status).toBe(504);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const body = await json(res);
    expect(body.error).toBe("upstream_timeout");
    expect(body.message).toContain("300 ms");
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(2_000);
    expect(upstream.requests).toHaveLength(1);
  });

  it("a call timeout also applies to a mapped (parsed) response", async () => {
    const { running } = await setup(() => ({ body: '{"id":"x"}', delay: 5_000 }), { callTimeout: 300 });
    const t0 = Date.now();
    const res = await fetch(`${running.rest}/shaped`);
    expect(res.status).toBe(504);
    expect((await json(res)).error).toBe("upstream_timeout");
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it("a connect timeout answers 504 with a JSON error within the configured time", async () => {
    // Accepts TCP but never completes the TLS handshake: the connect phase cannot finish.
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    cleanup.push(() => new Promise((r) => (sockets.forEach((s) => s.destroy()), silent.close(r))));
    const port = (silent.address() as net.AddressInfo).port;
    const running = await serveYaml(YAML, { upstream: `https://127.0.0.1:${port}`, options: { connectTimeout: 300, callTimeout: 10_000 } });
    cleanup.push(() => running.close());
    const t0 = Date.now();
    const res = await fetch(`${running.rest}/slow`);
    const elapsed = Date.now() - t0;
    expect(res.status).toBe(504);
    const body = await json(res);
    expect(body.error).toBe("upstream_timeout");
    expect(body.message).toMatch(/connect/);
    expect(body.message).not.toContain("10000");
    expect(elapsed).toBeLessThan(3_000);
  });

  it("an unreachable upstream (closed port) answers 502 with a JSON error", async () => {
    const port = await closedPort();
    const running = await serveYaml(YAML, { upstream: `http://127.0.0.1:${port}` });
    cleanup.push(() => running.close());
    const res = await fetch(`${running.rest}/slow`);
    expect(res.status).toBe(502);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const body = await json(res);
    expect(body.error).toBe("upstream_unreachable");
    expect(body.message).toMatch(/unreachable/);
  });

  it.each(["GET", "POST"])("a caller that disconnects mid-call (%s) aborts the upstream request", async (method) => {
    const { upstream, running } = await setup(() => ({ body: "{}", delay: 4_000 }));
    const controller = new AbortController();
    const pending = fetch(`${running.rest}/slow`, {
      method,
      signal: controller.signal,
      ...(method === "POST" ? { headers: { "content-type": "application/json" }, body: '{"a":1}' } : {}),
    }).catch((e: Error) => e);
    while (upstream.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
    const t0 = Date.now();
    controller.abort();
    await pending;
    const seen = await Promise.race([upstream.closedEarly, new Promise<undefined>((r) => setTimeout(() => r(undefined), 2_000))]);
    expect(seen, "upstream request closed before it was answered").toBeDefined();
    expect(seen!.closedEarly).toBe(true);
    expect(Date.now() - t0).toBeLessThan(2_000);
  });
});
