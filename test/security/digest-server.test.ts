/**
 * `digest` on exposes blocks (RFC 7616), through the real CLI: the challenge, answers computed here
 * independently (SHA-256 and MD5, `username*`, `userhash`), stale and replayed nonces, and the
 * runtime's own digest client (a consumes block) talking to its digest server.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { compileServerAuth, type Denial } from "../../src/exposes/auth.js";
import { serveYaml } from "../support/serve.js";
import { spawnServe, type ServeProcess } from "../support/cli.js";
import { writeTree } from "../support/temp.js";
import { rawRequest } from "../support/raw-http.js";
import { startRecordingUpstream, type RecordingUpstream } from "../support/recording-upstream.js";

const ENV = { VAULT_USER: "ann", VAULT_PASS: 'p@ss:wörd"x\\y', INTL_USER: "Jäsøn Doe", INTL_PASS: "Secret, or not" };

let upstream: RecordingUpstream;
let proc: ServeProcess;

beforeAll(async () => {
  upstream = await startRecordingUpstream(() => ({ body: '{"ok":true}' }));
  const op = `
      resources:
        - path: /things
          operations:
            - method: GET
              call: up.list
            - method: POST
              call: up.list`;
  const dir = writeTree({
    "capability.yml": `naftiko: "1.0.0-alpha2"
binds:
  - namespace: env
    keys:
      VAULT_USER: VAULT_USER
      VAULT_PASS: VAULT_PASS
      INTL_USER: INTL_USER
      INTL_PASS: INTL_PASS
capability:
  consumes:
    - namespace: up
      type: http
      baseUri: "${upstream.url}/api"
      resources:
        - name: things
          path: /things
          operations:
            - name: list
              method: GET
  exposes:
    - type: rest
      port: 3000
      namespace: vault
      authentication:
        type: digest
        username: "{{VAULT_USER}}"
        password: "{{VAULT_PASS}}"${op}
    - type: rest
      port: 3001
      namespace: intl
      authentication:
        type: digest
        username: "{{INTL_USER}}"
        password: "{{INTL_PASS}}"${op}
    - type: skill
      port: 3002
      namespace: skills
      authentication:
        type: digest
        username: "{{VAULT_USER}}"
        password: "{{VAULT_PASS}}"
      skills:
        - name: ops
          description: Ops
`,
  });
  proc = await spawnServe([path.join(dir, "capability.yml"), ...["vault", "intl", "skills"].flatMap((ns) => ["--port", `${ns}=0`])], ENV);
});

afterAll(async () => {
  await proc?.stop();
  await upstream?.stop();
});

/** The fields of one challenge or answer, unquoted. */
function fields(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of header.replace(/^Digest\s+/i, "").matchAll(/([\w*-]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    out[m[1]] = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3];
  }
  return out;
}

const challenges = (rawHeaders: string[]) =>
  rawHeaders.filter((_, i) => i % 2 === 1 && rawHeaders[i - 1].toLowerCase() === "www-authenticate");

/** An RFC 7616 answer, computed here from the challenge (not by the runtime's code). */
function answer(
  challenge: Record<string, string>,
  o: { user: string; pass: string; method?: string; uri: string; nc?: number; algorithm?: string; userField?: "plain" | "ext" | "hash" },
): string {
  const algorithm = o.algorithm ?? challenge.algorithm;
  const h = (s: string) =>
    createHash(algorithm === "MD5" ? "md5" : "sha256")
      .update(s, "utf8")
      .digest("hex");
  const nc = (o.nc ?? 1).toString(16).padStart(8, "0");
  const cnonce = "0a4f113b";
  const ha1 = h(`${o.user}:${challenge.realm}:${o.pass}`);
  const ha2 = h(`${o.method ?? "GET"}:${o.uri}`);
  const user =
    o.userField === "ext"
      ? `username*=UTF-8''${encodeURIComponent(o.user)}`
      : o.userField === "hash"
        ? `username="${h(`${o.user}:${challenge.realm}`)}", userhash=true`
        : `username="${o.user}"`;
  return `Digest ${user}, realm="${challenge.realm}", nonce="${challenge.nonce}", uri="${o.uri}", algorithm=${algorithm}, qop=auth, nc=${nc}, cnonce="${cnonce}", response="${h(`${ha1}:${challenge.nonce}:${nc}:${cnonce}:auth:${ha2}`)}"`;
}

async function challenge(ns: string, target = "/things") {
  const res = await rawRequest(proc.urls[ns], "GET", target);
  expect(res.status).toBe(401);
  return fields(challenges(res.rawHeaders)[0]);
}

const send = (ns: string, authorization: string, target = "/things", method = "GET") =>
  rawRequest(
    proc.urls[ns],
    method,
    target,
    { authorization, ...(method === "POST" ? { "content-type": "application/json" } : {}) },
    method === "POST" ? "{}" : undefined,
  );

describe("digest on an exposes block", () => {
  it("challenges with SHA-256 then MD5, one nonce, qop=auth, UTF-8; nothing reaches the upstream", async () => {
    const before = upstream.requests.length;
    const res = await rawRequest(proc.urls.vault, "GET", "/things");
    expect(res.status).toBe(401);
    const [sha, md5] = challenges(res.rawHeaders).map(fields);
    expect(challenges(res.rawHeaders)).toHaveLength(2);
    expect(sha).toMatchObject({ realm: "vault", qop: "auth", algorithm: "SHA-256", charset: "UTF-8" });
    expect(md5).toMatchObject({ realm: "vault", qop: "auth", algorithm: "MD5", nonce: sha.nonce });
    expect(sha.stale).toBeUndefined();
    expect(JSON.parse(res.body)).toMatchObject({ error: "unauthorized" });
    expect(upstream.requests.length).toBe(before);
  });

  it("a right SHA-256 answer passes; the same nonce with the next count passes; a replayed count does not", async () => {
    const c = await challenge("vault");
    const first = answer(c, { user: ENV.VAULT_USER, pass: ENV.VAULT_PASS, uri: "/things" });
    const before = upstream.requests.length;
    expect((await send("vault", first)).status).toBe(200);
    expect(upstream.requests.length).toBe(before + 1);
    expect((await send("vault", answer(c, { user: ENV.VAULT_USER, pass: ENV.VAULT_PASS, uri: "/things", nc: 2 }))).status).toBe(200);
    const replay = await send("vault", first);
    expect(replay.status).toBe(401);
    expect(JSON.parse(replay.body).message).toContain("already used");
    expect(upstream.requests.length).toBe(before + 2);
  });

  it("a right MD5 answer passes, for a POST too (the method is part of the answer)", async () => {
    const c = await challenge("vault");
    expect((await send("vault", answer(c, { user: ENV.VAULT_USER, pass: ENV.VAULT_PASS, uri: "/things", algorithm: "MD5" }))).status).toBe(
      200,
    );
    const post = answer(c, { user: ENV.VAULT_USER, pass: ENV.VAULT_PASS, uri: "/things", algorithm: "MD5", method: "POST", nc: 2 });
    expect((await send("vault", post, "/things", "POST")).status).toBe(200);
    // The same answer for GET does not fit a POST.
    const asGet = answer(c, { user: ENV.VAULT_USER, pass: ENV.VAULT_PASS, uri: "/things", nc: 3 });
    expect((await send("vault", asGet, "/things", "POST")).status).toBe(401);
  });

  it("a wrong password, a wrong user, another realm or another target: 401 with a fresh challenge, not stale", async () => {
    const c = await challenge("vault");
    for (const auth of [
      answer(c, { user: ENV.VAULT_USER, pass: "wrong", uri: "/things" }),
      answer(c, { user: "bob", pass: ENV.VAULT_PASS, uri: "/things" }),
      answer({ ...c, realm: "other" }, { user: ENV.VAULT_USER, pass: ENV.VAULT_PASS, uri: "/things" }),
      answer(c, { user: ENV.VAULT_USER, pass: ENV.VAULT_PASS, uri: "/elsewhere" }),
    ]) {
      const res = await send("vault", auth);
      expect(res.status).toBe(401);
      const again = challenges(res.rawHeaders).map(fields);
      expect(again).toHaveLength(2);
      expect(again[0].stale).toBeUndefined();
    }
  });

  it("a right answer to a nonce this server did not issue gets stale=true, and the new nonce works", async () => {
    const c = await challenge("vault");
    const res = await send(
      "vault",
      answer({ ...c, nonce: "lq2x0.b3JpZ2luYWw.forgedsignature000000" }, { user: ENV.VAULT_USER, pass: ENV.VAULT_PASS, uri: "/things" }),
    );
    expect(res.status).toBe(401);
    const fresh = fields(challenges(res.rawHeaders)[0]);
    expect(fresh.stale).toBe("true");
    expect((await send("vault", answer(fresh, { user: ENV.VAULT_USER, pass: ENV.VAULT_PASS, uri: "/things" }))).status).toBe(200);
  });

  it("a user name that is not ASCII, as username* (RFC 8187) or hashed (userhash)", async () => {
    const c = await challenge("intl");
    expect((await send("intl", answer(c, { user: ENV.INTL_USER, pass: ENV.INTL_PASS, uri: "/things", userField: "ext" }))).status).toBe(
      200,
    );
    expect(
      (await send("intl", answer(c, { user: ENV.INTL_USER, pass: ENV.INTL_PASS, uri: "/things", nc: 2, userField: "hash" }))).status,
    ).toBe(200);
  });

  it("the query is part of the target the answer is for", async () => {
    const c = await challenge("vault", "/things?x=1");
    expect((await send("vault", answer(c, { user: ENV.VAULT_USER, pass: ENV.VAULT_PASS, uri: "/things?x=1" }), "/things?x=1")).status).toBe(
      200,
    );
    expect(
      (await send("vault", answer(c, { user: ENV.VAULT_USER, pass: ENV.VAULT_PASS, uri: "/things", nc: 2 }), "/things?x=1")).status,
    ).toBe(401);
  });

  it("guards a skill server too", async () => {
    const c = await challenge("skills", "/skills");
    expect((await send("skills", answer(c, { user: ENV.VAULT_USER, pass: ENV.VAULT_PASS, uri: "/skills" }), "/skills")).status).toBe(200);
  });

  it("the runtime's own digest client (a consumes block) gets through its digest server", async () => {
    const client = await serveYaml(
      `naftiko: 1.0.0-alpha2
info:
  label: Digest client
  description: Calls the digest-protected block
binds:
- namespace: env
  keys:
    VAULT_USER: VAULT_USER
    VAULT_PASS: VAULT_PASS
capability:
  consumes:
  - type: http
    namespace: vault
    baseUri: ${proc.urls.vault}
    authentication:
      type: digest
      username: "{{VAULT_USER}}"
      password: "{{VAULT_PASS}}"
    resources:
    - name: things
      path: /things
      operations:
      - name: list
        method: GET
  exposes:
  - type: rest
    namespace: front
    port: 8080
    resources:
    - path: /front
      operations:
      - method: GET
        call: vault.list
`,
      { env: ENV },
    );
    try {
      const before = upstream.requests.length;
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${client.rest}/front`);
        expect(res.status, await res.clone().text()).toBe(200);
        expect(await res.json()).toEqual({ ok: true });
      }
      expect(upstream.requests.length).toBe(before + 3);
    } finally {
      await client.close();
    }
  });

  it("never logs the password", () => {
    expect(proc.stderr()).not.toContain(ENV.VAULT_PASS);
  });
});

describe("digest nonces expire", () => {
  it("a right answer to a nonce older than five minutes gets stale=true", async () => {
    vi.useFakeTimers({ now: new Date("2026-01-01T00:00:00Z") });
    try {
      const auth = compileServerAuth({ type: "digest", username: "u", password: "p" }, () => undefined, "t")!;
      const url = "http://127.0.0.1/x";
      const first = (await auth.check({ header: () => undefined, url, method: "GET" })) as Denial;
      const c = fields([first.challenge].flat()[0]!);
      const ok = answer(c, { user: "u", pass: "p", uri: "/x" });
      expect(await auth.check({ header: () => ok, url, method: "GET" })).toBeUndefined();
      vi.setSystemTime(new Date("2026-01-01T00:05:01Z"));
      const late = answer(c, { user: "u", pass: "p", uri: "/x", nc: 2 });
      const stale = (await auth.check({ header: () => late, url, method: "GET" })) as Denial;
      expect(stale.status).toBe(401);
      expect(fields([stale.challenge].flat()[0]!).stale).toBe("true");
    } finally {
      vi.useRealTimers();
    }
  });
});
