import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import type { Server } from "node:http";
import { compileServerAuth } from "./exposes/auth.js";
import { mcpHttpApp } from "./exposes/mcp/http.js";
import { mcpService, type McpService } from "./exposes/mcp/server.js";
import { serveStdio } from "./exposes/mcp/stdio.js";
import { restApp, type RestRoute } from "./exposes/rest/server.js";
import { skillApp } from "./exposes/skill/server.js";
import { VERSION } from "./version.js";
import { createRuntime, type Runtime, type RuntimeOptions } from "./runtime.js";
import type { Capability } from "./spec/load.js";
import type { ExposesMcp, ExposesRest, ExposesSkill } from "./spec/model.js";

export interface ServeOptions extends RuntimeOptions {
  /** exposes namespace (or `*` for all) → address to listen on. */
  hosts?: Record<string, string>;
  /** exposes namespace → port. */
  ports?: Record<string, number>;
  maxBodySize?: number;
  /** Milliseconds to let in-flight calls finish on close. */
  grace?: number;
  /** Serve the (first) MCP block on stdin/stdout instead of HTTP. */
  stdio?: boolean;
  /** Keep MCP sessions (`Mcp-Session-Id`) instead of the stateless default. */
  mcpSessions?: boolean;
  /** Extra Host and Origin values the MCP endpoint accepts (DNS rebinding defence). */
  allowedHosts?: string[];
  allowedOrigins?: string[];
  log?: (line: string) => void;
}

export interface Listener {
  namespace: string;
  type: string;
  url: string;
  port: number;
  address: string;
  routes?: RestRoute[];
  mcp?: McpService;
}

export interface Served {
  runtime: Runtime;
  listeners: Listener[];
  /** Settles when a stdio MCP client closes stdin (the process should then stop). */
  stdioClosed?: Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_ADDRESS = "127.0.0.1";
export const DEFAULT_MAX_BODY = 1 << 20;

/** Starts every exposes block of a capability in this process. */
export async function serveCapability(capability: Capability, options: ServeOptions = {}): Promise<Served> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const blocks = capability.doc.capability?.exposes ?? [];
  for (const ns of [...Object.keys(options.ports ?? {}), ...Object.keys(options.hosts ?? {})]) {
    if (ns !== "*" && !blocks.some((b) => b.namespace === ns)) {
      throw new Error(`no exposes block "${ns}" in ${capability.file} (exposes: ${blocks.map((b) => b.namespace).join(", ")})`);
    }
  }
  const runtime = createRuntime(capability, options);
  const servers: Server[] = [];
  const closers: Array<() => Promise<void>> = [];
  const listeners: Listener[] = [];
  const maxBodySize = options.maxBodySize ?? DEFAULT_MAX_BODY;
  let stdioClosed: Promise<void> | undefined;
  const stdioBlock = blocks.find((b): b is ExposesMcp => b.type === "mcp" && (options.stdio === true || b.transport === "stdio"));
  try {
    for (const block of blocks) {
      if (block.type !== "rest" && block.type !== "mcp" && block.type !== "skill") continue;
      if (block === stdioBlock) {
        const service = mcpService(block, runtime, VERSION);
        const stdio = await serveStdio(service);
        closers.push(stdio.close);
        stdioClosed = stdio.closed;
        listeners.push({ namespace: block.namespace, type: "mcp", url: "stdio", port: 0, address: "stdio", mcp: service });
        log(`naftiko: mcp ${block.namespace} serving on stdio (${service.tools.length} tool${service.tools.length === 1 ? "" : "s"})`);
        continue;
      }
      const address = options.hosts?.[block.namespace] ?? options.hosts?.["*"] ?? block.address ?? DEFAULT_ADDRESS;
      const port = options.ports?.[block.namespace] ?? block.port!;
      if (!isLoopback(address) && !block.authentication) {
        log(`naftiko: warning: ${block.type} ${block.namespace} listens on ${address} without authentication; anyone who can reach it can call the upstream with this capability's credentials`);
      }
      let fetch: (req: Request) => Response | Promise<Response>;
      let listener: Omit<Listener, "url" | "port" | "address">;
      let detail: string;
      if (block.type === "rest") {
        const { app, routes } = restApp(block as ExposesRest, runtime, { maxBodySize });
        fetch = app.fetch;
        listener = { namespace: block.namespace, type: "rest", routes };
        detail = `${routes.length} route${routes.length === 1 ? "" : "s"}`;
      } else if (block.type === "skill") {
        fetch = skillApp(block as ExposesSkill, runtime).fetch;
        listener = { namespace: block.namespace, type: "skill" };
        const count = (block as ExposesSkill).skills.length;
        detail = `${count} skill${count === 1 ? "" : "s"}`;
      } else {
        const service = mcpService(block, runtime, VERSION);
        const auth = compileServerAuth(block.authentication, runtime.binds, block.namespace);
        const http = mcpHttpApp(service, { sessions: options.mcpSessions ?? false, address, allowedHosts: options.allowedHosts, allowedOrigins: options.allowedOrigins, maxBodySize, auth });
        closers.push(http.close);
        fetch = http.app.fetch;
        listener = { namespace: block.namespace, type: "mcp", mcp: service };
        detail = `${service.tools.length} tool${service.tools.length === 1 ? "" : "s"}, ${options.mcpSessions ? "sessions" : "stateless"}`;
      }
      const server = createAdaptorServer({ fetch }) as Server;
      const bound = await listen(server, port, address, block.namespace);
      servers.push(server);
      const base = `http://${bound.address.includes(":") ? `[${bound.address}]` : bound.address}:${bound.port}`;
      const url = block.type === "mcp" ? `${base}/mcp` : base;
      listeners.push({ ...listener, url, port: bound.port, address: bound.address });
      log(`naftiko: ${block.type} ${block.namespace} listening on ${url} (${detail})`);
    }
  } catch (e) {
    await Promise.all(servers.map((s) => closeServer(s, 0)));
    await Promise.all(closers.map((c) => c()));
    await runtime.close();
    throw e;
  }
  return {
    runtime,
    listeners,
    stdioClosed,
    async close() {
      await Promise.all(servers.map((s) => closeServer(s, options.grace ?? 10_000)));
      await Promise.all(closers.map((c) => c()));
      await runtime.close();
    },
  };
}

/** Loopback-only addresses: nothing off this machine can connect. */
export function isLoopback(address: string): boolean {
  const a = address.toLowerCase().replace(/^\[|\]$/g, "");
  return a === "localhost" || a === "::1" || a.startsWith("127.") || a.startsWith("::ffff:127.");
}

function listen(server: Server, port: number, address: string, namespace: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) =>
      reject(new Error(e.code === "EADDRINUSE" ? `exposes "${namespace}": port ${port} on ${address} is already in use (choose another with --port ${namespace}=<port>)` : `exposes "${namespace}": cannot listen on ${address}:${port} (${e.code ?? e.message})`));
    server.once("error", onError);
    server.listen(port, address, () => {
      server.off("error", onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Stops accepting, lets in-flight requests finish for up to `grace` ms, then cuts what is left. */
function closeServer(server: Server, grace: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    const timer = setTimeout(() => server.closeAllConnections(), grace);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
