import type { AddressInfo } from "node:net";
import { createServer, type RequestListener, type Server } from "node:http";
import { isLoopback } from "./exposes/address.js";
import { compileServerAuth } from "./exposes/auth.js";
import type { McpService } from "./exposes/mcp/server.js";
import type { ReloadState } from "./exposes/control/server.js";
import { mcpCounts } from "./exposes/mcp/counts.js";
import { DOCS_PATHS, mountDocs } from "./exposes/rest/docs.js";
import { openApiDocument } from "./exposes/rest/openapi.js";
import { restApp, type RestRoute } from "./exposes/rest/server.js";
import { createLogger, silentLogger, type RuntimeLogger } from "./observability/log.js";
import type { Observer } from "./observability/observer.js";
import { createObserver } from "./observability/setup.js";
import { createRuntime, type Runtime, type RuntimeOptions } from "./runtime.js";
import { loadCapability, type Capability } from "./spec/load.js";
import { CapabilityError, formatProblem } from "./spec/problems.js";
import { structuralChanges } from "./structural-changes.js";
import type { ExposesControl, ExposesMcp, ExposesRest, ExposesSkill } from "./spec/model.js";
import { VERSION } from "./version.js";

export interface ServeOptions extends RuntimeOptions {
  /** exposes namespace (or `*` for all) → address to listen on. */
  hosts?: Record<string, string>;
  /** exposes namespace → port. */
  ports?: Record<string, number>;
  maxBodySize?: number;
  /** Milliseconds to let in-flight calls finish on close. */
  grace?: number;
  /**
   * Serve the file's MCP block on stdin/stdout (its `transport: stdio` block, or its only MCP block)
   * and nothing else: no port is opened.
   */
  stdio?: boolean;
  /** Keep MCP sessions (`Mcp-Session-Id`) instead of the stateless default. */
  mcpSessions?: boolean;
  /** Extra Host and Origin values the MCP endpoint accepts (DNS rebinding defence). */
  allowedHosts?: string[];
  allowedOrigins?: string[];
  /** Startup lines; when given (tests, embedders) and no `logger`, call lines are not written. */
  log?: (line: string) => void;
  /** Structured logger (pino) for startup lines and one line per call. */
  logger?: RuntimeLogger;
  /** Serve the control port here (overrides a `type: control` block's port; adds one if the file has none). */
  controlPort?: number;
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
  /** The runtime of the version being served now (it changes on reload). */
  runtime: Runtime;
  listeners: Listener[];
  observer: Observer;
  /** Settles when a stdio MCP client closes stdin (the process should then stop). */
  stdioClosed?: Promise<void>;
  /** Swaps in a new version of the capability; in-flight calls finish on the old one. */
  reload(capability: Capability): Promise<void>;
  /** Counts a reload that failed before a new version existed (the edited file did not load). */
  reloadFailed(reason: string): void;
  close(): Promise<void>;
}

export const DEFAULT_ADDRESS = "127.0.0.1";
export const DEFAULT_MAX_BODY = 1 << 20;
/** The control block has no namespace in the official schema; flags and logs call it this. */
export const CONTROL_NAMESPACE = "control";

/** What one exposes block serves in one version of the capability. */
interface BlockApp {
  listener: RequestListener;
  routes?: RestRoute[];
  mcp?: McpService;
  close?(): Promise<void>;
}

/** One version of the capability: its runtime and the apps built on it, with its in-flight count. */
interface Generation {
  capability: Capability;
  runtime: Runtime;
  apps: Map<string, BlockApp>;
  inFlight: number;
  retired: boolean;
}

type McpCode = Awaited<ReturnType<typeof loadMcp>>;

/**
 * The MCP side (the MCP SDK, and with it zod and ajv: about a third of a cold start), loaded only
 * for a capability that exposes MCP.
 */
async function loadMcp() {
  const [http, observe, server, stdio] = await Promise.all([
    import("./exposes/mcp/http.js"),
    import("./exposes/mcp/observe.js"),
    import("./exposes/mcp/server.js"),
    import("./exposes/mcp/stdio.js"),
  ]);
  return { mcpHttpApp: http.mcpHttpApp, observeCalls: observe.observeCalls, mcpService: server.mcpService, serveStdio: stdio.serveStdio };
}

/** Skill blocks are Hono apps too; loaded only for a capability that has one. */
async function loadSkill() {
  const [{ skillApp }, { getRequestListener }] = await Promise.all([import("./exposes/skill/server.js"), import("@hono/node-server")]);
  return { skillApp, getRequestListener };
}

/** Starts every exposes block of a capability in this process. */
export async function serveCapability(capability: Capability, options: ServeOptions = {}): Promise<Served> {
  const logging = options.logger ?? (options.log ? silentLogger() : await createLogger());
  const logger = logging.logger;
  const log = options.log ?? ((line: string) => logger.info(line));
  const blocks = capability.exposes;
  const controlBlock = options.stdio ? undefined : blocks.find((b): b is ExposesControl => b.type === "control");
  const stdioBlock = chooseStdioBlock(capability, options);
  const known = (ns: string) =>
    ns === "*" ||
    blocks.some((b) => b.namespace === ns) ||
    (ns === CONTROL_NAMESPACE && (controlBlock || options.controlPort !== undefined));
  for (const ns of [...Object.keys(options.ports ?? {}), ...Object.keys(options.hosts ?? {})]) {
    if (!known(ns))
      throw new Error(
        `no exposes block "${ns}" in ${capability.file} (exposes: ${blocks.map((b) => b.namespace ?? CONTROL_NAMESPACE).join(", ")})`,
      );
  }
  const observer = await createObserver(capability, logging, options.env);
  // Loaded once the other blocks listen: REST answers while the MCP SDK loads.
  let mcpCode: McpCode | undefined;
  const skillCode = blocks.some((b) => b.type === "skill") ? await loadSkill() : undefined;
  const startedAt = Date.now();
  const maxBodySize = options.maxBodySize ?? DEFAULT_MAX_BODY;
  const addressOf = (block: { namespace?: string; address?: string }) =>
    options.hosts?.[block.namespace ?? CONTROL_NAMESPACE] ?? options.hosts?.["*"] ?? block.address ?? DEFAULT_ADDRESS;
  let stdio: { close(): Promise<void>; closed: Promise<void> } | undefined;
  let reloads: ReloadState = { count: 0, failed: 0 };
  const reloadFailed = (reason: string) => {
    reloads = { ...reloads, failed: reloads.failed + 1, lastError: reason, lastErrorAt: new Date().toISOString() };
    observer.metrics.reloads.labels({ result: "error" }).inc();
  };
  const servers: Server[] = [];
  let controlServer: Server | undefined;
  const listeners: Listener[] = [];
  let closing = false;

  const build = (cap: Capability): Generation => {
    const runtime = createRuntime(cap, {
      ...options,
      instrument: { plan: (p) => observer.instrumentPlan(p), forward: (f) => observer.instrumentForward(f) },
    });
    logging.setScrub((line) => runtime.redactor.redact(line));
    const apps = new Map<string, BlockApp>();
    for (const block of cap.exposes) {
      if (block.type === "mcp") {
        if (mcpCode) apps.set(block.namespace, mcpApp(mcpCode, block as ExposesMcp, runtime));
        continue;
      }
      if (block.type === "skill") {
        apps.set(block.namespace, { listener: skillCode!.getRequestListener(skillCode!.skillApp(block as ExposesSkill, runtime).fetch) });
        continue;
      }
      if (block.type !== "rest") continue;
      const rest = block as ExposesRest;
      const built = restApp(rest, runtime, {
        maxBodySize,
        observe: (info, incoming) => observer.start(info, incoming),
        pages: {
          paths: DOCS_PATHS,
          mount: (app, routes) =>
            mountDocs(app, cap.info?.display ?? rest.namespace, (origin) =>
              openApiDocument(cap, rest, routes, { serverUrl: origin, runtimeVersion: VERSION }),
            ),
        },
      });
      apps.set(rest.namespace, { listener: built.listener, routes: built.routes });
    }
    return { capability: cap, runtime, apps, inFlight: 0, retired: false };
  };
  const mcpApp = (code: McpCode, mcp: ExposesMcp, runtime: Runtime): BlockApp => {
    const service = code.mcpService(mcp, runtime, VERSION, code.observeCalls(observer, mcp.namespace));
    if (mcp === stdioBlock) return { listener: (_req, res) => void res.writeHead(404).end(), mcp: service };
    const auth = compileServerAuth(mcp.authentication, runtime.binds, mcp.namespace, { mcp: true });
    const http = code.mcpHttpApp(service, {
      sessions: options.mcpSessions ?? false,
      address: addressOf(mcp),
      allowedHosts: options.allowedHosts,
      allowedOrigins: options.allowedOrigins,
      maxBodySize,
      auth,
      redact: (t) => runtime.redactor.redact(t),
    });
    return { listener: http.listener, mcp: service, close: http.close };
  };
  /** A version built and thrown away: what serving it would refuse (binds, overrides), changing nothing. */
  const tryBuild = async (cap: Capability): Promise<string | undefined> => {
    try {
      await closeGeneration(build(cap));
      return undefined;
    } catch (e) {
      return (e as Error).message;
    } finally {
      logging.setScrub((line) => current.runtime.redactor.redact(line));
    }
  };
  const closeGeneration = async (g: Generation) => {
    await Promise.all([...g.apps.values()].map((a) => a.close?.()));
    await g.runtime.close();
  };
  const retire = async (g: Generation) => {
    g.retired = true;
    if (g.inFlight === 0) await closeGeneration(g);
  };

  let current = build(capability);
  current.runtime.scripting?.warm();
  /** Each request runs on the generation current when it arrived, to the end of its answer. */
  const dispatch =
    (namespace: string): RequestListener =>
    (req, res) => {
      const g = current;
      g.inFlight++;
      // `on`, not `once`: a response closes once, and once's wrapper is one more allocation a call.
      res.on("close", () => {
        if (--g.inFlight === 0 && g.retired) void closeGeneration(g);
      });
      g.apps.get(namespace)!.listener(req, res);
    };

  // The control port comes up first, so /health/ready answers 503 until every exposes block listens.
  const servedBlocks = options.stdio ? [stdioBlock!] : blocks;
  const expected = servedBlocks.filter((b) => (b.type === "rest" || b.type === "mcp" || b.type === "skill") && b !== stdioBlock).length;
  try {
    if (controlBlock || options.controlPort !== undefined) {
      const [{ controlApp }, { changesBetween, servedDocument }, { getRequestListener }] = await Promise.all([
        import("./exposes/control/server.js"),
        import("./exposes/control/config.js"),
        import("@hono/node-server"),
      ]);
      const { app, endpoints } = controlApp(
        {
          label: capability.info?.display ?? capability.file,
          file: capability.file,
          specVersion: capability.specVersion,
          runtimeVersion: VERSION,
          startedAt,
          ready: () => !closing && servers.length === expected && servers.every((s) => s.listening),
          exposes: () => listeners.map(({ namespace, type, url, port }) => ({ namespace, type, url, port })),
          reloads: () => reloads,
          logging,
          traces: observer.tracing?.recent,
          scripting: () => current.runtime.scripting,
          config: {
            current: () => current.capability,
            redact: (text) => current.runtime.redactor.redact(text),
            async reload() {
              const before = current.capability;
              let next: Capability;
              try {
                next = await loadCapability(before.file);
              } catch (e) {
                const problems =
                  e instanceof CapabilityError ? e.problems.filter((p) => p.severity === "error").map(formatProblem) : undefined;
                const reason = problems
                  ? `${before.file} has ${problems.length} problem${problems.length === 1 ? "" : "s"}; still serving the previous version`
                  : `cannot read ${before.file} (${(e as Error).message}); still serving the previous version`;
                reloadFailed(reason);
                logger.error({ file: before.file, problems }, `naftiko: reload from the control port failed: ${reason}`);
                return { status: "rejected", reason, ...(problems ? { problems } : {}) };
              }
              try {
                await served.reload(next);
              } catch (e) {
                const reason = `${(e as Error).message}; still serving the previous version`;
                logger.error({ file: before.file }, `naftiko: reload from the control port failed: ${reason}`);
                return { status: "rejected", reason, structural: true };
              }
              logger.info({ file: before.file }, `naftiko: reloaded ${before.file} (control port)`);
              return { status: "applied", changes: changesBetween(servedDocument(before), servedDocument(next)) };
            },
            async validate(text) {
              let next: Capability;
              try {
                next = await loadCapability(current.capability.file, text);
              } catch (e) {
                if (!(e instanceof CapabilityError)) throw e;
                const of = (severity: string) => e.problems.filter((p) => p.severity === severity).map(formatProblem);
                return { valid: false, reloadable: false, structuralChanges: [], problems: of("error"), warnings: of("warning") };
              }
              const structural = structuralChanges(current.capability, next);
              const refused = await tryBuild(next);
              return {
                valid: !refused,
                reloadable: !refused && structural.length === 0,
                structuralChanges: structural,
                problems: refused ? [refused] : [],
                warnings: next.warnings.map(formatProblem),
              };
            },
          },
        },
        await observer.metrics.registry(),
        controlBlock,
        compileServerAuth(controlBlock?.authentication, current.runtime.binds, CONTROL_NAMESPACE),
      );
      const server = createServer(getRequestListener(app.fetch));
      const address = addressOf({ namespace: CONTROL_NAMESPACE, address: controlBlock?.address });
      const port = options.ports?.[CONTROL_NAMESPACE] ?? options.controlPort ?? controlBlock!.port;
      const bound = await listen(server, port, address, CONTROL_NAMESPACE, "--control-port <port>");
      controlServer = server;
      const url = urlOf(bound);
      listeners.push({ namespace: CONTROL_NAMESPACE, type: "control", url, port: bound.port, address: bound.address });
      log(`naftiko: control ${CONTROL_NAMESPACE} listening on ${url} (${endpoints.join(", ") || "no endpoint enabled"})`);
    }
    // MCP blocks last: their code (the MCP SDK, zod, ajv) loads while the others already answer.
    const order = [...servedBlocks.filter((b) => b.type === "rest" || b.type === "skill"), ...servedBlocks.filter((b) => b.type === "mcp")];
    for (const block of order) {
      if (block.type === "mcp" && !mcpCode) {
        mcpCode = await loadMcp();
        for (const b of blocks) if (b.type === "mcp") current.apps.set(b.namespace, mcpApp(mcpCode, b as ExposesMcp, current.runtime));
      }
      const built = current.apps.get(block.namespace)!;
      if (block === stdioBlock) {
        // stdio is bound to the first version's tools: --watch reloads HTTP blocks only.
        stdio = await mcpCode!.serveStdio(built.mcp!);
        const service = built.mcp!;
        listeners.push({ namespace: block.namespace, type: "mcp", url: "stdio", port: 0, address: "stdio", mcp: service });
        log(`naftiko: mcp ${block.namespace} serving on stdio (${mcpCounts(block as ExposesMcp)})`);
        continue;
      }
      const address = addressOf(block);
      if (!isLoopback(address) && !block.authentication) {
        log(
          `naftiko: warning: ${block.type} ${block.namespace} listens on ${address} without authentication; anyone who can reach it can call the upstream with this capability's credentials`,
        );
      }
      const server = createServer(dispatch(block.namespace));
      const bound = await listen(server, options.ports?.[block.namespace] ?? block.port!, address, block.namespace);
      servers.push(server);
      const base = urlOf(bound);
      if (block.type === "skill") {
        const count = (block as ExposesSkill).skills.length;
        listeners.push({ namespace: block.namespace, type: "skill", url: base, port: bound.port, address: bound.address });
        log(`naftiko: skill ${block.namespace} listening on ${base} (${count} skill${count === 1 ? "" : "s"})`);
      } else if (block.type === "rest") {
        const routes = built.routes!;
        listeners.push({ namespace: block.namespace, type: "rest", url: base, port: bound.port, address: bound.address, routes });
        log(`naftiko: rest ${block.namespace} listening on ${base} (${routes.length} route${routes.length === 1 ? "" : "s"})`);
      } else {
        const service = built.mcp!;
        const url = `${base}/mcp`;
        listeners.push({ namespace: block.namespace, type: "mcp", url, port: bound.port, address: bound.address, mcp: service });
        log(
          `naftiko: mcp ${block.namespace} listening on ${url} (${mcpCounts(block as ExposesMcp)}, ${options.mcpSessions ? "sessions" : "stateless"})`,
        );
      }
    }
  } catch (e) {
    await Promise.all([...servers, ...(controlServer ? [controlServer] : [])].map((s) => closeServer(s, 0)));
    await stdio?.close();
    await closeGeneration(current);
    await observer.shutdown();
    throw e;
  }
  const served: Served = {
    runtime: current.runtime,
    listeners,
    observer,
    stdioClosed: stdio?.closed,
    async reload(next) {
      try {
        const structural = structuralChanges(current.capability, next);
        if (structural.length) throw new Error(`${structural.join("; ")}: restart naftiko serve to apply that`);
        const g = build(next);
        g.runtime.scripting?.warm();
        const old = current;
        current = g;
        served.runtime = g.runtime;
        for (const l of listeners) {
          if (l.type === "rest") l.routes = g.apps.get(l.namespace)?.routes;
          if (l.type === "mcp" && l.url !== "stdio") l.mcp = g.apps.get(l.namespace)?.mcp;
        }
        reloads = { ...reloads, count: reloads.count + 1, last: new Date().toISOString() };
        observer.metrics.reloads.labels({ result: "ok" }).inc();
        await retire(old);
      } catch (e) {
        logging.setScrub((line) => current.runtime.redactor.redact(line));
        reloadFailed((e as Error).message);
        throw e;
      }
    },
    reloadFailed,
    async close() {
      closing = true;
      // The control port stays up while calls drain, answering /health/ready with 503.
      await Promise.all(servers.map((s) => closeServer(s, options.grace ?? 10_000)));
      await stdio?.close();
      await closeGeneration(current);
      if (controlServer) await closeServer(controlServer, 0);
      await observer.shutdown();
    },
  };
  return served;
}

/**
 * The MCP block served on stdin/stdout: with `--stdio`, the file's `transport: stdio` block or its
 * only MCP block (and then no port may be asked for, since none is opened); otherwise the
 * `transport: stdio` block, if any (validation allows one per file).
 */
function chooseStdioBlock(capability: Capability, options: ServeOptions): ExposesMcp | undefined {
  const mcp = capability.exposes.filter((b): b is ExposesMcp => b.type === "mcp");
  const declared = mcp.find((b) => b.transport === "stdio");
  if (!options.stdio) return declared;
  if (!mcp.length) throw new Error(`--stdio: ${capability.file} has no MCP block to serve on stdin/stdout`);
  if (!declared && mcp.length > 1)
    throw new Error(
      `--stdio: ${capability.file} has ${mcp.length} MCP blocks (${mcp.map((b) => b.namespace).join(", ")}); mark the one to serve on stdin/stdout with "transport: stdio"`,
    );
  const flags = [
    ...Object.keys(options.ports ?? {}).map((ns) => `--port ${ns}`),
    ...Object.keys(options.hosts ?? {}).map((ns) => (ns === "*" ? "--host" : `--host ${ns}`)),
    ...(options.controlPort !== undefined ? ["--control-port"] : []),
  ];
  if (flags.length)
    throw new Error(
      `--stdio serves MCP block "${(declared ?? mcp[0]).namespace}" on stdin/stdout and opens no port, so ${flags.join(", ")} would do nothing: drop ${flags.length === 1 ? "it" : "them"}, or serve without --stdio`,
    );
  return declared ?? mcp[0];
}

function urlOf(bound: AddressInfo): string {
  return `http://${bound.address.includes(":") ? `[${bound.address}]` : bound.address}:${bound.port}`;
}

function listen(
  server: Server,
  port: number,
  address: string,
  namespace: string,
  flag = `--port ${namespace}=<port>`,
): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) =>
      reject(
        new Error(
          e.code === "EADDRINUSE"
            ? `exposes "${namespace}": port ${port} on ${address} is already in use (choose another with ${flag})`
            : `exposes "${namespace}": cannot listen on ${address}:${port} (${e.code ?? e.message})`,
        ),
      );
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
    // Keep-alive connections that go idle as their last call finishes are closed too, not left to time out.
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    sweep.unref();
    server.close(() => {
      clearTimeout(timer);
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}
