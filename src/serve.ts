import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import type { Server } from "node:http";
import { restApp, type RestRoute } from "./exposes/rest/server.js";
import { skillApp } from "./exposes/skill/server.js";
import { createRuntime, type Runtime, type RuntimeOptions } from "./runtime.js";
import type { Capability } from "./spec/load.js";
import type { ExposesRest, ExposesSkill } from "./spec/model.js";

export interface ServeOptions extends RuntimeOptions {
  /** exposes namespace (or `*` for all) → address to listen on. */
  hosts?: Record<string, string>;
  /** exposes namespace → port. */
  ports?: Record<string, number>;
  maxBodySize?: number;
  /** Milliseconds to let in-flight calls finish on close. */
  grace?: number;
  log?: (line: string) => void;
}

export interface Listener {
  namespace: string;
  type: string;
  url: string;
  port: number;
  address: string;
  routes?: RestRoute[];
}

export interface Served {
  runtime: Runtime;
  listeners: Listener[];
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
  const listeners: Listener[] = [];
  try {
    for (const block of blocks) {
      if (block.type !== "rest") continue;
      const { app, routes } = restApp(block as ExposesRest, runtime, { maxBodySize: options.maxBodySize ?? DEFAULT_MAX_BODY });
      const server = createAdaptorServer({ fetch: app.fetch }) as Server;
      const address = options.hosts?.[block.namespace] ?? options.hosts?.["*"] ?? block.address ?? DEFAULT_ADDRESS;
      const port = options.ports?.[block.namespace] ?? block.port;
      const bound = await listen(server, port, address, block.namespace);
      servers.push(server);
      const url = `http://${bound.address.includes(":") ? `[${bound.address}]` : bound.address}:${bound.port}`;
      listeners.push({ namespace: block.namespace, type: "rest", url, port: bound.port, address: bound.address, routes });
      log(`naftiko: rest ${block.namespace} listening on ${url} (${routes.length} route${routes.length === 1 ? "" : "s"})`);
    }
    for (const block of blocks) {
      if (block.type !== "skill") continue;
      const server = createAdaptorServer({ fetch: skillApp(block as ExposesSkill, runtime).fetch }) as Server;
      const address = options.hosts?.[block.namespace] ?? options.hosts?.["*"] ?? block.address ?? DEFAULT_ADDRESS;
      const bound = await listen(server, options.ports?.[block.namespace] ?? block.port, address, block.namespace);
      servers.push(server);
      const url = `http://${bound.address.includes(":") ? `[${bound.address}]` : bound.address}:${bound.port}`;
      listeners.push({ namespace: block.namespace, type: "skill", url, port: bound.port, address: bound.address });
      const count = (block as ExposesSkill).skills.length;
      log(`naftiko: skill ${block.namespace} listening on ${url} (${count} skill${count === 1 ? "" : "s"})`);
    }
  } catch (e) {
    await Promise.all(servers.map((s) => closeServer(s, 0)));
    await runtime.close();
    throw e;
  }
  return {
    runtime,
    listeners,
    async close() {
      await Promise.all(servers.map((s) => closeServer(s, options.grace ?? 10_000)));
      await runtime.close();
    },
  };
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
