/**
 * A planted bind value never appears in logs, error bodies, --help, exported
 * documents (tools/list, initialize) or crash output; the caller's Authorization is never forwarded.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crashReport } from "../../src/crash.js";
import { Redactor } from "../../src/secrets.js";
import { runCli, spawnServe, type ServeProcess } from "../support/cli.js";
import { startFaultUpstream, type FaultUpstream } from "../support/fault-upstream.js";
import { FAULTS_FILE, FAULTS_SECRET } from "../support/faults.js";

const SECRET = FAULTS_SECRET;
/** Also catch the secret cut short or encoded, as a parser's error snippet or a URL would show it. */
const FORMS = [SECRET, SECRET.slice(0, 12), encodeURIComponent(SECRET), Buffer.from(SECRET).toString("base64")];

describe("the planted secret never leaks", () => {
  let upstream: FaultUpstream;
  let proc: ServeProcess;
  const outputs: Array<[string, string]> = [];
  beforeAll(async () => {
    upstream = await startFaultUpstream();
    proc = await spawnServe(
      [
        FAULTS_FILE,
        "--base-uri",
        `faults=${upstream.url}/api`,
        "--port",
        "faults-rest=0",
        "--port",
        "faults-mcp=0",
        "--timeout",
        "500",
        "--retries",
        "1",
        "--log-level",
        "debug",
        "--control-port",
        "0",
      ],
      { FAULTS_KEY: SECRET },
    );
  });
  afterAll(async () => {
    await proc.stop();
    await upstream.stop();
  });

  it("in any output of serve, validate and help, or anything served, for every fault", async () => {
    const rest = proc.urls["faults-rest"];
    const mcp = proc.urls["faults-mcp"];
    const faults = ["ok", "echo-secret", "drop", "reset", "slow-headers", "garbage", "s500", "s503", "s429-long"];
    for (const f of faults) {
      for (const p of [`/v1/items/${f}`, `/v1/mapped/${f}`]) {
        const r = await fetch(`${rest}${p}`);
        outputs.push([`GET ${p}`, `${r.status} ${JSON.stringify([...r.headers])} ${await r.text()}`]);
      }
      const t = await fetch(mcp, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "get-item", arguments: { id: f } } }),
      });
      outputs.push([`MCP get-item ${f}`, await t.text()]);
    }
    // The caller tries to smuggle headers and junk in, and reads every error form.
    for (const [method, p, body] of [
      ["PUT", "/v1/items/ok", "{bad"],
      ["PUT", "/v1/items/ok", "[1]"],
      ["DELETE", "/v1/nope", ""],
      ["PATCH", "/v1/items/ok", ""],
      ["GET", "/v1/items/ok?limit=x", ""],
    ]) {
      const r = await fetch(`${rest}${p}`, {
        method,
        headers: { "content-type": "application/json", authorization: "Bearer caller-token" },
        body: body || undefined,
      });
      outputs.push([`${method} ${p}`, `${r.status} ${await r.text()}`]);
    }
    // Exported documents and operator endpoints.
    for (const url of [
      `${rest}/openapi.json`,
      `${rest}/docs`,
      `${proc.urls.control}/status`,
      `${proc.urls.control}/metrics`,
      `${proc.urls.control}/health/ready`,
    ]) {
      const r = await fetch(url);
      expect(r.status, url).toBe(200);
      outputs.push([`GET ${url}`, await r.text()]);
    }
    for (const m of ["initialize", "tools/list"]) {
      const params = m === "initialize" ? { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } } : {};
      const r = await fetch(mcp, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: m, params }),
      });
      outputs.push([`MCP ${m}`, await r.text()]);
    }
    const commands = [
      ["--help"],
      ["serve", "--help"],
      ["validate", FAULTS_FILE],
      ["serve", FAULTS_FILE, "--port", "nope"],
      ["openapi", FAULTS_FILE],
      ["inspect", FAULTS_FILE],
      ["call", FAULTS_FILE, "get-item", "--arg", "id=echo-secret", "--base-uri", `faults=${upstream.url}/api`],
      ["call", FAULTS_FILE, "get-item", "--arg", "id=drop", "--base-uri", `faults=${upstream.url}/api`],
    ];
    const runs = await Promise.all(commands.map((args) => runCli(args, { FAULTS_KEY: SECRET })));
    runs.forEach((r, i) => outputs.push([`naftiko ${commands[i].join(" ")}`, r.stdout + r.stderr]));
    expect(await proc.stop("SIGTERM")).toBe(0);
    outputs.push(["serve stdout", proc.stdout()], ["serve stderr", proc.stderr()]);

    // The upstream did get the key (so it was really in play), and a careless upstream echoed it.
    expect(upstream.requests.some((r) => r.headers["x-api-key"] === SECRET)).toBe(true);
    expect(outputs.find(([k]) => k === "GET /v1/items/echo-secret")![1]).toContain("[REDACTED]");
    for (const [where, text] of outputs) for (const form of FORMS) expect(text.includes(form), `${where} contains the secret`).toBe(false);
  });

  it("in crash output", () => {
    const redactor = new Redactor([SECRET]);
    const err = new Error(`request to https://user:${SECRET}@api.example failed`);
    const report = crashReport("uncaught exception", err, (t) => redactor.redact(t));
    expect(report).toContain("[REDACTED]");
    expect(report).toContain("crashed (uncaught exception)");
    expect(report).not.toContain(SECRET);
    expect(crashReport("unhandled rejection", SECRET, (t) => redactor.redact(t))).not.toContain(SECRET);
  });
});

describe("the caller's own credentials", () => {
  it("Authorization, Cookie and Proxy-Authorization of the caller are never forwarded upstream", async () => {
    const upstream = await startFaultUpstream();
    const proc = await spawnServe(
      [FAULTS_FILE, "--base-uri", `faults=${upstream.url}/api`, "--port", "faults-rest=0", "--port", "faults-mcp=0"],
      { FAULTS_KEY: SECRET },
    );
    try {
      const headers = {
        authorization: "Bearer caller-token",
        cookie: "session=caller",
        "proxy-authorization": "Basic x",
        "x-api-key": "caller-key",
        "x-forwarded-for": "10.0.0.1",
      };
      await fetch(`${proc.urls["faults-rest"]}/v1/items/ok`, { headers });
      await fetch(proc.urls["faults-mcp"], {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "get-item", arguments: { id: "ok" } } }),
      });
      expect(upstream.requests).toHaveLength(2);
      for (const r of upstream.requests) {
        expect(r.headers.authorization).toBeUndefined();
        expect(r.headers.cookie).toBeUndefined();
        expect(r.headers["proxy-authorization"]).toBeUndefined();
        expect(r.headers["x-forwarded-for"]).toBeUndefined();
        expect(r.headers["x-api-key"]).toBe(SECRET);
      }
    } finally {
      await proc.stop();
      await upstream.stop();
    }
  });
});
