import type { Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Capability } from "../../spec/load.js";
import { formatPath, type DocPath } from "../../spec/problems.js";
import { MAX_FILE_BYTES } from "../../spec/source.js";

/**
 * The control port's configuration endpoints: `GET /config` (with `management.info`), the
 * capability as it is served; `POST /config/reload` (`management.reload`), the file read again and
 * swapped in; `POST /config/validate` (`management.validate`), a candidate version checked against
 * the running one without applying it.
 */

/** One difference between two versions of the document; values only for scalars outside credentials. */
export interface Change {
  path: string;
  from?: unknown;
  to?: unknown;
}

export type ReloadOutcome =
  { status: "applied"; changes: Change[] } | { status: "rejected"; reason: string; problems?: string[]; structural?: boolean };

export interface ValidationReport {
  /** Serving this version would work (the file and its binds). */
  valid: boolean;
  /** …and a reload would apply it: nothing that needs a restart changed. */
  reloadable: boolean;
  structuralChanges: string[];
  problems: string[];
  warnings: string[];
}

export interface ConfigOperations {
  /** The capability being served now. */
  current(): Capability;
  redact(text: string): string;
  reload(): Promise<ReloadOutcome>;
  validate(text: string): Promise<ValidationReport>;
}

export function mountConfig(app: Hono, ops: ConfigOperations, enabled: { info: boolean; reload: boolean; validate: boolean }): string[] {
  const served: string[] = [];
  // The reload and validate routes first: they are not sub-documents of /config.
  if (enabled.reload) {
    served.push("POST /config/reload");
    app.post("/config/reload", bodyLimit({ maxSize: 1024, onError: (c) => bodyGiven(c, ops) }), async (c) => {
      if ((await c.req.text()).length) return bodyGiven(c, ops);
      const outcome = await ops.reload();
      if (outcome.status === "applied") return c.json(outcome);
      const { structural, ...body } = outcome;
      return c.json(body, structural ? 409 : 422);
    });
  }
  if (enabled.validate) {
    served.push("POST /config/validate");
    app.post("/config/validate", bodyLimit({ maxSize: MAX_FILE_BYTES, onError: (c) => c.json(tooLarge(), 413) }), async (c) => {
      const text = await c.req.text();
      if (!text.trim())
        return c.json({ error: "invalid_request", message: "send the candidate capability document (YAML or JSON) as the body" }, 400);
      return c.json(await ops.validate(text));
    });
  }
  if (enabled.info) {
    served.push("/config");
    app.get("/config", (c) =>
      c.body(ops.redact(JSON.stringify(servedDocument(ops.current()))), 200, { "content-type": "application/json" }),
    );
  }
  return served;
}

/** A reload reads the file on disk; a version sent in the body is checked by /config/validate instead. */
function bodyGiven(c: Context, ops: ConfigOperations) {
  return c.json(
    { status: "rejected", reason: `a reload reads ${ops.current().file} again; send no body (check a candidate with /config/validate)` },
    400,
  );
}
const tooLarge = () => ({ error: "too_large", message: `a capability document is at most ${MAX_FILE_BYTES} bytes` });

/** Authentication fields that name things rather than hold credentials. */
const NOT_SECRET = new Set(["type", "placement", "key", "authorizationServerUri", "resource", "scopes", "audience", "issuer", "realm"]);

/**
 * The capability as it is served: the one model every spec version loads into (newest words),
 * imports merged in, references written as the names a file gives them, credentials written in the
 * file replaced by "***" (a `{{bound}}` reference stays: it is a name, not the value).
 */
export function servedDocument(capability: Capability): unknown {
  const { specVersion, info, binds, consumes, aggregates, exposes } = capability;
  const text = JSON.stringify({ specVersion, info, binds, consumes, aggregates, exposes }, asWritten);
  return hideCredentials(JSON.parse(text));
}

/** Model references back as names: an operation's block and resource are where it is listed. */
function asWritten(this: unknown, key: string, value: unknown): unknown {
  const holder = this as Record<string, unknown>;
  // A script step's location resolved on this machine: the step's own `location` says it.
  if (key === "directory" && holder.type === "script") return undefined;
  if (!value || typeof value !== "object") return value;
  if ((key === "consumes" || key === "resource") && "method" in holder && "key" in holder) return undefined;
  if ((key === "call" || key === "flow") && typeof (value as { key?: unknown }).key === "string") return (value as { key: string }).key;
  if (key === "target" && typeof (value as { namespace?: unknown }).namespace === "string")
    return (value as { namespace: string }).namespace;
  return value;
}

function hideCredentials(value: unknown, inAuth = false, key = ""): unknown {
  if (Array.isArray(value)) return value.map((v) => hideCredentials(v, inAuth, key));
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, hideCredentials(v, inAuth || k === "authentication", inAuth ? k : key)]),
    );
  if (inAuth && typeof value === "string" && !NOT_SECRET.has(key) && !/^\s*\{\{[^{}]+\}\}\s*$/.test(value)) return "***";
  return value;
}

/** What changed from one version of the document to the next, at most `limit` differences. */
export function changesBetween(before: unknown, after: unknown, limit = 200): Change[] {
  const out: Change[] = [];
  const walk = (a: unknown, b: unknown, at: DocPath, secret: boolean) => {
    if (out.length >= limit) return;
    if (isContainer(a) && isContainer(b) && Array.isArray(a) === Array.isArray(b)) {
      const keys = Array.isArray(a)
        ? [...Array(Math.max(a.length, (b as unknown[]).length)).keys()]
        : [...new Set([...Object.keys(a), ...Object.keys(b as object)])];
      for (const k of keys) {
        const x = (a as Record<string | number, unknown>)[k];
        const y = (b as Record<string | number, unknown>)[k];
        walk(x, y, [...at, k], secret || k === "authentication");
      }
      return;
    }
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    const change: Change = { path: formatPath(at) };
    if (!secret && a !== undefined && !isContainer(a)) change.from = a;
    if (!secret && b !== undefined && !isContainer(b)) change.to = b;
    out.push(change);
  };
  walk(before, after, [], false);
  return out;
}

const isContainer = (v: unknown): v is object => typeof v === "object" && v !== null;
