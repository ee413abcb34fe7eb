/**
 * `management.scripting` on the control port, through the real CLI: its defaults feed script steps
 * that omit language and location, `GET /scripting` reports the settings and the execution stats,
 * and `PUT /scripting` changes them for the next run (or refuses, naming the problem).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnServe, type ServeProcess } from "../support/cli.js";
import { startRecordingUpstream, type RecordingUpstream } from "../support/recording-upstream.js";
import { MCP, REST, scriptCapability, serveArgs, shop } from "./capability.js";
import { tempDir } from "../support/temp.js";

const COUNT = "var n = 0;\nfor (var i = 0; i < context.limit; i++) n++;\nresult = n;\n";

describe("GET and PUT /scripting", () => {
  let upstream: RecordingUpstream;
  let proc: ServeProcess;
  let control: string;
  const count = (limit: number) => fetch(`${proc.urls[REST]}/run/count/c1?limit=${limit}`);
  const put = (body: unknown) =>
    fetch(`${control}/scripting`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  beforeAll(async () => {
    upstream = await startRecordingUpstream(shop);
    const cap = scriptCapability({
      // No language or location on the step: the control block's defaults apply.
      routes: [{ name: "count", calls: false, step: "file: count.js" }],
      scripts: { "count.js": COUNT },
      scripting: [
        'defaultLocation: "file:///./scripts"',
        "defaultLanguage: javascript",
        "timeout: 5000",
        "statementLimit: 200000",
        "allowedLanguages: [javascript]",
      ].join("\n"),
    });
    proc = await spawnServe(serveArgs(cap, upstream.url));
    control = proc.urls.control;
  });

  afterAll(async () => {
    await proc?.stop();
    await upstream?.stop();
  });

  it("reports the settings in force and the execution stats", async () => {
    expect(await (await fetch(`${control}/scripting`)).json()).toEqual({
      defaultLocation: "file:///./scripts",
      defaultLanguage: "javascript",
      timeout: 5000,
      statementLimit: 200000,
      allowedLanguages: ["javascript"],
      stats: { totalExecutions: 0, totalErrors: 0, averageDurationMs: 0 },
    });
    expect(await (await count(10)).json()).toEqual({ out: 10 });
    expect(await (await count(20)).json()).toEqual({ out: 20 });
    expect((await count(10_000_000)).status).toBe(500);
    const after = (await (await fetch(`${control}/scripting`)).json()) as {
      stats: { totalExecutions: number; totalErrors: number; averageDurationMs: number; lastExecutionAt: string };
    };
    expect(after.stats.totalExecutions).toBe(3);
    expect(after.stats.totalErrors).toBe(1);
    expect(after.stats.averageDurationMs).toBeGreaterThan(0);
    expect(Date.now() - Date.parse(after.stats.lastExecutionAt)).toBeLessThan(60_000);
  });

  it("takes a new statement limit and timeout for the next run", async () => {
    const res = await put({ statementLimit: 20000, timeout: 4000 });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ statementLimit: 20000, timeout: 4000 });
    const stopped = await count(100_000);
    expect(stopped.status).toBe(500);
    expect(await stopped.json()).toEqual({ error: "script_failed", message: 'script step "count" exceeded the statement limit (20000)' });
    expect((await put({ statementLimit: 200000 })).status).toBe(200);
    expect(await (await count(100_000)).json()).toEqual({ out: 100_000 });
  });

  it("refuses a setting it cannot take, naming it, and changes nothing", async () => {
    const refused = async (body: unknown, message: string | RegExp) => {
      const res = await put(body);
      expect(res.status).toBe(400);
      const answer = (await res.json()) as { error: string; message: string };
      expect(answer.error).toBe("invalid_request");
      expect(answer.message).toMatch(message);
    };
    await refused({ timeout: 0 }, "'timeout' must be an integer greater than or equal to 1");
    await refused({ statementLimit: 2.5 }, "'statementLimit' must be an integer greater than or equal to 1");
    await refused({ enabled: "no" }, "'enabled' must be true or false");
    await refused({ defaultLanguage: "python" }, "Unsupported language 'python'. Supported: [javascript]");
    await refused({ allowedLanguages: ["javascript", "groovy"] }, "Unsupported language 'groovy'. Supported: [javascript]");
    await refused({ defaultLocation: "/scripts" }, "'defaultLocation' must be a file:/// URI");
    await refused(
      { timeout: 1000, colour: "red" },
      "unknown setting 'colour'; settable: enabled, timeout, statementLimit, defaultLocation, defaultLanguage, allowedLanguages",
    );
    const notJson = await fetch(`${control}/scripting`, { method: "PUT", body: "timeout=5" });
    expect(notJson.status).toBe(400);
    // The refused `timeout: 1000` beside the unknown field was not taken either.
    expect(await (await fetch(`${control}/scripting`)).json()).toMatchObject({ timeout: 4000, defaultLanguage: "javascript" });
  });

  it("disables and enables script steps at run time; other calls go on", async () => {
    expect(await (await put({ enabled: false })).json()).toMatchObject({ enabled: false });
    const disabled = await count(5);
    expect(disabled.status).toBe(503);
    expect(await disabled.json()).toEqual({
      error: "scripting_disabled",
      message: 'script step "count" cannot run: scripting is disabled (management.scripting.enabled is false on the control port)',
    });
    const client = new Client({ name: "scripting-test", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(proc.urls[MCP])));
    try {
      const tool = await client.callTool({ name: "order-totals", arguments: { id: "c1" } });
      expect(tool.isError).toBe(true);
      expect(tool.content).toEqual([
        {
          type: "text",
          text: 'Script error (503): script step "totals" cannot run: scripting is disabled (management.scripting.enabled is false on the control port)',
        },
      ]);
      expect((await fetch(`${proc.urls[REST]}/orders`)).status).toBe(200);
      expect((await put({ enabled: true })).status).toBe(200);
      expect(await (await count(5)).json()).toEqual({ out: 5 });
      expect((await client.callTool({ name: "order-totals", arguments: { id: "c1" } })).structuredContent).toEqual({
        customer: "c1",
        count: 2,
        total: 42.5,
      });
    } finally {
      await put({ enabled: true });
      await client.close();
    }
  });

  it("moves defaultLocation only to a directory that has every script that uses it", async () => {
    const elsewhere = tempDir("naftiko-scripts-elsewhere-");
    const res = await put({ defaultLocation: `file://${elsewhere}` });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(
      /^'defaultLocation' cannot be used: script step "count": "count.js" cannot be read in .* \(ENOENT\)$/,
    );
    expect(await (await count(2)).json()).toEqual({ out: 2 });

    mkdirSync(elsewhere, { recursive: true });
    writeFileSync(path.join(elsewhere, "count.js"), 'result = "counted elsewhere " + context.limit;\n');
    const moved = await put({ defaultLocation: `file://${elsewhere}` });
    expect(moved.status).toBe(200);
    expect(await moved.json()).toMatchObject({ defaultLocation: `file://${elsewhere}` });
    expect(await (await count(2)).json()).toEqual({ out: "counted elsewhere 2" });
  });
});
