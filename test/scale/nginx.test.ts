/**
 * Scale-out: two runtime processes for the flagship behind Debian's nginx (loopback, round-robin).
 * REST and MCP calls keep flowing while one instance is stopped (SIGTERM) and restarted, then the
 * other. Every call must succeed, or get a retryable answer (502/503/504 from the proxy) that succeeds
 * when retried (up to 5 attempts, 0.1 s × attempt apart); anything else fails the test. MCP works across instances because the endpoint is
 * stateless: no session is pinned to an instance.
 *
 * Without nginx the test is reported as not run, naming the package (test/support/prerequisites.ts);
 * .ci/run installs it, and there a missing nginx fails the test.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, spawnServe, type ServeProcess } from "../support/cli.js";
import { freePort } from "../support/ports.js";
import { findProgram, need } from "../support/prerequisites.js";
import { startRecordingUpstream, type RecordingUpstream } from "../support/recording-upstream.js";
import { tempDir } from "../support/temp.js";

const FLAGSHIP = path.join(ROOT, "metal-interconnections.naftiko.yaml");
const RETRYABLE = new Set([502, 503, 504]);
const NGINX = findProgram("nginx", "apt-get install -y nginx", ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"]);

interface Instance {
  rest: number;
  mcp: number;
  proc?: ServeProcess;
}

describe("two instances behind nginx", () => {
  const nginx = NGINX.path;
  let dir: string;
  let upstream: RecordingUpstream;
  let nginxProc: ChildProcess | undefined;
  const instances: Instance[] = [];
  let restUrl: string;
  let mcpUrl: string;

  const startInstance = async (i: Instance) => {
    i.proc = await spawnServe(
      [
        FLAGSHIP,
        "--base-uri",
        `metal-interconnections=${upstream.url}/metal/v1`,
        "--port",
        `metal-interconnections-rest=${i.rest}`,
        "--port",
        `metal-interconnections-mcp=${i.mcp}`,
        "--grace",
        "2000",
      ],
      { EQUINIX_API_KEY: "scale-key" },
    );
  };

  beforeAll(async () => {
    if (!nginx) return;
    dir = tempDir("naftiko-nginx-");
    upstream = await startRecordingUpstream();
    for (let n = 0; n < 2; n++) instances.push({ rest: await freePort(), mcp: await freePort() });
    for (const i of instances) await startInstance(i);
    const front = { rest: await freePort(), mcp: await freePort() };
    restUrl = `http://127.0.0.1:${front.rest}`;
    mcpUrl = `http://127.0.0.1:${front.mcp}/mcp`;
    for (const sub of ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]) mkdirSync(path.join(dir, sub));
    const pool = (key: "rest" | "mcp") => instances.map((i) => `    server 127.0.0.1:${i[key]} max_fails=1 fail_timeout=1s;`).join("\n");
    const conf = `${process.getuid?.() === 0 ? "user root;\n" : ""}worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream naftiko_rest {
${pool("rest")}
    keepalive 16;
  }
  upstream naftiko_mcp {
${pool("mcp")}
    keepalive 16;
  }
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_next_upstream error timeout;
  proxy_connect_timeout 2s;
  server {
    listen 127.0.0.1:${front.rest};
    location / { proxy_pass http://naftiko_rest; }
  }
  server {
    listen 127.0.0.1:${front.mcp};
    location / {
      proxy_pass http://naftiko_mcp;
      # The runtime checks Host against DNS rebinding: pass the caller's (loopback) Host on.
      proxy_set_header Host $http_host;
      proxy_buffering off;
    }
  }
}
`;
    writeFileSync(path.join(dir, "nginx.conf"), conf);
    const test = spawnSync(nginx, ["-t", "-p", dir, "-c", path.join(dir, "nginx.conf"), "-e", path.join(dir, "error.log")], {
      encoding: "utf8",
    });
    if (test.status !== 0) throw new Error(`nginx -t failed:\n${test.stderr}`);
    nginxProc = spawn(nginx, ["-p", dir, "-c", path.join(dir, "nginx.conf"), "-e", path.join(dir, "error.log")], { stdio: "ignore" });
    for (let t = 0; ; t++) {
      const ok = await fetch(`${restUrl}/v1/virtual-circuits/warm-up`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (t > 50) throw new Error(`nginx did not come up:\n${readFileSync(path.join(dir, "error.log"), "utf8")}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 60_000);

  afterAll(async () => {
    if (nginxProc && nginxProc.exitCode === null) {
      const exited = new Promise((r) => nginxProc!.once("exit", r));
      nginxProc.kill("SIGQUIT");
      await exited;
    }
    for (const i of instances) await i.proc?.stop();
    await upstream?.stop();
  });

  it("REST and MCP calls all succeed (after retrying 502/503/504) while each instance is stopped and restarted", async (ctx) => {
    need(ctx, NGINX);
    const outcomes = { ok: 0, retried: 0, statuses: new Map<string, number>() };
    const note = (what: string) => outcomes.statuses.set(what, (outcomes.statuses.get(what) ?? 0) + 1);
    const failures: string[] = [];

    const restCall = async (n: number) => {
      for (let attempt = 1; attempt <= 5; attempt++) {
        let status: number;
        try {
          const res = await fetch(`${restUrl}/v1/connections/c-${n}?include=ports`);
          status = res.status;
          const body = await res.text();
          if (status === 200) {
            if (JSON.parse(body).seen?.url !== `/metal/v1/connections/c-${n}?include=ports`) failures.push(`REST ${n}: wrong body ${body}`);
            outcomes.ok++;
            return;
          }
        } catch (e) {
          failures.push(`REST ${n}: ${(e as Error).message}`);
          return;
        }
        note(`rest ${status}`);
        if (!RETRYABLE.has(status)) {
          failures.push(`REST ${n}: status ${status}`);
          return;
        }
        outcomes.retried++;
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
      failures.push(`REST ${n}: still failing after 5 attempts (${new Date().toISOString()})`);
    };

    // One MCP client for the whole run: stateless, so any instance can answer any request.
    const client = new Client({ name: "scale-test", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl)));
    const mcpCall = async (n: number) => {
      for (let attempt = 1; attempt <= 5; attempt++) {
        try {
          const r = await client.callTool({ name: "get-virtual-circuit", arguments: { id: `vc-${n}` } });
          if (r.isError) failures.push(`MCP ${n}: tool error ${JSON.stringify(r.content)}`);
          else if ((r.structuredContent as { seen?: { url: string } }).seen?.url !== `/metal/v1/virtual-circuits/vc-${n}`)
            failures.push(`MCP ${n}: wrong result`);
          else outcomes.ok++;
          return;
        } catch (e) {
          // The SDK's client reports an HTTP answer that is no MCP one as an SdkHttpError carrying its status.
          const status = (e as { status?: unknown }).status;
          note(`mcp ${typeof status === "number" ? status : (e as Error).message}`);
          if (!(typeof status === "number" && RETRYABLE.has(status))) {
            failures.push(`MCP ${n}: ${(e as Error).message}`);
            return;
          }
          outcomes.retried++;
          await new Promise((r) => setTimeout(r, 100 * attempt));
        }
      }
      failures.push(`MCP ${n}: still failing after 5 attempts`);
    };

    let running = true;
    let n = 0;
    const driver = async () => {
      while (running) {
        const k = n++;
        await (k % 2 ? mcpCall(k) : restCall(k));
      }
    };
    const drivers = Array.from({ length: 4 }, driver);
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    try {
      await pause(500);
      for (const i of instances) {
        expect(await i.proc!.stop("SIGTERM")).toBe(0);
        await pause(700);
        await startInstance(i);
        // A rolling restart waits until the instance is back in rotation (fail_timeout=1s) before the next.
        await pause(1500);
      }
    } finally {
      running = false;
      await Promise.all(drivers);
      await client.close();
    }
    const log = (() => {
      try {
        return readFileSync(path.join(dir, "error.log"), "utf8").split("\n").slice(-15).join("\n");
      } catch {
        return "";
      }
    })();
    expect(failures.join("\n"), `nginx error.log (last lines):\n${log}\n${JSON.stringify([...outcomes.statuses])}`).toBe("");
    expect(outcomes.ok).toBe(n);
    expect(n).toBeGreaterThan(100);
    // Both restarted instances serve again, directly.
    for (const i of instances) expect((await fetch(`http://127.0.0.1:${i.rest}/v1/virtual-circuits/direct`)).status).toBe(200);
    console.log(`scale-out: ${n} calls, ${outcomes.retried} retried, ${JSON.stringify([...outcomes.statuses])}`);
  }, 60_000);
});
