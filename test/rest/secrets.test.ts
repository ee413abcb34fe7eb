/**
 * Secrets: a bound credential never comes back to the caller from the runtime, in any form the
 * upstream may echo it in (raw, base64 in a Basic header, percent-encoded in a URL, JSON-escaped).
 */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveYaml, type Serving } from "../support/serve.js";
import { startUpstream, type Seen, type Upstream } from "./harness.js";

const ENV = {
  API_TOKEN: "tok_live_5b1e9c7d2a",
  API_USER: "svc-user-77",
  API_PASS: 'pa"ss/wo+rd=9\\z',
  API_KEY: "k3y+with/slash=and space",
};
const FORMS = [
  ENV.API_TOKEN,
  ENV.API_PASS,
  JSON.stringify(ENV.API_PASS).slice(1, -1),
  Buffer.from(`${ENV.API_USER}:${ENV.API_PASS}`).toString("base64"),
  ENV.API_KEY,
  encodeURIComponent(ENV.API_KEY),
];

function consumes(ns: string, auth: string): string {
  return `  - type: http
    namespace: ${ns}
    baseUri: http://upstream.invalid/${ns}
    authentication:
${auth}
    resources:
    - name: r
      path: /fail
      operations:
      - name: fail
        method: GET
        inputParameters:
        - name: X-Token-Copy
          in: header
          value: "{{API_TOKEN}}"
`;
}

const YAML = `naftiko: 1.0.0-alpha2
info:
  label: Secrets
  description: Secrets test
binds:
- namespace: env
  keys:
    API_TOKEN: API_TOKEN
    API_USER: API_USER
    API_PASS: API_PASS
    API_KEY: API_KEY
capability:
  consumes:
${consumes("bear", '      type: bearer\n      token: "{{API_TOKEN}}"')}
${consumes("basic", '      type: basic\n      username: "{{API_USER}}"\n      password: "{{API_PASS}}"')}
${consumes("qkey", '      type: apikey\n      key: key\n      placement: query\n      value: "{{API_KEY}}"')}
  exposes:
  - type: rest
    namespace: secrets-rest
    port: 8080
    resources:
${["bear", "basic", "qkey"].map((ns) => `    - path: /${ns}\n      operations:\n      - method: GET\n        call: ${ns}.fail\n`).join("")}`;

/** A careless upstream: its 500 echoes the whole request, credentials included. */
function echoFailure(req: Seen) {
  return {
    status: 500,
    body: JSON.stringify({ error: "boom", url: req.url, headers: req.headers, raw: `${req.headers.authorization ?? ""} ${req.url}` }),
  };
}

let upstream: Upstream;
let running: Serving;
beforeAll(async () => {
  upstream = await startUpstream(echoFailure);
  running = await serveYaml(YAML, { upstream: upstream.url, env: ENV });
});
afterAll(async () => {
  await running?.close();
  await upstream?.stop();
});

function expectNoSecret(text: string) {
  for (const form of FORMS) expect(text, `response contains ${form}`).not.toContain(form);
}

describe("secrets in relayed upstream errors", () => {
  it.each(["bear", "basic", "qkey"])("%s: the upstream 500 body is relayed with every credential redacted", async (ns) => {
    const before = upstream.requests.length;
    const res = await fetch(`${running.rest}/${ns}`);
    const text = await res.text();
    expect(res.status).toBe(500);
    // The upstream really did see (and echo) the credential.
    const seen = upstream.requests[before];
    expect(JSON.stringify(seen.headers) + seen.url).toMatch(
      new RegExp(FORMS.map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")),
    );
    expectNoSecret(text);
    const body = JSON.parse(text);
    expect(body.error).toBe("boom");
    expect(text).toContain("[REDACTED]");
  });
});

describe("secrets in the runtime's own errors", () => {
  it("an unreachable upstream's 502 message carries no credential", async () => {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise((r) => s.close(r));
    const dead = await serveYaml(YAML, { upstream: `http://127.0.0.1:${port}`, env: ENV });
    try {
      for (const ns of ["bear", "basic", "qkey"]) {
        const res = await fetch(`${dead.rest}/${ns}`);
        expect(res.status).toBe(502);
        expectNoSecret(await res.text());
      }
    } finally {
      await dead.close();
    }
  });

  it("a 404 and a 405 carry no credential", async () => {
    for (const [method, path] of [
      ["GET", `/nothing/${ENV.API_TOKEN.slice(0, 3)}`],
      ["POST", "/bear"],
    ]) {
      const res = await fetch(`${running.rest}${path}`, { method });
      expect([404, 405]).toContain(res.status);
      expectNoSecret(await res.text());
    }
  });
});
