/**
 * Serves a capability written inline in a test (plus any side files: shared consumes, secrets,
 * skill directories) in-process, every exposes block on a free port, and talks to it.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { serveCapability, type Served, type ServeOptions } from "../../src/serve.js";
import { loadCapability } from "../../src/spec/load.js";
import { post } from "./shipyard.js";

export interface Serving {
  served: Served;
  dir: string;
  /** exposes namespace → base URL (the MCP one without `/mcp`). */
  url: Record<string, string>;
  close(): Promise<void>;
}

export function writeTree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "naftiko-official-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** `files["capability.yml"]` is the capability; every other entry is written beside it. */
export async function serveFiles(files: Record<string, string>, options: ServeOptions = {}): Promise<Serving> {
  const dir = writeTree(files);
  const capability = await loadCapability(path.join(dir, "capability.yml"));
  const ports = Object.fromEntries(capability.exposes.map((b) => [b.namespace!, 0]));
  const served = await serveCapability(capability, { ports, log: () => {}, ...options });
  const url = Object.fromEntries(served.listeners.map((l) => [l.namespace, l.url.replace(/\/mcp$/, "")]));
  return { served, dir, url, close: () => served.close() };
}

/** A bare JSON-RPC request, as clients of the reference engine send it (no initialize, no Accept). */
export async function mcp(base: string, method: string, params: unknown, headers: Record<string, string> = {}) {
  const res = await post(
    `${base.replace(/^http:\/\/[^/:]+/, "http://localhost")}/`,
    { "Content-Type": "application/json", ...headers },
    JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  );
  return { ...res, json: () => JSON.parse(res.text) };
}

/** `tools/call` → the parsed text result (or the error text when `isError`). */
export async function callTool(base: string, name: string, args: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await mcp(base, "tools/call", { name, arguments: args }, headers);
  const body = res.json();
  const text: string = body.result?.content?.[0]?.text ?? "";
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  return { status: res.status, body, isError: body.result?.isError === true, text, value };
}
