import { fs } from "./builtins.js";
import type { Ajv2020 } from "ajv/dist/2020.js";
import { lazyRequire } from "./lazy.js";
import { yaml } from "./spec/yaml.js";
import type { ConsumesSettings } from "./runtime.js";
import type { ServeOptions } from "./serve.js";

/**
 * The optional runtime config file (`naftiko serve --config naftiko.runtime.yaml`): settings that
 * belong to where a capability runs, not to the capability file. Command-line flags win over it.
 *
 * ```yaml
 * timeout: 30000            # ms, whole upstream call; 504 beyond
 * connectTimeout: 5000
 * maxBody: 1048576          # bytes; 413 beyond
 * grace: 10000              # ms for in-flight calls on SIGTERM
 * maxResponseBody: 33554432 # bytes of an upstream body read whole to map it; 502 beyond
 * retry: { retries: 2, baseDelay: 100, maxDelay: 2000, maxRetryAfter: 5000 }
 * limits: { maxInFlight: 64, queueTimeout: 2000, maxQueue: 1000 }
 * hosts: { "*": 127.0.0.1 } # exposes namespace (or *) → listen address
 * ports: { my-rest: 8080 }
 * consumes:                 # per consumes namespace
 *   metal-interconnections: { baseUri: http://127.0.0.1:4010, timeout: 10000, retry: { retries: 0 }, maxInFlight: 16 }
 * ```
 */
export type RuntimeConfig = Pick<
  ServeOptions,
  "callTimeout" | "connectTimeout" | "maxBodySize" | "grace" | "maxResponseBody" | "retry" | "limits" | "hosts" | "ports" | "consumes"
>;

const ms = { type: "integer", minimum: 1 };
const count = { type: "integer", minimum: 0 };
const retry = {
  type: "object",
  additionalProperties: false,
  properties: { retries: count, baseDelay: count, maxDelay: count, maxRetryAfter: count },
};
const SCHEMA = {
  type: "object",
  additionalProperties: false,
  properties: {
    timeout: ms,
    connectTimeout: ms,
    maxBody: ms,
    grace: ms,
    maxResponseBody: ms,
    retry,
    limits: {
      type: "object",
      additionalProperties: false,
      properties: { maxInFlight: { type: "integer", minimum: 1 }, queueTimeout: count, maxQueue: count },
    },
    hosts: { type: "object", additionalProperties: { type: "string", minLength: 1 } },
    ports: { type: "object", additionalProperties: { type: "integer", minimum: 0, maximum: 65535 } },
    consumes: {
      type: "object",
      additionalProperties: {
        type: "object",
        additionalProperties: false,
        properties: {
          baseUri: { type: "string", pattern: "^https?://" },
          timeout: ms,
          retry,
          maxInFlight: { type: "integer", minimum: 1 },
          queueTimeout: count,
          maxQueue: count,
        },
      },
    },
  },
};

let compiled: ReturnType<Ajv2020["compile"]> | undefined;
/**
 * Compiled on first use: ajv is loaded only when a config file is given, so `naftiko --help` and
 * the many runs without --config do not pay for it at start.
 */
const validator = () => {
  if (compiled) return compiled;
  const { Ajv2020: Ajv } = lazyRequire<typeof import("ajv/dist/2020.js")>("ajv/dist/2020.js");
  return (compiled = new Ajv({ allErrors: true, strict: false }).compile(SCHEMA));
};

export class ConfigError extends Error {}

export function loadRuntimeConfig(file: string): RuntimeConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(`--config ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let data: unknown;
  try {
    data = yaml().parse(text, { maxAliasCount: 100 }) ?? {};
  } catch (e) {
    throw new ConfigError(`--config ${file}: not valid YAML or JSON (${(e as Error).message.split("\n")[0]})`);
  }
  const validate = validator();
  if (!validate(data)) {
    const problems = (validate.errors ?? []).map((e) => {
      const where = e.instancePath.replace(/^\//, "").replace(/\//g, ".") || "(top)";
      const extra = e.keyword === "additionalProperties" ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"` : "";
      return `${where}: ${e.message}${extra}`;
    });
    throw new ConfigError(`--config ${file}: ${problems.join("; ")}`);
  }
  const c = data as {
    timeout?: number;
    connectTimeout?: number;
    maxBody?: number;
    grace?: number;
    maxResponseBody?: number;
    retry?: RuntimeConfig["retry"];
    limits?: RuntimeConfig["limits"];
    hosts?: Record<string, string>;
    ports?: Record<string, number>;
    consumes?: Record<string, ConsumesSettings>;
  };
  return {
    callTimeout: c.timeout,
    connectTimeout: c.connectTimeout,
    maxBodySize: c.maxBody,
    grace: c.grace,
    maxResponseBody: c.maxResponseBody,
    retry: c.retry,
    limits: c.limits,
    hosts: c.hosts,
    ports: c.ports,
    consumes: c.consumes,
  };
}

/** Command-line options over config-file ones; nested retry/limits/hosts/ports merged key by key. */
export function mergeOptions(config: RuntimeConfig, cli: ServeOptions): ServeOptions {
  const out: Record<string, unknown> = { ...config };
  for (const [k, v] of Object.entries(cli)) {
    if (v === undefined) continue;
    const base = out[k];
    out[k] = base && typeof base === "object" && v && typeof v === "object" && !Array.isArray(v) ? { ...base, ...v } : v;
  }
  return out as ServeOptions;
}
