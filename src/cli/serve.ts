import { createLogger, LOG_LEVELS, type RuntimeLogger } from "../observability/log.js";
import { watchCapability, type Watching } from "../reload.js";
import { loadRuntimeConfig, mergeOptions } from "../config.js";
import { installCrashHandlers } from "../crash.js";
import { serveCapability, type ServeOptions } from "../serve.js";
import { BindError } from "../spec/binds.js";
import { loadCapability } from "../spec/load.js";
import { chooseOpenApi } from "../spec/openapi-choice.js";
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
  const { positionals, values } = parseCommandArgs(argv, SERVE_ARGS);
  if (positionals.length !== 1) {
    process.stderr.write('naftiko serve: name exactly one capability file, e.g. "naftiko serve metal-interconnections.naftiko.yaml"\n');
    return 2;
  }
  const file = positionals[0];
  let options: ServeOptions;
  try {
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
    options.logger = await createLogger({ level: level as (typeof LOG_LEVELS)[number] });
  } catch (e) {
    process.stderr.write(`${prefix}: ${(e as Error).message}\n`);
    return 2;
  }

  const { logger } = options.logger as RuntimeLogger;
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
    served = await serveCapability(capability, options);
    const redactor = served.runtime.redactor;
    installCrashHandlers((t) => redactor.redact(t));
    const label = capability.info?.display ?? capability.file;
    if (values.watch) watching = watchCapability(file, capability, served, logger);
    logger.info({ capability: label, file: capability.file, watch: values.watch === true }, `naftiko: ready — ${label}`);
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
    const stop = (signal: string) => {
      logger.info({ signal }, `naftiko: ${signal}, finishing in-flight calls`);
      watching?.close();
      served.close().then(resolve, resolve);
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
    served.stdioClosed?.then(() => stop("end of stdin"));
  });
  logger.info("naftiko: stopped");
  return 0;
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
