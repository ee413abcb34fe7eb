import type { ConfigOperations } from "../exposes/control/config.js";
import type { McpService } from "../exposes/mcp/server.js";
import type { RestRoute } from "../exposes/rest/server.js";
import type { RuntimeLogger } from "../observability/log.js";
import type { Observer } from "../observability/observer.js";
import type { Runtime, RuntimeOptions } from "../runtime.js";
import type { Capability } from "../spec/load.js";
import type { ExposesControl } from "../spec/model.js";

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
  /**
   * Another process serves the control port (the primary of `serve --workers`): none is opened
   * here, though the control block's observability settings still apply.
   */
  controlElsewhere?: boolean;
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
  /** What the control port's /config endpoints do, for this process. */
  config: ConfigOperations;
  close(): Promise<void>;
}

export const DEFAULT_ADDRESS = "127.0.0.1";
export const DEFAULT_MAX_BODY = 1 << 20;
/** The control block has no namespace in the official schema; flags and logs call it this. */
export const CONTROL_NAMESPACE = "control";

/** Where a block listens: `--host <namespace>=…`, then `--host …`, then the file's address. */
export function addressOf(options: ServeOptions, block: { namespace?: string; address?: string }): string {
  return options.hosts?.[block.namespace ?? CONTROL_NAMESPACE] ?? options.hosts?.["*"] ?? block.address ?? DEFAULT_ADDRESS;
}

/** Refuses a `--port` or `--host` naming a namespace the file does not expose. */
export function checkNamespaces(capability: Capability, options: ServeOptions, controlBlock: ExposesControl | undefined): void {
  const blocks = capability.exposes;
  const known = (ns: string) =>
    ns === "*" ||
    blocks.some((b) => b.namespace === ns) ||
    (ns === CONTROL_NAMESPACE && (controlBlock !== undefined || options.controlPort !== undefined));
  for (const ns of [...Object.keys(options.ports ?? {}), ...Object.keys(options.hosts ?? {})]) {
    if (!known(ns))
      throw new Error(
        `no exposes block "${ns}" in ${capability.file} (exposes: ${blocks.map((b) => b.namespace ?? CONTROL_NAMESPACE).join(", ")})`,
      );
  }
}
