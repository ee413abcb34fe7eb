/**
 * Script steps through the real CLI over real HTTP, against a recording upstream: a script combines
 * two call steps' results with `with` templates and dependencies; its sandbox has no host API; and
 * its limits (timeout, statements, memory, stack) stop it with an error naming the step and the
 * limit, while the server goes on answering everything else.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnServe, type ServeProcess } from "../support/cli.js";
import { startRecordingUpstream, type RecordingUpstream } from "../support/recording-upstream.js";
import { MCP, REST, scriptCapability, serveArgs, shop } from "./capability.js";

const SUMMARY = `var mine = ordersOf(context.orders, context.id);
result = {
  customer: context.customer.name,
  label: context.label,
  tier: context.tier,
  threshold: context.threshold,
  limit: context.limit,
  count: mine.length,
  total: round2(mine.reduce(function (t, o) { return t + o.amount; }, 0)),
  bound: Object.keys(context).sort(),
};
`;

const scripts = {
  "summary.js": SUMMARY,
  "lib/money.js": "function round2(x) { return Math.round(x * 100) / 100; }\n",
  "lib/orders.js": "function ordersOf(orders, id) { return orders.filter(function (o) { return o.customer === id; }); }\n",
  "host.js": `result = [typeof require, typeof process, typeof fetch, typeof setTimeout, typeof console, typeof std, typeof os, typeof WebAssembly, typeof XMLHttpRequest];\n`,
  "escape.js": `var fs = require("fs");\nresult = fs.readFileSync("/etc/passwd", "utf8");\n`,
  "call-out.js": `fetch("http://127.0.0.1:1/steal");\n`,
  "quiet.js": "var computed = 1 + 1;\n",
  "spin.js": "for (;;) {}\n",
  "count.js": "var n = 0;\nfor (var i = 0; i < context.limit; i++) n++;\nresult = n;\n",
  "bomb.js": "var keep = [];\nfor (;;) keep.push(new Uint8Array(1 << 20));\n",
  "deep.js": "function down(n) { return n === 0 ? 0 : 1 + down(n - 1); }\nresult = down(1e7);\n",
  "throws.js": "var x = 1;\nthrow new TypeError('no shipping to ' + context.id);\n",
  "counter.js": "globalThis.calls = (globalThis.calls || 0) + 1;\nresult = calls;\n",
};

const step = (file: string, extra = "") => `language: javascript\nlocation: "file:///./scripts"\nfile: ${file}${extra}`;

const routes = [
  {
    name: "summary",
    step: step(
      "summary.js",
      `\ndependencies: [lib/money.js, lib/orders.js]\nwith:\n  label: "{{customer.name}} ({{id}})"\n  tier: "{{customer.tier}}"\n  threshold: 10`,
    ),
  },
  ...["host", "escape", "call-out", "quiet", "spin", "count", "bomb", "deep", "throws", "counter"].map((name) => ({
    name,
    calls: false,
    step: step(`${name}.js`),
  })),
];

interface ErrorBody {
  error: string;
  message: string;
}

describe("script steps", () => {
  let upstream: RecordingUpstream;
  let proc: ServeProcess;
  let rest: string;
  const run = (name: string, query = "") => fetch(`${rest}/run/${name}/c1${query}`);

  beforeAll(async () => {
    upstream = await startRecordingUpstream(shop);
    // A statement budget no loop here reaches in 1.5 s: the timeout is what stops the endless one.
    const cap = scriptCapability({ routes, scripts, scripting: "timeout: 1500\nstatementLimit: 1000000000000" });
    proc = await spawnServe(serveArgs(cap, upstream.url));
    rest = proc.urls[REST];
  });

  afterAll(async () => {
    await proc?.stop();
    await upstream?.stop();
  });

  it("combines two call steps' results, with `with` templates over them and dependencies evaluated first", async () => {
    const res = await run("summary", "?limit=3");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      out: {
        customer: "Customer c1",
        label: "Customer c1 (c1)",
        tier: "gold",
        threshold: 10,
        limit: 3,
        count: 2,
        total: 42.5,
        // The caller's inputs, every earlier step by name, then the `with` entries.
        bound: ["customer", "id", "label", "limit", "orders", "threshold", "tier"],
      },
    });
    expect(upstream.requests.slice(-2).map((r) => r.path)).toEqual(["/api/orders", "/api/customers/c1"]);
  });

  it("serves an MCP tool whose result is the script's", async () => {
    const client = new Client({ name: "script-test", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(proc.urls[MCP])));
    try {
      const result = await client.callTool({ name: "order-totals", arguments: { id: "c1" } });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toEqual({ customer: "c1", count: 2, total: 42.5 });
    } finally {
      await client.close();
    }
  });

  it("gives a script no host API: no require, process, fetch, timers, console or WebAssembly", async () => {
    const res = await run("host");
    expect(res.status).toBe(200);
    expect(((await res.json()) as { out: string[] }).out).toEqual(Array(9).fill("undefined"));

    const before = upstream.requests.length;
    const escape = await run("escape");
    expect(escape.status).toBe(500);
    const body = (await escape.json()) as ErrorBody;
    expect(body.error).toBe("script_failed");
    expect(body.message).toMatch(/^script step "escape" failed: ReferenceError: .*require.* is not defined \(at escape\.js:1:\d+\)$/);
    const callOut = (await (await run("call-out")).json()) as ErrorBody;
    expect(callOut.message).toMatch(/^script step "call-out" failed: ReferenceError: .*fetch.* is not defined \(at call-out\.js:1:\d+\)$/);
    expect(upstream.requests.length).toBe(before);
  });

  it("names the step, the error and where it was thrown", async () => {
    const res = await run("throws");
    expect(res.status).toBe(500);
    const body = (await res.json()) as ErrorBody;
    expect(body.error).toBe("script_failed");
    expect(body.message).toMatch(/^script step "throws" failed: TypeError: no shipping to c1 \(at throws\.js:2:\d+\)$/);
  });

  it("runs every call in a fresh context: nothing a script leaves behind reaches the next call", async () => {
    const outs = await Promise.all([1, 2, 3, 4].map(async () => ((await (await run("counter")).json()) as { out: number }).out));
    expect(outs).toEqual([1, 1, 1, 1]);
    expect(await (await run("counter")).json()).toEqual({ out: 1 });
  });

  it("stores no result for a script that assigns none", async () => {
    const res = await run("quiet");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ out: null });
  });

  it("stops an endless loop at the timeout, while the server answers other calls and other scripts", async () => {
    const started = Date.now();
    const spinning = run("spin").then((res) => ({ res, at: Date.now() }));
    await new Promise((r) => setTimeout(r, 300));
    const plain = await fetch(`${rest}/orders`);
    const plainAt = Date.now();
    expect(plain.status).toBe(200);
    expect(await plain.json()).toEqual(expect.arrayContaining([expect.objectContaining({ id: "o1" })]));
    const other = await run("count", "?limit=10");
    const otherAt = Date.now();
    expect(await other.json()).toEqual({ out: 10 });

    const spun = await spinning;
    expect(spun.res.status).toBe(500);
    expect(await spun.res.json()).toEqual({ error: "script_failed", message: 'script step "spin" exceeded the timeout limit (1500 ms)' });
    expect(spun.at - started).toBeGreaterThanOrEqual(1500);
    // Answered while the loop still ran: a blocked event loop would have answered the loop first.
    expect(plainAt).toBeLessThan(spun.at);
    expect(otherAt).toBeLessThan(spun.at);
    // The sandbox that ran the loop takes the next script.
    expect(await (await run("count", "?limit=5")).json()).toEqual({ out: 5 });
  });

  it("stops a memory bomb at the memory limit; the next script runs in a fresh sandbox", async () => {
    const res = await run("bomb");
    expect(res.status).toBe(500);
    const body = (await res.json()) as ErrorBody;
    expect(body.error).toBe("script_failed");
    expect(body.message).toMatch(/^script step "bomb" exceeded the memory limit \(64 MiB\): InternalError: out of memory/);
    expect((await run("summary")).status).toBe(200);
  });

  it("stops runaway recursion at the stack limit", async () => {
    const res = await run("deep");
    expect(res.status).toBe(500);
    expect(((await res.json()) as ErrorBody).message).toMatch(/^script step "deep" exceeded the stack limit: /);
    expect(await (await run("count", "?limit=3")).json()).toEqual({ out: 3 });
  });
});

describe("statement limit", () => {
  it("stops a script past its statement limit, and lets one under it finish", async () => {
    const upstream = await startRecordingUpstream(shop);
    const cap = scriptCapability({
      routes: [{ name: "count", calls: false, step: step("count.js") }],
      scripts: { "count.js": scripts["count.js"] },
      scripting: "statementLimit: 50000",
    });
    const proc = await spawnServe(serveArgs(cap, upstream.url));
    try {
      const count = (limit: number) => fetch(`${proc.urls[REST]}/run/count/c1?limit=${limit}`);
      expect(await (await count(1000)).json()).toEqual({ out: 1000 });
      const res = await count(1_000_000);
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ error: "script_failed", message: 'script step "count" exceeded the statement limit (50000)' });
    } finally {
      await proc.stop();
      await upstream.stop();
    }
  });
});

describe("aggregate flows", () => {
  it("runs a flow's script step for every tool that refers to the flow", async () => {
    const upstream = await startRecordingUpstream(shop);
    const cap = scriptCapability({
      routes: [],
      scripts: { "rank.js": "result = context.orders.map(function (o) { return o.id; }).sort().reverse();\n" },
    });
    const text = cap.text
      .replace(
        "  exposes:\n",
        `  aggregates:
    - label: Orders
      namespace: orders-agg
      functions:
        - name: ranked
          description: "Order ids, last first"
          semantics:
            safe: true
          steps:
            - name: orders
              type: call
              call: shop.list-orders
            - name: rank
              type: script
              language: javascript
              location: "file:///./scripts"
              file: rank.js
  exposes:
`,
      )
      .replace(
        "      tools:\n",
        `      tools:
        - name: ranked-orders
          description: "Order ids, last first"
          ref: orders-agg.ranked
        - name: ranked-again
          description: "The same flow under another name"
          ref: orders-agg.ranked
`,
      );
    writeFileSync(cap.file, text);
    const proc = await spawnServe(serveArgs(cap, upstream.url));
    const client = new Client({ name: "script-test", version: "1" });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(proc.urls[MCP])));
      for (const name of ["ranked-orders", "ranked-again"]) {
        const result = await client.callTool({ name, arguments: {} });
        expect(result.isError).toBeFalsy();
        expect(JSON.parse((result.content as Array<{ text: string }>)[0].text)).toEqual(["o3", "o2", "o1"]);
      }
    } finally {
      await client.close();
      await proc.stop();
      await upstream.stop();
    }
  });
});

describe("secrets", () => {
  it("reach a script only through its with, and never come back in an error", async () => {
    const upstream = await startRecordingUpstream(shop);
    const key = "shop-secret-key-8841";
    const cap = scriptCapability({
      header: "binds:\n  - namespace: env\n    keys:\n      SHOP_KEY: SHOP_KEY\n",
      routes: [
        { name: "peek", calls: false, step: step("peek.js") },
        { name: "leak", calls: false, step: step("leak.js", '\nwith:\n  key: "{{SHOP_KEY}}"') },
      ],
      scripts: {
        "peek.js": "result = Object.keys(context).sort();\n",
        "leak.js": 'throw new Error("the key is " + context.key);\n',
      },
    });
    const proc = await spawnServe(serveArgs(cap, upstream.url), { SHOP_KEY: key });
    try {
      expect(await (await fetch(`${proc.urls[REST]}/run/peek/c1`)).json()).toEqual({ out: ["id"] });
      const res = await fetch(`${proc.urls[REST]}/run/leak/c1`);
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(text).not.toContain(key);
      expect(JSON.parse(text)).toMatchObject({ message: expect.stringMatching(/Error: the key is \[REDACTED\]/) });
      expect(proc.stderr()).not.toContain(key);
    } finally {
      await proc.stop();
      await upstream.stop();
    }
  });
});

describe("script files and serve --watch", () => {
  it("reloads when a script file changes", async () => {
    const upstream = await startRecordingUpstream(shop);
    const cap = scriptCapability({
      routes: [{ name: "greet", calls: false, step: step("greet.js") }],
      scripts: { "greet.js": 'result = "hello";\n' },
    });
    const proc = await spawnServe([...serveArgs(cap, upstream.url), "--watch"]);
    try {
      const url = `${proc.urls[REST]}/run/greet/c1`;
      expect(await (await fetch(url)).json()).toEqual({ out: "hello" });
      writeFileSync(path.join(cap.dir, "scripts", "greet.js"), 'result = "hello again";\n');
      let out: unknown;
      for (let i = 0; i < 100 && out !== "hello again"; i++) {
        await new Promise((r) => setTimeout(r, 100));
        out = ((await (await fetch(url)).json()) as { out: unknown }).out;
      }
      expect(out).toBe("hello again");
    } finally {
      await proc.stop();
      await upstream.stop();
    }
  });
});
