/**
 * Shared pieces for the focused behaviour tests: capability files written to a temp dir, served
 * in-process on an ephemeral port, in front of a real loopback upstream that records what it got.
 */
import fs from "node:fs";
import http, { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { serveCapability, type Served, type ServeOptions } from "../../src/serve.js";
import { loadCapability } from "../../src/spec/load.js";

/** Writes files (name → text) into a fresh temp dir; returns the dir. */
export function tempDir(files: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "naftiko-test-"));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

export interface Seen {
  method: string;
  /** Raw request target as it arrived: encoded path plus raw query. */
  url: string;
  path: string;
  query: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Set when the request's connection closed before the upstream answered. */
  closedEarly: boolean;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  /** Milliseconds before the status line is written. */
  delay?: number;
}

export interface Upstream {
  url: string;
  requests: Seen[];
  /** TCP connections accepted so far. */
  connections: number;
  reply: (req: Seen) => Reply;
  /** Resolves when some request's connection closes before its answer. */
  closedEarly: Promise<Seen>;
  stop(): Promise<void>;
}

/** A loopback HTTP server that records every request and answers as `reply` says (default: 200 `{}`). */
export async function startUpstream(reply: (req: Seen) => Reply = () => ({ body: "{}" })): Promise<Upstream> {
  let onClosedEarly!: (s: Seen) => void;
  const up: Upstream = {
    url: "",
    requests: [],
    connections: 0,
    reply,
    closedEarly: new Promise((r) => (onClosedEarly = r)),
    stop: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = req.url ?? "/";
      const q = url.indexOf("?");
      const seen: Seen = {
        method: req.method ?? "",
        url,
        path: q < 0 ? url : url.slice(0, q),
        query: q < 0 ? "" : url.slice(q + 1),
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        closedEarly: false,
      };
      up.requests.push(seen);
      res.on("close", () => {
        if (!res.writableFinished) {
          seen.closedEarly = true;
          onClosedEarly(seen);
        }
      });
      const r = up.reply(seen);
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(r.status ?? 200, { "content-type": "application/json", ...r.headers });
        res.end(r.body ?? "");
      };
      if (r.delay) setTimeout(send, r.delay);
      else send();
    });
  });
  server.on("connection", () => up.connections++);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  up.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  up.stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return up;
}

export interface Running {
  /** Base URL of the first REST exposes block. */
  url: string;
  served: Served;
  file: string;
  dir: string;
  close(): Promise<void>;
}

/**
 * Writes `yaml` as `capability.naftiko.yaml` (plus `files`) and serves it; every consumes block is
 * pointed at `upstream` (its base path kept) and every REST block at an ephemeral port.
 */
export async function serveYaml(
  yaml: string,
  opts: { upstream?: string; files?: Record<string, string>; env?: NodeJS.ProcessEnv; options?: Partial<ServeOptions> } = {},
): Promise<Running> {
  const dir = tempDir({ ...opts.files, "capability.naftiko.yaml": yaml });
  const file = path.join(dir, "capability.naftiko.yaml");
  const capability = await loadCapability(file);
  const baseUris = opts.upstream
    ? Object.fromEntries(capability.consumes.map((c) => [c.namespace, `${opts.upstream}${new URL(c.baseUri).pathname.replace(/\/$/, "")}`]))
    : undefined;
  const ports = Object.fromEntries((capability.doc.capability?.exposes ?? []).filter((x) => x.type === "rest").map((x) => [x.namespace, 0]));
  const served = await serveCapability(capability, { baseUris, ports, env: opts.env ?? {}, log: () => {}, grace: 0, ...opts.options });
  return { url: served.listeners[0]?.url ?? "", served, file, dir, close: () => served.close() };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A request with the target sent exactly as given (fetch would normalise `..` and `%2e%2e`). */
export function rawRequest(base: string, target: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method: init.method ?? "GET", path: target, headers: init.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(init.body);
  });
}

/** Parses a JSON response body, failing with the text when it is not JSON. */
export async function json(res: Response): Promise<any> {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`not JSON (status ${res.status}): ${text}`);
  }
}
