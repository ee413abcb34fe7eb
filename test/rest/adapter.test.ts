/**
 * The REST adapter's behaviour at its edges, over real sockets: routing (404, 405 + Allow, HEAD,
 * trailing slashes, dot segments, percent-encoding), request bodies (413, 415, bad JSON), inputs
 * from query, headers and cookies, upstream statuses and headers passed on, timeouts, unreachable
 * upstreams, and a caller who leaves. The adapter's hot path is hand-written over node:http for
 * speed, so these pin every answer it must keep giving.
 */
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCapability } from "../../src/spec/load.js";
import { serveCapability, type Served } from "../../src/serve.js";
import { ROOT } from "../support/cli.js";
import { rawBytes, rawRequest as call, type RawResponse } from "../support/raw-http.js";
import { startRecordingUpstream, type RecordingUpstream, type Reply } from "../support/recording-upstream.js";
import { anyPorts } from "../support/serve.js";
import { writeTree } from "../support/temp.js";

const ID = "79fca704-b256-487b-b33c-6dfd4a500468";

const json = (a: RawResponse) => JSON.parse(a.body);

describe("REST adapter: the flagship (generated dialect)", () => {
  let upstream: RecordingUpstream;
  let served: Served;
  let base: string;
  beforeAll(async () => {
    upstream = await startRecordingUpstream((r): Reply => {
      if (r.path.endsWith("/throttled"))
        return { status: 429, headers: { "retry-after": "7", "content-type": "application/problem+json" }, body: '{"title":"slow down"}' };
      if (r.path.endsWith("/empty")) return { status: 204 };
      if (r.path.endsWith("/slow")) return { delay: 2_000, body: "{}" };
      return {
        headers: { "content-type": "application/json; charset=utf-8", "x-upstream-only": "1" },
        body: JSON.stringify({ seen: r.url, method: r.method, body: r.body }),
      };
    });
    const capability = await loadCapability(path.join(ROOT, "metal-interconnections.naftiko.yaml"));
    served = await serveCapability(capability, {
      baseUris: { "metal-interconnections": `${upstream.url}/metal/v1` },
      ports: anyPorts(capability),
      env: { EQUINIX_API_KEY: "test-key" },
      maxBodySize: 100,
      callTimeout: 500,
      log: () => {},
    });
    base = served.listeners.find((l) => l.type === "rest")!.url;
  });
  afterAll(async () => {
    await served?.close();
    await upstream?.stop();
  });

  it("passes a `$.` answer through unchanged, with the upstream content type and nothing else of its headers", async () => {
    const a = await call(base, "GET", `/v1/connections/${ID}`);
    expect(a.status).toBe(200);
    expect(json(a)).toEqual({ seen: `/metal/v1/connections/${ID}`, method: "GET", body: "" });
    expect(a.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(a.headers["x-upstream-only"]).toBeUndefined();
    // A body that ended within the read-ahead is answered whole, with its length.
    expect(a.headers["transfer-encoding"]).toBeUndefined();
    expect(Number(a.headers["content-length"])).toBe(Buffer.byteLength(a.body));
    expect(upstream.requests.at(-1)!.headers["x-auth-token"]).toBe("test-key");
  });

  it("joins repeated and comma-separated array values and drops unknown query parameters", async () => {
    const a = await call(base, "GET", `/v1/connections/${ID}?include=a,b&include=c&zzz=1&exclude`);
    expect(a.status).toBe(200);
    expect(json(a).seen).toBe(`/metal/v1/connections/${ID}?include=a,b,c&exclude=`);
  });

  it("answers HEAD on a GET route with the GET's status and headers and no body", async () => {
    const before = upstream.requests.length;
    const a = await call(base, "HEAD", `/v1/connections/${ID}`);
    expect(a.status).toBe(200);
    expect(a.body).toBe("");
    expect(a.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(upstream.requests.length).toBe(before + 1);
    expect(upstream.requests.at(-1)!.method).toBe("GET");
  });

  it("answers another method on a known path with 405 and Allow", async () => {
    for (const method of ["POST", "OPTIONS", "PATCH"]) {
      const a = await call(base, method, `/v1/connections/${ID}`);
      expect(a.status).toBe(405);
      expect(a.headers.allow).toBe("DELETE, GET, PUT");
      expect(a.headers["content-type"]).toBe("application/json");
      expect(json(a)).toEqual({ error: "method_not_allowed", message: `${method} is not allowed on this path; allowed: DELETE, GET, PUT` });
    }
  });

  it("answers an unknown path with 404 naming method and path as received", async () => {
    for (const target of ["/v1/nothing", `/v1/connections/${ID}/`, `//v1/connections/${ID}`, "/v1/connections"]) {
      const a = await call(base, "GET", target);
      expect(a.status).toBe(404);
      expect(a.headers["content-type"]).toBe("application/json");
      expect(json(a)).toEqual({ error: "not_found", message: `no route for GET ${target}` });
    }
    const head = await call(base, "HEAD", "/v1/nothing");
    expect(head.status).toBe(404);
    expect(head.body).toBe("");
  });

  it("resolves dot segments before routing, as a URL parser does", async () => {
    const a = await call(base, "GET", `/v1/projects/../connections/${ID}`);
    expect(a.status).toBe(200);
    expect(json(a).seen).toBe(`/metal/v1/connections/${ID}`);
    const b = await call(base, "GET", `/v1/connections/..`);
    expect(b.status).toBe(404);
    expect(json(b).message).toBe("no route for GET /v1/");
  });

  it("decodes a path variable once and encodes it again as one segment", async () => {
    expect(json(await call(base, "GET", "/v1/connections/a%2Fb%20c")).seen).toBe("/metal/v1/connections/a%2Fb%20c");
    expect(json(await call(base, "GET", "/v1/connections/caf%C3%A9")).seen).toBe("/metal/v1/connections/caf%C3%A9");
    // A malformed escape is kept as written, its `%` then encoded.
    expect(json(await call(base, "GET", "/v1/connections/%E0%A4%A")).seen).toBe("/metal/v1/connections/%25E0%25A4%25A");
    // An encoded `..` never reaches the upstream as a path segment.
    const before = upstream.requests.length;
    const dots = await call(base, "GET", "/v1/connections/%2E%2E");
    expect(dots.status).toBe(404);
    expect(json(dots).message).toBe("no route for GET /v1/");
    expect(upstream.requests.length).toBe(before);
  });

  it("passes an upstream error on with its status, body, content type and Retry-After", async () => {
    const a = await call(base, "GET", "/v1/connections/throttled");
    expect(a.status).toBe(429);
    expect(a.body).toBe('{"title":"slow down"}');
    expect(a.headers["content-type"]).toBe("application/problem+json");
    expect(a.headers["retry-after"]).toBe("7");
    expect(a.headers["content-length"]).toBe(String(a.body.length));
  });

  it("passes 204 on without a body", async () => {
    const a = await call(base, "GET", "/v1/connections/empty");
    expect(a.status).toBe(204);
    expect(a.body).toBe("");
  });

  it("answers 504 when the upstream is slower than --timeout", async () => {
    const a = await call(base, "GET", "/v1/connections/slow");
    expect(a.status).toBe(504);
    expect(json(a)).toEqual({ error: "upstream_timeout", message: `upstream ${upstream.url} did not answer within 500 ms` });
  });

  it("sends a JSON body on and checks its size, type and syntax first", async () => {
    const ok = await call(base, "PUT", `/v1/connections/${ID}`, { "content-type": "application/json" }, '{"name":"x"}');
    expect(ok.status).toBe(200);
    expect(json(ok).body).toBe('{"name":"x"}');
    const before = upstream.requests.length;

    const big = JSON.stringify({ name: "x".repeat(200) });
    const tooBig = await call(base, "PUT", `/v1/connections/${ID}`, { "content-type": "application/json" }, big);
    expect(tooBig.status).toBe(413);
    expect(json(tooBig)).toEqual({ error: "payload_too_large", message: "request body exceeds 100 bytes" });
    const tooBigChunked = await call(base, "PUT", `/v1/connections/${ID}`, { "content-type": "application/json" }, [
      big.slice(0, 60),
      big.slice(60),
    ]);
    expect(tooBigChunked.status).toBe(413);

    const text = await call(base, "PUT", `/v1/connections/${ID}`, { "content-type": "text/plain" }, '{"a":1}');
    expect(text.status).toBe(415);
    expect(json(text)).toEqual({ error: "unsupported_media_type", message: "request body must be application/json, not text/plain" });

    const broken = await call(base, "PUT", `/v1/connections/${ID}`, { "content-type": "application/json" }, '{"a":');
    expect(broken.status).toBe(400);
    expect(json(broken).problems).toEqual([{ parameter: "body", in: "body", message: "is not valid JSON (Unexpected end of JSON input)" }]);

    const list = await call(base, "PUT", `/v1/connections/${ID}`, { "content-type": "application/json" }, "[1]");
    expect(list.status).toBe(400);
    expect(json(list).message).toBe("invalid request: body (body) must be object");

    const none = await call(base, "PUT", `/v1/connections/${ID}`);
    expect(none.status).toBe(400);
    expect(json(none).message).toBe("invalid request: body (body) is required");
    expect(upstream.requests.length).toBe(before);

    // A byte order mark is not part of the JSON text; a vendor type ending in +json is JSON.
    const bom = await call(base, "PUT", `/v1/connections/${ID}`, { "content-type": "application/merge-patch+json" }, '\uFEFF{"name":"y"}');
    expect(bom.status).toBe(200);
    expect(json(bom).body).toBe('{"name":"y"}');
  });

  it("answers 400 without a body to a request without Host", async () => {
    const out = await rawBytes(base, `GET /v1/connections/${ID} HTTP/1.0\r\n\r\n`);
    expect(out).toMatch(/^HTTP\/1\.1 400 /);
  });

  it("cancels the upstream call when the caller goes away", async () => {
    let cancelled!: () => void;
    const gone = new Promise<void>((resolve) => (cancelled = resolve));
    const slow = http.createServer((_req, res) => {
      res.on("close", () => {
        if (!res.writableFinished) cancelled();
      });
    });
    await new Promise<void>((r) => slow.listen(0, "127.0.0.1", r));
    const capability = await loadCapability(path.join(ROOT, "metal-interconnections.naftiko.yaml"));
    const other = await serveCapability(capability, {
      baseUris: { "metal-interconnections": `http://127.0.0.1:${(slow.address() as AddressInfo).port}` },
      ports: anyPorts(capability),
      env: { EQUINIX_API_KEY: "k" },
      log: () => {},
    });
    try {
      const req = http.get(`${other.listeners.find((l) => l.type === "rest")!.url}/v1/connections/${ID}`);
      req.on("error", () => {});
      setTimeout(() => req.destroy(), 200);
      await gone;
    } finally {
      await other.close();
      slow.closeAllConnections();
      slow.close();
    }
  });

  it("answers 502 when the upstream is unreachable", async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const capability = await loadCapability(path.join(ROOT, "metal-interconnections.naftiko.yaml"));
    const other = await serveCapability(capability, {
      baseUris: { "metal-interconnections": `http://127.0.0.1:${port}` },
      ports: anyPorts(capability),
      env: { EQUINIX_API_KEY: "k" },
      log: () => {},
    });
    try {
      const a = await call(other.listeners.find((l) => l.type === "rest")!.url, "GET", `/v1/connections/${ID}`);
      expect(a.status).toBe(502);
      expect(json(a)).toEqual({
        error: "upstream_unreachable",
        message: `upstream http://127.0.0.1:${port} is unreachable (ECONNREFUSED)`,
      });
    } finally {
      await other.close();
    }
  });
});

describe("REST adapter: an official-dialect capability (declared inputs, headers, cookies, mapped output)", () => {
  let upstream: RecordingUpstream;
  let served: Served;
  let base: string;
  beforeAll(async () => {
    upstream = await startRecordingUpstream((r): Reply => {
      if (r.path.endsWith("/orders/broken")) return { status: 500, body: '{"oops":true}' };
      if (r.path.startsWith("/api/orders/"))
        return { body: JSON.stringify({ id: r.path.split("/").pop(), amount: { total: "12.5" }, secret: "no" }) };
      return { body: JSON.stringify({ seen: r.url, headers: r.headers, body: r.body }) };
    });
    const file = path.join(writeTree({ "shop.naftiko.yaml": SHOP }), "shop.naftiko.yaml");
    const capability = await loadCapability(file);
    served = await serveCapability(capability, { baseUris: { shop: `${upstream.url}/api` }, ports: { "shop-rest": 0 }, log: () => {} });
    base = served.listeners.find((l) => l.type === "rest")!.url;
  });
  afterAll(async () => {
    await served?.close();
    await upstream?.stop();
  });

  it("reads declared query, header and cookie inputs, and only those", async () => {
    const a = await call(base, "GET", "/orders?limit=5&other=1", { "x-tenant": "acme", cookie: "a=1; session=s1", "x-other": "no" });
    expect(a.status).toBe(200);
    const seen = json(a);
    expect(seen.seen).toBe("/api/orders?limit=5");
    expect(seen.headers["x-tenant"]).toBe("acme");
    expect(seen.headers.cookie).toBe("session=s1");
    expect(seen.headers["x-other"]).toBeUndefined();
  });

  it("checks declared types and patterns before calling upstream", async () => {
    const before = upstream.requests.length;
    const a = await call(base, "GET", "/orders?limit=abc", { "x-tenant": "ACME" });
    expect(a.status).toBe(400);
    expect(a.headers["content-type"]).toBe("application/json");
    // Every bad parameter is named at once.
    expect(json(a)).toEqual({
      error: "invalid_request",
      message: 'invalid request: limit (query) must be an integer; X-Tenant (header) must match pattern "^[a-z]+$"',
      problems: [
        { parameter: "limit", in: "query", message: "must be an integer" },
        { parameter: "X-Tenant", in: "header", message: 'must match pattern "^[a-z]+$"' },
      ],
    });
    const b = await call(base, "GET", "/orders", { "x-tenant": "ACME" });
    expect(b.status).toBe(400);
    expect(json(b).problems).toEqual([{ parameter: "X-Tenant", in: "header", message: 'must match pattern "^[a-z]+$"' }]);
    // A repeated header is one value, joined with ", " as the Fetch standard does.
    const c = await call(base, "GET", "/orders", { "x-tenant": ["acme", "other"] });
    expect(c.status).toBe(400);
    expect(json(c).problems[0].parameter).toBe("X-Tenant");
    expect(upstream.requests.length).toBe(before);
  });

  it("builds the mapped document, typed as declared", async () => {
    const a = await call(base, "GET", "/orders/7");
    expect(a.status).toBe(200);
    expect(a.headers["content-type"]).toBe("application/json");
    expect(a.headers["content-length"]).toBe(String(a.body.length));
    expect(json(a)).toEqual({ id: "7", total: 12.5 });
    const head = await call(base, "HEAD", "/orders/7");
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
  });

  it("passes an upstream 500 on instead of mapping it", async () => {
    const a = await call(base, "GET", "/orders/broken");
    expect(a.status).toBe(500);
    expect(a.body).toBe('{"oops":true}');
  });

  it("sends a POST body on as JSON", async () => {
    const a = await call(base, "POST", "/orders", { "content-type": "application/json" }, '{"sku":"x","qty":2}');
    expect(a.status).toBe(200);
    expect(JSON.parse(json(a).body)).toEqual({ sku: "x", qty: 2 });
    expect(json(a).headers["content-type"]).toBe("application/json");
  });
});

const SHOP = `naftiko: "1.0.0-alpha2"
info:
  label: Shop
  description: A small official-dialect capability for REST adapter tests.
capability:
  consumes:
    - namespace: shop
      type: http
      baseUri: "http://127.0.0.1:9/api"
      resources:
        - name: orders
          path: "/orders"
          operations:
            - name: create-order
              method: POST
              inputParameters:
                - name: body
                  in: body
            - name: list-orders
              method: GET
              inputParameters:
                - name: limit
                  in: query
                - name: X-Tenant
                  in: header
                - name: session
                  in: cookie
        - name: order
          path: "/orders/{{order_id}}"
          operations:
            - name: get-order
              method: GET
              inputParameters:
                - name: order_id
                  in: path
  exposes:
    - type: rest
      port: 8089
      namespace: shop-rest
      resources:
        - name: orders
          path: "/orders"
          operations:
            - name: create-order
              method: POST
              call: shop.create-order
              with:
                body: shop-rest.body
            - name: list-orders
              method: GET
              inputParameters:
                - name: limit
                  in: query
                  type: integer
                  description: Page size
                - name: X-Tenant
                  in: header
                  type: string
                  description: Tenant
                  pattern: "^[a-z]+$"
                - name: session
                  in: cookie
                  type: string
                  description: Session
              call: shop.list-orders
              with:
                limit: shop-rest.limit
                X-Tenant: shop-rest.X-Tenant
                session: shop-rest.session
        - name: order
          path: "/orders/{{id}}"
          operations:
            - name: get-order
              method: GET
              inputParameters:
                - name: id
                  in: path
                  type: string
                  description: Order id
              call: shop.get-order
              with:
                order_id: shop-rest.id
              outputParameters:
                - type: object
                  properties:
                    id:
                      type: string
                      mapping: "$.id"
                    total:
                      type: number
                      mapping: "$.amount.total"
`;
