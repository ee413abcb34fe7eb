/**
 * `forward` on an exposed REST resource: the request passed through to the target consumes block,
 * checked on what a real upstream received and what the caller got back.
 */
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { logLines, runCli, spawnServe } from "../support/cli.js";
import { rawRequest } from "../support/raw-http.js";
import { serveYaml, type Serving } from "../support/serve.js";
import { writeTree } from "../support/temp.js";
import { json, startUpstream, type Seen, type Upstream } from "./harness.js";

const TOKEN = "secret-notion-token-42";

const YAML = `naftiko: 1.0.0-alpha2
binds:
- namespace: env
  keys:
    NOTION_TOKEN: NOTION_TOKEN
capability:
  consumes:
  - type: http
    namespace: notion
    baseUri: http://upstream.invalid/v1
    authentication:
      type: bearer
      token: "{{NOTION_TOKEN}}"
    inputParameters:
    - name: Notion-Version
      in: header
      value: "2025-09-03"
    resources:
    - name: pages
      path: /pages
      operations:
      - name: list-pages
        method: GET
  exposes:
  - type: rest
    namespace: proxy
    port: 8080
    resources:
    - path: /notion/{path}
      forward:
        targetNamespace: notion
        trustedHeaders:
        - X-Trace
        - Authorization
    - path: /data/{{path}}
      name: data
      operations:
      - method: GET
        name: summary
        call: notion.list-pages
      forward:
        targetNamespace: notion
        trustedHeaders:
        - X-Trace
`;

let upstream: Upstream;
let running: Serving;
let before = 0;
let reply: (req: Seen) => { status?: number; headers?: Record<string, string | string[]>; body?: string; delay?: number } = () => ({
  body: "{}",
});

beforeAll(async () => {
  upstream = await startUpstream((req) => reply(req));
  running = await serveYaml(YAML, {
    upstream: upstream.url,
    env: { NOTION_TOKEN: TOKEN },
    options: { maxBodySize: 1024, limits: { maxInFlight: 1, queueTimeout: 50 } },
  });
});
afterAll(async () => {
  await running?.close();
  await upstream?.stop();
});
beforeEach(() => {
  before = upstream.requests.length;
  reply = () => ({ body: "{}" });
});

/** The one request the upstream got since the test began. */
function sent(): Seen {
  expect(upstream.requests.length, "exactly one upstream request").toBe(before + 1);
  return upstream.requests[before];
}
const nothingSent = () => expect(upstream.requests.length, "no upstream call").toBe(before);

describe("what goes upstream", () => {
  it("the rest of the path under the base URI, the method and query as sent, trusted headers only, the block's parameters and credentials", async () => {
    const res = await fetch(`${running.rest}/notion/pages/abc%20d?filter=a%26b&sort=desc`, {
      headers: { "X-Trace": "t-1", "X-Secret": "internal", cookie: "session=1", "user-agent": "curl/8" },
    });
    expect(res.status).toBe(200);
    const seen = sent();
    expect(seen.method).toBe("GET");
    expect(seen.url).toBe("/v1/pages/abc%20d?filter=a%26b&sort=desc");
    expect(seen.headers["x-trace"]).toBe("t-1");
    expect(seen.headers["notion-version"]).toBe("2025-09-03");
    expect(seen.headers.authorization).toBe(`Bearer ${TOKEN}`);
    for (const h of ["x-secret", "cookie", "user-agent"]) expect(seen.headers[h]).toBeUndefined();
    expect(seen.headers["x-request-id"]).toBe(res.headers.get("x-request-id"));
  });

  it("the block's credentials win over a trusted caller header of the same name", async () => {
    await (await fetch(`${running.rest}/notion/pages`, { headers: { authorization: "Bearer caller" } })).text();
    expect(sent().headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("the resource's own path goes to the base URI itself", async () => {
    await (await fetch(`${running.rest}/notion`)).text();
    expect(sent().url).toBe("/v1");
    await (await fetch(`${running.rest}/notion/`)).text();
    expect(upstream.requests.at(-1)!.url).toBe("/v1/");
  });

  it("a body streams upstream with its type, whether it has a length or comes chunked", async () => {
    const body = JSON.stringify({ parent: { id: "p1" }, title: "café" });
    await (await fetch(`${running.rest}/notion/pages`, { method: "POST", headers: { "content-type": "application/json" }, body })).text();
    let seen = sent();
    expect(seen.method).toBe("POST");
    expect(seen.body).toBe(body);
    expect(seen.headers["content-type"]).toBe("application/json");
    expect(seen.headers["content-length"]).toBe(String(Buffer.byteLength(body)));

    const chunked = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${running.rest}/notion/pages/p1`, { method: "PATCH", headers: { "content-type": "text/plain" } }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("error", reject);
      req.write("first ");
      setTimeout(() => req.end("second"), 20);
    });
    expect(chunked).toBe(200);
    seen = upstream.requests.at(-1)!;
    expect(seen.method).toBe("PATCH");
    expect(seen.body).toBe("first second");
  });

  it("a body beyond --max-body is refused with 413, with a length before anything is sent", async () => {
    const res = await fetch(`${running.rest}/notion/pages`, { method: "POST", body: "x".repeat(2048) });
    expect(res.status).toBe(413);
    expect((await json(res)).error).toBe("payload_too_large");
    nothingSent();
  });

  it("a chunked body that grows beyond --max-body gets 413", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${running.rest}/notion/pages`, { method: "POST" }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("error", reject);
      req.write("y".repeat(800));
      setTimeout(() => req.end("y".repeat(800)), 20);
    });
    expect(status).toBe(413);
  });

  it.each([
    ["GET", "/notion/a/../b", 'a ".." segment'],
    ["GET", "/notion/a/%2e%2E/b", 'a "%2e%2E" segment'],
    ["GET", "/notion/%2e/x", 'a "%2e" segment'],
    ["GET", "/notion//x", "an empty segment (//)"],
    ["GET", "/notion/a%2Fb", 'an encoded slash or backslash ("a%2Fb")'],
    ["GET", "/notion/a%5cb", 'an encoded slash or backslash ("a%5cb")'],
    // Normalised, /data/x/../y is /data/y: a DELETE there is forwarded, so it is checked as sent.
    ["DELETE", "/data/x/../y", 'a ".." segment'],
  ])("%s %s is refused with 400 and never reaches the upstream", async (method, target, message) => {
    const res = await rawRequest(running.rest, method, target);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ error: "bad_request", message: `forward: the path must not contain ${message}` });
    nothingSent();
  });

  it("HEAD is forwarded as HEAD", async () => {
    reply = () => ({ headers: { "content-type": "application/json", "x-size": "7" }, body: "" });
    const res = await fetch(`${running.rest}/notion/pages`, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-size")).toBe("7");
    expect(sent().method).toBe("HEAD");
  });
});

describe("what comes back", () => {
  it("the upstream's status, headers and body, without hop-by-hop headers, with the runtime's request id", async () => {
    reply = () => ({
      status: 201,
      headers: {
        "content-type": "application/vnd.notion+json",
        "x-upstream": "yes",
        "set-cookie": ["a=1", "b=2"],
        connection: "keep-alive, x-hop",
        "x-hop": "per-connection",
        "keep-alive": "timeout=5",
        "x-request-id": "upstream-id",
      },
      body: '{"object":"page"}',
    });
    const res = await fetch(`${running.rest}/notion/pages`, { method: "POST", body: "{}", headers: { "x-request-id": "caller-7" } });
    expect(res.status).toBe(201);
    expect(await res.text()).toBe('{"object":"page"}');
    expect(res.headers.get("content-type")).toBe("application/vnd.notion+json");
    expect(res.headers.get("x-upstream")).toBe("yes");
    expect(res.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(res.headers.get("x-hop")).toBeNull();
    expect(res.headers.get("x-request-id")).toBe("caller-7");
  });

  it("an upstream error is passed back with its status, credentials scrubbed from its body", async () => {
    reply = (req) => ({ status: 401, body: JSON.stringify({ message: `token ${String(req.headers.authorization)} is revoked` }) });
    const res = await fetch(`${running.rest}/notion/pages`);
    expect(res.status).toBe(401);
    const text = await res.text();
    expect(text).not.toContain(TOKEN);
    expect(JSON.parse(text)).toEqual({ message: "token Bearer [REDACTED] is revoked" });
  });

  it("beyond --max-in-flight a caller waits, then gets 503 with Retry-After, as for operations", async () => {
    reply = () => ({ delay: 400, body: "{}" });
    const slow = fetch(`${running.rest}/notion/slow`);
    await new Promise((r) => setTimeout(r, 50));
    const res = await fetch(`${running.rest}/notion/other`);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBeTruthy();
    expect((await slow).status).toBe(200);
  });
});

describe("operations and forward on one resource", () => {
  it("the operation answers its method on its path; other methods and deeper paths are forwarded", async () => {
    await (await fetch(`${running.rest}/data/anything`)).text();
    expect(sent().url).toBe("/v1/pages");
    await (await fetch(`${running.rest}/data/anything`, { method: "DELETE" })).text();
    expect(upstream.requests.at(-1)!).toMatchObject({ method: "DELETE", url: "/v1/anything" });
    await (await fetch(`${running.rest}/data/a/b`)).text();
    expect(upstream.requests.at(-1)!).toMatchObject({ method: "GET", url: "/v1/a/b" });
  });
});

describe("the OpenAPI document", () => {
  it("describes a forward as what it is: every method, the rest of the path, the trusted headers, the upstream's answer", async () => {
    const doc = await json(await fetch(`${running.rest}/openapi.json`));
    expect(Object.keys(doc.paths["/notion/{path}"]).sort()).toEqual(["delete", "get", "head", "options", "patch", "post", "put"]);
    const post = doc.paths["/notion/{path}"].post;
    expect(post.summary).toBe("Forwarded to consumes notion");
    expect(post.parameters).toEqual([
      expect.objectContaining({ name: "path", in: "path", required: true }),
      expect.objectContaining({ name: "X-Trace", in: "header", required: false }),
      expect.objectContaining({ name: "Authorization", in: "header", required: false }),
    ]);
    expect(post.requestBody.content).toEqual({ "*/*": { schema: {} } });
    expect(post.responses.default.description).toMatch(/passed back/);
    expect(doc.paths["/notion"].get).toBeDefined();
    // The declared operation keeps its own description on its path.
    expect(doc.paths["/data/{path}"].get.operationId).toBe("summary");
    expect(doc.paths["/data/{path}"].delete.summary).toBe("Forwarded to consumes notion");
    expect(JSON.stringify(doc)).not.toContain(TOKEN);
  });
});

describe("failures", () => {
  it("an unreachable upstream is a 502, a slow one a 504, with JSON bodies", async () => {
    const closed = await startUpstream();
    const url = closed.url;
    await closed.stop();
    const dead = await serveYaml(YAML, { upstream: url, env: { NOTION_TOKEN: TOKEN }, options: { retry: { retries: 0 } } });
    try {
      const res = await fetch(`${dead.rest}/notion/pages`);
      expect(res.status).toBe(502);
      expect((await json(res)).error).toBe("upstream_unreachable");
    } finally {
      await dead.close();
    }
    reply = () => ({ delay: 600, body: "{}" });
    const slow = await serveYaml(YAML, { upstream: upstream.url, env: { NOTION_TOKEN: TOKEN }, options: { callTimeout: 200 } });
    try {
      const res = await fetch(`${slow.rest}/notion/pages`);
      expect(res.status).toBe(504);
      expect((await json(res)).error).toBe("upstream_timeout");
    } finally {
      await slow.close();
    }
  });
});

describe("streaming", () => {
  let server: Server;
  let base: string;
  let release: () => void = () => {};
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("first part;");
      release = () => res.end("second part");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("the caller reads the upstream's first bytes before the upstream has finished", async () => {
    const streaming = await serveYaml(YAML, { upstream: base, env: { NOTION_TOKEN: TOKEN } });
    try {
      const res = await fetch(`${streaming.rest}/notion/feed`);
      const reader = res.body!.getReader();
      const first = await reader.read();
      expect(new TextDecoder().decode(first.value)).toBe("first part;");
      release();
      let rest = "";
      for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
      expect(rest).toBe("second part");
    } finally {
      await streaming.close();
    }
  });
});

describe("observability", () => {
  it("the call is counted under the resource and the upstream call under (forward)", async () => {
    await (await fetch(`${running.rest}/notion/pages`)).text();
    const text = await (await running.served.observer.metrics.registry()).metrics();
    expect(text).toMatch(/naftiko_requests_total\{kind="rest",exposes="proxy",operation="forward \/notion\/\{path\}",status="200"\} \d+/);
    expect(text).toMatch(/naftiko_upstream_requests_total\{consumes="notion",operation="\(forward\)",status="200"\} \d+/);
  });

  it("a forward on a named resource is counted under the resource's name", async () => {
    await (await fetch(`${running.rest}/data/x/y`)).text();
    const text = await (await running.served.observer.metrics.registry()).metrics();
    expect(text).toMatch(/naftiko_requests_total\{kind="rest",exposes="proxy",operation="data",status="200"\} \d+/);
  });
});

describe("an Ikanos beta5 file (the reference engine's forward test capability)", () => {
  it("forwards with the block's value headers and no trusted headers", async () => {
    const beta5 = `ikanos: 1.0.0-beta5
info:
  display: HTTP Forward with Value Field Test
  description: Test capability for forward spec with value field supporting Mustache templates
capability:
  exposes:
  - type: rest
    address: localhost
    port: 8083
    namespace: sample
    resources:
      forward:
        path: /forward/{{path}}
        description: Forward requests with value field parameter
        forward:
          targetNamespace: external
  consumes:
  - type: http
    description: External API endpoint
    namespace: external
    baseUri: https://api.example.com/v1
    inputParameters:
      X-API-Version:
        in: header
        value: '2026-03-03'
      X-API-Key:
        in: header
        value: secret-key-123
`;
    const served = await serveYaml(beta5, { upstream: upstream.url });
    try {
      const res = await fetch(`${served.rest}/forward/test?x=1`, { headers: { "X-Other": "no" } });
      expect(res.status).toBe(200);
      expect(sent()).toMatchObject({
        url: "/v1/test?x=1",
        headers: expect.objectContaining({ "x-api-version": "2026-03-03", "x-api-key": "secret-key-123" }),
      });
      expect(upstream.requests.at(-1)!.headers["x-other"]).toBeUndefined();
    } finally {
      await served.close();
    }
  });
});

describe("through the CLI", () => {
  it("--base-uri retargets the forward; the call line names the forward resource and the upstream status; no secret", async () => {
    const dir = writeTree({ "capability.naftiko.yaml": YAML });
    const proc = await spawnServe(
      [`${dir}/capability.naftiko.yaml`, "--base-uri", `notion=${upstream.url}/elsewhere`, "--port", "proxy=0"],
      { NOTION_TOKEN: TOKEN },
    );
    try {
      reply = () => ({ status: 202, body: "{}" });
      const res = await fetch(`${proc.urls.proxy}/notion/pages?q=1`, { headers: { "x-request-id": "fwd-req-1" } });
      expect(res.status).toBe(202);
      expect(sent()).toMatchObject({ url: "/elsewhere/pages?q=1", headers: expect.objectContaining({ "x-request-id": "fwd-req-1" }) });
      expect(await proc.stop("SIGTERM")).toBe(0);
      const line = logLines(proc.stderr()).find((l) => l.msg === "call");
      expect(line).toMatchObject({
        kind: "rest",
        exposes: "proxy",
        operation: "forward /notion/{path}",
        method: "GET",
        route: "/notion/{path}",
        reqId: "fwd-req-1",
        status: 202,
        upstreamStatus: 202,
        upstreamCalls: 1,
      });
      expect(proc.stderr()).not.toContain(TOKEN);
    } finally {
      await proc.stop();
    }
  });
});

describe("validate", () => {
  const broken = async (from: string, to: string) => {
    const dir = writeTree({ "capability.naftiko.yaml": YAML.replace(from, to) });
    return runCli(["validate", `${dir}/capability.naftiko.yaml`]);
  };

  it("refuses a trusted header the runtime sets itself", async () => {
    const r = await broken("        - Authorization\n", "        - Host\n");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /capability\.exposes\[0\]\.resources\[0\]\.forward\.trustedHeaders\[1\]: "Host" belongs to the connection or the body's framing; the runtime sets it for the upstream request and cannot forward the caller's/,
    );
  });

  it("refuses a {path} that does not end the path", async () => {
    const r = await broken("    - path: /notion/{path}\n", "    - path: /notion/{path}/x\n");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /resources\[0\]\.path: \{path\} in a forward resource's path stands for the rest of the path; it must end the path/,
    );
  });

  it("refuses inputParameters on a resource that only forwards", async () => {
    const r = await broken(
      "    - path: /notion/{path}\n",
      "    - path: /notion/{path}\n      inputParameters:\n      - name: q\n        in: query\n        type: string\n        description: Ignored\n",
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/resources\[0\]\.inputParameters: this resource only forwards/);
  });

  it("refuses a target namespace that is not a consumes block", async () => {
    const r = await broken(
      "        targetNamespace: notion\n        trustedHeaders:\n        - X-Trace\n        - Authorization",
      "        targetNamespace: notio\n        trustedHeaders:\n        - X-Trace\n        - Authorization",
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/resources\[0\]\.forward\.targetNamespace: no consumes namespace "notio" \(namespaces: notion\)/);
  });
});
