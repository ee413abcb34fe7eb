import { availableParallelism } from "node:os";
import { createLogger, LOG_LEVELS, type RuntimeLogger } from "../observability/log.js";
import { watchCapability, type Watching } from "../reload.js";
import { loadRuntimeConfig, mergeOptions } from "../config.js";
import { attachWorker } from "../cluster/worker.js";
import { WORKER_INDEX } from "../cluster/protocol.js";
import { installCrashHandlers } from "../crash.js";
import { serveCapability, type ServeOptions } from "../serve.js";
import { BindError } from "../spec/binds.js";
import { loadCapability } from "../spec/load.js";
import { chooseOpenApi } from "../spec/openapi-choice.js";
import type { ExposesMcp } from "../spec/model.js";
import { CapabilityError, formatProblem } from "../spec/problems.js";
import { parseCommandArgs } from "./args.js";

/** `serve`'s options, also those of a `naftiko build` binary. */
export const SERVE_ARGS = {
  "base-uri": { type: "string", multiple: true },
  host: { type: "string", multiple: true },
  port: { type: "string", multiple: true },
  "connect-timeout": { type: "string" },
  timeout: { type: "string" },
  "max-body": { type: "string" },
  grace: { type: "string" },
  stdio: { type: "boolean" },
  "mcp-sessions": { type: "boolean" },
  "allowed-host": { type: "string", multiple: true },
  "allowed-origin": { type: "string", multiple: true },
  openapi: { type: "string" },
  "control-port": { type: "string" },
  "log-level": { type: "string" },
  watch: { type: "boolean" },
  config: { type: "string" },
  retries: { type: "string" },
  "retry-delay": { type: "string" },
  "max-retry-after": { type: "string" },
  "max-in-flight": { type: "string" },
  "queue-timeout": { type: "string" },
} as const;

/**
 * `naftiko serve <file>`: loads, validates and serves a capability until SIGINT/SIGTERM. `prefix`
 * starts each line about a usage mistake (a binary's own name when it serves its embedded file).
 */
export async function serveCommand(argv: string[], prefix = "naftiko serve"): Promise<number | void> {
  const code = await serve(argv, prefix);
  // A worker of `--workers` (stopped, or unable to start): its channel to the primary would keep it
  // alive. Through cluster's own disconnect, which leaves the exit code as it is.
  if (process.env[WORKER_INDEX] !== undefined && process.connected) (await import("node:cluster")).default.worker?.disconnect();
  return code;
}

/** `--workers` is the CLI's own: a `naftiko build` binary serves from one process. */
const CLI_SERVE_ARGS = { ...SERVE_ARGS, workers: { type: "string" } } as const;

async function serve(argv: string[], prefix: string): Promise<number | void> {
  const { positionals, values } = parseCommandArgs(argv, CLI_SERVE_ARGS);
  if (positionals.length !== 1) {
    process.stderr.write('naftiko serve: name exactly one capability file, e.g. "naftiko serve metal-interconnections.naftiko.yaml"\n');
    return 2;
  }
  const file = positionals[0];
  let options: ServeOptions;
  let workers: number;
  try {
    workers = workerCount(values.workers);
    if (workers > 1 && values.stdio)
      throw new Error("--stdio serves one MCP client on stdin/stdout, which only one process can read: drop --workers, or --stdio");
    const config = values.config ? loadRuntimeConfig(values.config) : {};
    options = mergeOptions(config, {
      retry: definedOnly({
        retries: count(values.retries, "--retries"),
        baseDelay: count(values["retry-delay"], "--retry-delay"),
        maxRetryAfter: count(values["max-retry-after"], "--max-retry-after"),
      }),
      limits: definedOnly({
        maxInFlight: millis(values["max-in-flight"], "--max-in-flight"),
        queueTimeout: count(values["queue-timeout"], "--queue-timeout"),
      }),
      baseUris: pairs(values["base-uri"], "--base-uri", "<consumesNamespace>=<url>", (v) => {
        const u = new URL(v);
        if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("must be an http(s) URL");
        return v;
      }),
      hosts: hostPairs(values.host),
      ports: pairs(values.port, "--port", "<exposesNamespace>=<port>", port),
      connectTimeout: millis(values["connect-timeout"], "--connect-timeout"),
      callTimeout: millis(values.timeout, "--timeout"),
      maxBodySize: millis(values["max-body"], "--max-body"),
      grace: millis(values.grace, "--grace"),
      stdio: values.stdio,
      mcpSessions: values["mcp-sessions"],
      allowedHosts: values["allowed-host"],
      allowedOrigins: values["allowed-origin"],
      controlPort: values["control-port"] === undefined ? undefined : flagPort(values["control-port"], "--control-port"),
    });
    const level = values["log-level"] ?? "info";
    if (!(LOG_LEVELS as readonly string[]).includes(level))
      throw new Error(`--log-level must be one of ${LOG_LEVELS.join(", ")}, got "${level}"`);
    options.logger = await createLogger({ level: level as (typeof LOG_LEVELS)[number], atomicLines: workers > 1 });
  } catch (e) {
    process.stderr.write(`${prefix}: ${(e as Error).message}\n`);
    return 2;
  }

  const logging = options.logger as RuntimeLogger;
  const { logger } = logging;
  // With --workers this process is either the primary (it forks and watches over the workers) or
  // one of the workers (it serves, and the primary serves the control port).
  const worker = workers > 1 && (await import("node:cluster")).default.isWorker;
  const primary = workers > 1 && !worker;
  if (worker) {
    options.controlElsewhere = true;
    // Every worker would log the same startup lines: worker 0 logs them.
    if (process.env[WORKER_INDEX] !== "0") options.log = (line) => logger.debug(line);
  }
  let served;
  let watching: Watching | undefined;
  try {
    const capability = await loadCapability(file);
    for (const w of capability.warnings) process.stderr.write(`${formatProblem(w)}\n`);
    // The OpenAPI reader (and `yaml`) is loaded only for a capability that has a document.
    const openapi = await chooseOpenApi(capability.file, values.openapi);
    const schemas = openapi ? await (await import("../spec/openapi-schemas.js")).schemasFromOpenApi(capability, openapi) : undefined;
    if (schemas) {
      options.schemas = schemas.byOperation;
      const total = capability.operations.size;
      process.stderr.write(
        `naftiko: schemas from ${schemas.file} for ${schemas.byOperation.size} of ${total} operation${total === 1 ? "" : "s"}${schemas.unmatched.length ? ` (no match: ${schemas.unmatched.join(", ")})` : ""}\n`,
      );
    }
    if (primary) {
      const stdioBlock = capability.exposes.find((b) => b.type === "mcp" && (b as ExposesMcp).transport === "stdio");
      if (stdioBlock) {
        process.stderr.write(
          `naftiko serve: ${capability.file} serves MCP block "${stdioBlock.namespace}" on stdin/stdout (transport: stdio), which only one process can read: serve it without --workers\n`,
        );
        return 2;
      }
      const { servePrimary } = await import("../cluster/primary.js");
      return await servePrimary({ file, capability, options, workers, watch: values.watch === true });
    }
    served = await serveCapability(capability, options);
    const redactor = served.runtime.redactor;
    installCrashHandlers((t) => redactor.redact(t));
    const label = capability.info?.display ?? capability.file;
    // A worker is reloaded by the primary, which watches the file.
    if (values.watch && !worker) watching = watchCapability(file, capability, served, logger);
    if (!worker) logger.info({ capability: label, file: capability.file, watch: values.watch === true }, `naftiko: ready — ${label}`);
  } catch (e) {
    if (e instanceof CapabilityError) {
      for (const p of e.problems) process.stderr.write(`${formatProblem(p)}\n`);
      return 1;
    }
    if (e instanceof BindError) {
      process.stderr.write(`${prefix}: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`${prefix}: ${(e as Error).message}\n`);
    return 1;
  }

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      (worker ? logger.debug : logger.info).call(logger, { signal }, `naftiko: ${signal}, finishing in-flight calls`);
      watching?.close();
      served.close().then(resolve, resolve);
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
    served.stdioClosed?.then(() => stop("end of stdin"));
    if (worker) attachWorker(served, logging, file, () => stop("stop from the primary"));
  });
  (worker ? logger.debug : logger.info).call(logger, "naftiko: stopped");
  return 0;
}

/** `--workers N|auto`: how many processes serve; `auto` is one per CPU this process may use. */
function workerCount(v: string | undefined): number {
  if (v === undefined) return 1;
  if (v === "auto") return availableParallelism();
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--workers must be a positive integer or "auto", got "${v}"`);
  return n;
}

function pairs<T>(list: string[] | undefined, flag: string, form: string, parse: (v: string) => T): Record<string, T> {
  const out: Record<string, T> = {};
  for (const item of list ?? []) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new Error(`${flag} expects ${form}, got "${item}"`);
    try {
      out[item.slice(0, eq)] = parse(item.slice(eq + 1));
    } catch (e) {
      throw new Error(`${flag} ${item}: ${(e as Error).message}`);
    }
  }
  return out;
}

/** `--host 0.0.0.0` applies to every block; `--host ns=addr` to one. */
function hostPairs(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list ?? []) {
    const eq = item.indexOf("=");
    if (eq < 0) out["*"] = item;
    else out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

function flagPort(v: string, flag: string): number {
  try {
    return port(v);
  } catch (e) {
    throw new Error(`${flag} ${(e as Error).message}, got "${v}"`);
  }
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error("port must be an integer from 0 to 65535");
  return n;
}

function count(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} must be a non-negative integer, got "${v}"`);
  return n;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function millis(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} must be a positive integer, got "${v}"`);
  return n;
}
