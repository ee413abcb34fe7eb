/**
 * Upstream authentication, checked on what a real upstream received: apikey (header and query),
 * bearer, basic and the digest challenge-response, whose answer is verified here independently.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveYaml, type Serving } from "../support/serve.js";
import { startUpstream, type Seen, type Upstream } from "../rest/harness.js";

const ENV = { API_KEY: "key+/=with spaces", API_TOKEN: "tok-3f9a", API_USER: "Ann Lee", API_PASS: 'p@ss:wörd"x' };

function consumes(ns: string, auth: string): string {
  return `  - type: http
    namespace: ${ns}
    baseUri: http://upstream.invalid/${ns}
    authentication:
${auth}
    resources:
    - name: me
      path: /whoami
      operations:
      - name: whoami
        method: GET
        inputParameters:
        - name: q
          in: query
          type: string
`;
}

const YAML = `naftiko: 1.0.0-alpha2
info:
  label: Auth
  description: Upstream auth test
binds:
- namespace: env
  keys:
    API_KEY: API_KEY
    API_TOKEN: API_TOKEN
    API_USER: API_USER
    API_PASS: API_PASS
capability:
  consumes:
${consumes("hkey", '      type: apikey\n      key: X-Api-Key\n      placement: header\n      value: "{{API_KEY}}"')}
${consumes("qkey", '      type: apikey\n      key: api key\n      placement: query\n      value: "{{env.API_KEY}}"')}
${consumes("bear", '      type: bearer\n      token: "{{API_TOKEN}}"')}
${consumes("basic", '      type: basic\n      username: "{{API_USER}}"\n      password: "{{API_PASS}}"')}
${consumes("digest", '      type: digest\n      username: "{{API_USER}}"\n      password: "{{API_PASS}}"')}
  exposes:
  - type: rest
    namespace: auth-rest
    port: 8080
    resources:
${["hkey", "qkey", "bear", "basic", "digest"]
  .map(
    (ns) => `    - path: /${ns}
      operations:
      - method: GET
        call: ${ns}.whoami
        with:
          q: rest.q
`,
  )
  .join("")}`;

const REALM = "api@example.org";
let nonce = "n-1";

/** Digest-protected upstream: without a valid-looking Digest header, challenge. */
function reply(req: Seen) {
  if (!req.path.startsWith("/digest/")) return { body: '{"ok":true}' };
  const auth = String(req.headers.authorization ?? "");
  if (!auth.startsWith("Digest ") || parseDigest(auth).nonce !== nonce) {
    return {
      status: 401,
      headers: { "www-authenticate": `Digest realm="${REALM}", nonce="${nonce}", qop="auth,auth-int", opaque="op-77", algorithm=MD5` },
      body: '{"error":"unauthorized"}',
    };
  }
  return { body: '{"ok":"digest"}' };
}

/** An RFC 7616 Authorization header's fields, unescaped. */
function parseDigest(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of header.replace(/^Digest\s+/i, "").matchAll(/([\w-]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    out[m[1]] = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3];
  }
  return out;
}

const md5 = (s: string) => createHash("md5").update(s).digest("hex");

/** Checks a digest answer the way a server would: recompute the response from the shared password. */
function expectValidDigest(seen: Seen, nc: string) {
  const f = parseDigest(String(seen.headers.authorization));
  expect(f.username).toBe(ENV.API_USER);
  expect(f.realm).toBe(REALM);
  expect(f.nonce).toBe(nonce);
  expect(f.uri).toBe(seen.url);
  expect(f.qop).toBe("auth");
  expect(f.nc).toBe(nc);
  expect(f.opaque).toBe("op-77");
  expect(f.cnonce).toMatch(/^\S{8,}$/);
  const ha1 = md5(`${ENV.API_USER}:${REALM}:${ENV.API_PASS}`);
  const ha2 = md5(`${seen.method}:${seen.url}`);
  expect(f.response).toBe(md5(`${ha1}:${f.nonce}:${f.nc}:${f.cnonce}:auth:${ha2}`));
}

let upstream: Upstream;
let running: Serving;
beforeAll(async () => {
  upstream = await startUpstream(reply);
  running = await serveYaml(YAML, { upstream: upstream.url, env: ENV });
});
afterAll(async () => {
  await running?.close();
  await upstream?.stop();
});

async function call(target: string) {
  const before = upstream.requests.length;
  const res = await fetch(`${running.rest}${target}`);
  return { res, text: await res.text(), seen: upstream.requests.slice(before) };
}

describe("upstream authentication", () => {
  it("apikey in a header", async () => {
    const { res, seen } = await call("/hkey?q=1");
    expect(res.status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0].headers["x-api-key"]).toBe(ENV.API_KEY);
    expect(seen[0].query).toBe("q=1");
  });

  it("apikey in the query, encoded, next to the caller's parameters", async () => {
    const { res, seen } = await call("/qkey?q=1");
    expect(res.status).toBe(200);
    expect([...new URLSearchParams(seen[0].query)]).toEqual([
      ["q", "1"],
      ["api key", ENV.API_KEY],
    ]);
    expect(seen[0].headers.authorization).toBeUndefined();
  });

  it("bearer", async () => {
    const { seen } = await call("/bear");
    expect(seen[0].headers.authorization).toBe(`Bearer ${ENV.API_TOKEN}`);
  });

  it("basic", async () => {
    const { seen } = await call("/basic");
    expect(seen[0].headers.authorization).toBe(`Basic ${Buffer.from(`${ENV.API_USER}:${ENV.API_PASS}`).toString("base64")}`);
  });

  it("digest: answers the 401 challenge with a correct response hash", async () => {
    const { res, text, seen } = await call("/digest?q=a%20b");
    expect(res.status, text).toBe(200);
    expect(JSON.parse(text)).toEqual({ ok: "digest" });
    expect(seen).toHaveLength(2);
    expect(seen[0].headers.authorization).toBeUndefined();
    expect(seen[1].url).toBe("/digest/whoami?q=a%20b");
    expectValidDigest(seen[1], "00000001");
  });

  it("digest: later calls answer the known challenge up front, counting nonces", async () => {
    const { res, seen } = await call("/digest?q=2");
    expect(res.status).toBe(200);
    expect(seen).toHaveLength(1);
    expectValidDigest(seen[0], "00000002");
  });

  it("digest: a new nonce is challenged and answered again", async () => {
    nonce = "n-2";
    const { res, seen } = await call("/digest");
    expect(res.status).toBe(200);
    expect(seen).toHaveLength(2);
    expectValidDigest(seen[1], "00000001");
  });

  it("digest: a challenge that cannot be met is relayed as the upstream's 401", async () => {
    upstream.reply = (req) =>
      req.path.startsWith("/digest/")
        ? {
            status: 401,
            headers: { "www-authenticate": 'Digest realm="r", nonce="always-new-' + Math.random() + '", qop="auth"' },
            body: '{"error":"nope"}',
          }
        : reply(req);
    try {
      const { res, text, seen } = await call("/digest");
      expect(res.status).toBe(401);
      expect(JSON.parse(text)).toEqual({ error: "nope" });
      expect(seen.length).toBeLessThanOrEqual(2);
      expect(text).not.toContain(ENV.API_PASS);
    } finally {
      upstream.reply = reply;
    }
  });
});
