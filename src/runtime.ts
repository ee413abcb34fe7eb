import { compileAuth } from "./consumes/http/auth.js";
import { environmentInputs } from "./consumes/http/environment.js";
import { compileForward, type Forwarder } from "./consumes/http/forward.js";
import { DEFAULT_LIMITS, Limiter, type LimiterOptions } from "./consumes/http/limiter.js";
import { compileOperation, type OperationPlan } from "./consumes/http/plan.js";
import { Pools } from "./consumes/http/pool.js";
import { DEFAULT_RETRY, type RetryPolicy } from "./consumes/http/retry.js";
import { declaredNonIdempotent } from "./exposes/hints.js";
import { Scripting } from "./orchestration/scripting.js";
import type { Lookup } from "./mapping/template.js";
import { Redactor } from "./secrets.js";
import { resolveBinds, type BindValues } from "./spec/binds.js";
import type { OperationSchemas } from "./spec/openapi-schemas.js";
import type { Capability, ConsumedOperation, ConsumesHttp, Invocable } from "./spec/model.js";
import { scriptSteps } from "./spec/scripts.js";

/** Settings that are not in the capability file: where things run and how long they may take. */
export interface RuntimeOptions {
  /** consumes namespace → base URI to use instead of the file's `baseUri`. */
  baseUris?: Record<string, string>;
  /** Milliseconds to connect to an upstream. */
  connectTimeout?: number;
  /** Milliseconds for a whole upstream call. */
  callTimeout?: number;
  /** Keep-alive connections per upstream origin. */
  connections?: number;
  /** Largest upstream error body relayed to a caller, in bytes. */
  maxErrorBody?: number;
  env?: NodeJS.ProcessEnv;
  /** `consumesNamespace.operation` → schemas from the upstream's OpenAPI document (`--openapi`). */
  schemas?: ReadonlyMap<string, OperationSchemas>;
  /** Describe only (OpenAPI export, inspect): binds are not resolved and nothing is called. */
  describeOnly?: boolean;
  /** Wraps each compiled plan (metrics, traces, the trace context it forwards). */
  instrument?: {
    plan(plan: OperationPlan): OperationPlan;
    forward?(forwarder: Forwarder): Forwarder;
  };
  /** Retries of idempotent upstream calls (see consumes/http/retry.ts). */
  retry?: Partial<RetryPolicy>;
  /** Most bytes of an upstream response read whole to map or convert it (default 32 MiB); 502 beyond. */
  maxResponseBody?: number;
  /** In-flight upstream calls per consumes block, and how long and how many callers may wait. */
  limits?: Partial<LimiterOptions>;
  /** consumes namespace → settings for that block only (from the runtime config file). */
  consumes?: Record<string, ConsumesSettings>;
}

/** What can be set for one consumes block; unset fields fall back to the runtime-wide ones. */
export interface ConsumesSettings {
  baseUri?: string;
  timeout?: number;
  retry?: Partial<RetryPolicy>;
  maxInFlight?: number;
  queueTimeout?: number;
  maxQueue?: number;
}

export const DEFAULTS = {
  connectTimeout: 5_000,
  callTimeout: 30_000,
  connections: 64,
  maxErrorBody: 1 << 20,
} as const;

/**
 * A capability compiled for serving: binds resolved, every consumed operation planned, pools ready.
 * Exposes adapters (REST, MCP) are built on top of this and share it.
 */
export interface Runtime {
  capability: Capability;
  /** The compiled plan of a consumed operation, compiled the first time it is asked for. */
  planOf(operation: ConsumedOperation): OperationPlan;
  /** The plan of every consumed operation, in the file's order. */
  allPlans(): OperationPlan[];
  /** The forwarder of a consumes block some exposed resource forwards to. */
  forwarderOf(target: ConsumesHttp): Forwarder;
  binds: Lookup;
  redactor: Redactor;
  callTimeout: number;
  maxErrorBody: number;
  /** Most bytes of an upstream response read whole (`--config` maxResponseBody); undefined: the default. */
  maxResponseBody?: number;
  /** Script steps' settings, files and sandboxes; there when the capability has script steps. */
  scripting?: Scripting;
  close(): Promise<void>;
}

export function createRuntime(capability: Capability, options: RuntimeOptions = {}): Runtime {
  const bindValues: BindValues = options.describeOnly ? new Map() : resolveBinds(capability.binds, capability.file, options.env);
  const binds: Lookup = (name) => bindValues.get(name);
  const environment = options.describeOnly ? undefined : environmentInputs(capability, options.env ?? process.env, binds);
  const lookupOf = (c: ConsumesHttp) => environment?.block(c) ?? binds;
  const redactor = new Redactor(secretForms([...bindValues.values(), ...(environment?.values ?? [])], capability.consumes, lookupOf));
  const pools = new Pools({
    connectTimeout: options.connectTimeout ?? DEFAULTS.connectTimeout,
    connections: options.connections ?? DEFAULTS.connections,
  });

  for (const [what, names] of [
    ["--base-uri", options.baseUris],
    ["the runtime config", options.consumes],
  ] as const) {
    for (const ns of Object.keys(names ?? {})) {
      if (!capability.consumes.some((c) => c.namespace === ns)) {
        throw new Error(
          `${what} names consumes namespace "${ns}", which ${capability.file} does not have (it has: ${capability.consumes.map((c) => c.namespace).join(", ")})`,
        );
      }
    }
  }
  const notIdempotent = nonIdempotentCalls(capability);
  const limiters = new Map<string, Limiter>();
  // Worked out once per block, not once per operation (a large file has thousands).
  const settings = new Map<ConsumesHttp, ReturnType<typeof settingsOf>>();
  const blockSettings = (c: ConsumesHttp) => {
    let s = settings.get(c);
    if (!s) settings.set(c, (s = settingsOf(c)));
    return s;
  };
  /** The settings of one consumes block: operations and forward share its base URI and its in-flight limit. */
  const settingsOf = (c: ConsumesHttp) => {
    const ns = c.namespace;
    const own = options.consumes?.[ns] ?? {};
    let limiter = limiters.get(ns);
    if (!limiter) {
      const limits = {
        ...DEFAULT_LIMITS,
        ...definedOnly(options.limits ?? {}),
        ...definedOnly({ maxInFlight: own.maxInFlight, queueTimeout: own.queueTimeout, maxQueue: own.maxQueue }),
      };
      limiters.set(ns, (limiter = new Limiter(ns, limits)));
    }
    return {
      baseUri: options.baseUris?.[ns] ?? own.baseUri ?? c.baseUri,
      policy: {
        retry: { ...DEFAULT_RETRY, ...definedOnly(options.retry ?? {}), ...definedOnly(own.retry ?? {}) },
        limiter,
        timeout: own.timeout,
        maxResponseBody: options.maxResponseBody,
      },
    };
  };
  // Plans are compiled as calls first need them: a file with thousands of operations serves its
  // first request without planning the others. Every operation is one the loader resolved, so a
  // plan compiles the same whenever it is asked for.
  const plans = new Map<ConsumedOperation, OperationPlan>();
  const planOf = (operation: ConsumedOperation): OperationPlan => {
    let plan = plans.get(operation);
    if (plan) return plan;
    if (capability.operations.get(operation.key) !== operation)
      throw new Error(`no plan for ${operation.key}: the operation is not one of this capability's`);
    const { baseUri, policy } = blockSettings(operation.consumes);
    plan = compileOperation(operation, baseUri, environment?.operation(operation) ?? binds, pools, {
      ...policy,
      idempotent: !notIdempotent.has(operation),
    });
    const schemas = options.schemas?.get(operation.key);
    if (schemas) plan.schemas = schemas;
    plan = options.instrument ? options.instrument.plan(plan) : plan;
    plans.set(operation, plan);
    return plan;
  };
  const forwarders = new Map<ConsumesHttp, Forwarder>();
  for (const target of forwardTargets(capability)) {
    const { baseUri, policy } = blockSettings(target);
    const forwarder = compileForward(target, baseUri, lookupOf(target), pools, policy);
    forwarders.set(target, options.instrument?.forward ? options.instrument.forward(forwarder) : forwarder);
  }

  const scripting = scriptSteps(capability).length ? new Scripting(capability) : undefined;
  return {
    capability,
    scripting,
    binds,
    redactor,
    callTimeout: options.callTimeout ?? DEFAULTS.callTimeout,
    maxErrorBody: options.maxErrorBody ?? DEFAULTS.maxErrorBody,
    maxResponseBody: options.maxResponseBody,
    planOf,
    allPlans: () => [...capability.operations.values()].map(planOf),
    forwarderOf(target) {
      const forwarder = forwarders.get(target);
      if (!forwarder) throw new Error(`no forwarder for consumes "${target.namespace}": no exposed resource forwards to it`);
      return forwarder;
    },
    close: async () => {
      await Promise.all([pools.close(), scripting?.close()]);
    },
  };
}

/** Consumes blocks that an exposed REST resource forwards to. */
function forwardTargets(capability: Capability): Set<ConsumesHttp> {
  const out = new Set<ConsumesHttp>();
  for (const block of capability.exposes) {
    if (block.type === "rest") for (const r of block.resources) if (r.forward?.target) out.add(r.forward.target);
  }
  return out;
}

/** Consumed operations a unit of the file declares non-idempotent: their calls are never retried. */
function nonIdempotentCalls(capability: Capability): Set<ConsumedOperation> {
  const out = new Set<ConsumedOperation>();
  const units: Invocable[] = capability.aggregates.flatMap((a) => a.flows);
  for (const block of capability.exposes) {
    if (block.type === "mcp") units.push(...block.tools, ...block.resources);
    if (block.type === "rest") units.push(...block.resources.flatMap((r) => r.operations));
  }
  for (const unit of units) if (unit.call && declaredNonIdempotent(unit)) out.add(unit.call);
  return out;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Every form in which an upstream may echo a credential back (its error bodies are relayed): the
 * bound values (and environment inputs) and the auth headers built from them (a Basic header is base64, not the password),
 * each also percent-encoded (as in a query string) and JSON-escaped (as in a JSON error body).
 */
function secretForms(values: Iterable<string>, consumes: ConsumesHttp[], lookupOf: (c: ConsumesHttp) => Lookup): string[] {
  const raw = [...values];
  for (const c of consumes) {
    const auth = compileAuth(c.authentication, lookupOf(c));
    // For Authorization, the credential after the scheme (`Basic <base64>`); redacting it covers the whole header.
    for (const [name, value] of Object.entries(auth.headers)) raw.push(name === "authorization" ? value.replace(/^\S+\s*/, "") : value);
    for (const [, value] of auth.query) raw.push(value);
  }
  return raw.flatMap((s) => [s, encodeURIComponent(s), JSON.stringify(s).slice(1, -1)]);
}
