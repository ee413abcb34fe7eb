/**
 * OpenAPI 3.x → capability files in the generated dialect, one per tag: the same shape the
 * OpenAPI-to-capability generators emit (reverse-engineered from the 40 Equinix Metal files in
 * `capabilities/`, which it reproduces), so the rest of the runtime treats imported and found files
 * alike.
 *
 * Naming rules, as the generator applies them:
 * - capability namespace: `<prefix>-<tag>`, both lowercased with runs of other characters as `-`
 *   (`Metal API` + `Console Log Details` → `metal-console-log-details`);
 * - consumed resource: one per path, sorted by path; name = path without `/`, `{`, `}`
 *   (`/connections/{connection_id}/ports` → `connections-connection_id-ports`); operations sorted by method;
 * - consumed operation: lowercased `operationId` (the method when there is none); description =
 *   summary, else the first line of the description; parameters with `type` (the schema's own type,
 *   `string` when it has none or is a `$ref`), first line of `description`, `required: true` when required;
 *   a request body is one `body` parameter (`type: object`, "Request body (JSON).");
 * - REST: path `/v1` + the path with `_` in variables as `-`; one operation per consumed one, `with`
 *   every parameter from `rest.<name>`, output `$.`;
 * - MCP: one tool per operation, named from the summary (stop words dropped, first five words,
 *   kebab-case, `-2` on a clash), hints from the method (GET read-only, DELETE destructive, every
 *   method but POST idempotent);
 * - binds and authentication from the security scheme: one `<PROVIDER>_API_KEY` environment variable.
 */
import type { Authentication, HttpMethod } from "../spec/model.js";
import { operations, parametersOf, resolved, type Json, type OpenApiDocument, type OperationEntry } from "../openapi/document.js";

/** The document this importer writes: a `naftiko: 1.0.0-alpha2` capability in the generated dialect. */
export interface ImportedDocument {
  naftiko: string;
  info: { label: string; description: string; tags: string[]; created: string; modified: string };
  binds?: Bind[];
  capability: {
    consumes: Array<
      { namespace: string; resources: Array<{ name: string; path: string; operations: unknown[] }> } & Record<string, unknown>
    >;
    exposes: Array<Record<string, unknown>>;
  };
}

interface Bind {
  namespace: string;
  keys: Record<string, string>;
}

export interface ImportOptions {
  /** Only these tags (as written in the document); all tags with operations when empty. */
  tags?: string[];
  /** Namespace prefix; default: the title without "API", lowercased, letters and digits only. */
  prefix?: string;
  /** Provider name for tags, descriptions and the bound variable; default: from the server's host. */
  provider?: string;
  /** `created`/`modified` date; default today (UTC). */
  date?: string;
}

export interface ImportedCapability {
  tag: string;
  namespace: string;
  fileName: string;
  doc: ImportedDocument;
}

const STOP_WORDS = new Set(["a", "an", "the", "for", "of", "to", "by", "in", "from", "or", "and", "on", "with", "at", "as", "into"]);
/** A POST whose summary starts with one of these verbs only reads (`Check capacity`, `Search orders`). */
const READ_VERBS = new Set(["check", "validate", "search", "get", "list", "retrieve", "find", "query", "lookup", "view"]);
const METHOD_ORDER = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function importOpenApi(api: OpenApiDocument, options: ImportOptions = {}): ImportedCapability[] {
  const byTag = new Map<string, OperationEntry[]>();
  for (const entry of operations(api)) {
    for (const tag of entry.operation.tags?.length ? entry.operation.tags : ["default"]) {
      byTag.set(tag, [...(byTag.get(tag) ?? []), entry]);
    }
  }
  const wanted = options.tags?.length ? options.tags : [...byTag.keys()];
  const missing = wanted.filter((t) => !byTag.has(t));
  if (missing.length) {
    throw new Error(
      `no operations tagged ${missing.map((t) => `"${t}"`).join(", ")} (tags with operations: ${[...byTag.keys()].join(", ")})`,
    );
  }
  const title = (api.info?.title ?? "API").trim();
  const prefix = options.prefix ?? (slug(title.replace(/\bapi\b/gi, "").replace(/[^A-Za-z0-9]+/g, "")) || "api");
  const baseUri = api.servers?.[0]?.url;
  if (!baseUri || !/^https?:\/\//.test(baseUri))
    throw new Error(`the document has no absolute http(s) server URL (servers[0].url is ${baseUri ? `"${baseUri}"` : "missing"})`);
  const provider = options.provider ?? providerOf(baseUri);
  const date = options.date ?? new Date().toISOString().slice(0, 10);
  return wanted.map((tag) => {
    const namespace = `${prefix}-${slug(tag)}`;
    return {
      tag,
      namespace,
      fileName: `${namespace}.naftiko.yaml`,
      doc: capabilityFor(api, tag, byTag.get(tag)!, { namespace, title, provider, baseUri, date }),
    };
  });
}

interface Context {
  namespace: string;
  title: string;
  provider: string;
  baseUri: string;
  date: string;
}

function capabilityFor(api: OpenApiDocument, tag: string, entries: OperationEntry[], ctx: Context): ImportedDocument {
  const label = `${ctx.title} — ${tag}`;
  const paths = [...new Set(entries.map((e) => e.path))].sort();
  const ordered = paths.flatMap((p) =>
    entries.filter((e) => e.path === p).sort((a, b) => METHOD_ORDER(a.method.toUpperCase(), b.method.toUpperCase())),
  );
  const security = securityFor(api, ordered, ctx.provider);
  const lead = ordered[0] ? (ordered[0].operation.summary ?? tag) : tag;

  const resources = paths.map((path) => {
    const ops = ordered.filter((e) => e.path === path);
    return {
      name: resourceName(path),
      path,
      operations: ops.map((e) => ({
        name: operationName(e),
        method: e.method.toUpperCase() as HttpMethod,
        description: describe(e),
        outputRawFormat: "json",
        outputParameters: [{ name: "result", type: "object", value: "$." }],
        ...nonEmpty("inputParameters", inputParameters(api, e)),
      })),
    };
  });

  const withOf = (e: OperationEntry, prefix: string) =>
    Object.fromEntries(inputParameters(api, e).map((p) => [p.name, `${prefix}.${p.name}`]));
  const passthrough = [{ type: "object", mapping: "$." }];
  const toolNames = new Map<string, number>();

  const doc: ImportedDocument = {
    naftiko: "1.0.0-alpha2",
    info: {
      label,
      description: `${label}. ${ordered.length} operations. Lead operation: ${lead}. Self-contained Naftiko capability covering one ${ctx.provider} business surface.`,
      tags: [ctx.provider, tag],
      created: ctx.date,
      modified: ctx.date,
    },
    ...(security ? { binds: [security.bind] } : {}),
    capability: {
      consumes: [
        {
          type: "http",
          namespace: ctx.namespace,
          baseUri: ctx.baseUri,
          description: `${label} business capability. Self-contained, no shared references.`,
          resources,
          ...(security ? { authentication: security.authentication } : {}),
        },
      ],
      exposes: [
        {
          type: "rest",
          namespace: `${ctx.namespace}-rest`,
          port: 8080,
          description: `REST adapter for ${label}. One Spectral-compliant resource per consumed operation, prefixed with /v1.`,
          resources: paths.map((path) => ({
            path: `/v1${path.replace(/\{([^{}]+)\}/g, (_m, v: string) => `{${v.replace(/_/g, "-")}}`)}`,
            name: resourceName(path).replace(/_/g, "-"),
            description: `REST surface for ${resourceName(path)}.`,
            operations: ordered
              .filter((e) => e.path === path)
              .map((e) => ({
                method: e.method.toUpperCase() as HttpMethod,
                name: operationName(e),
                description: describe(e),
                call: `${ctx.namespace}.${operationName(e)}`,
                ...nonEmpty("with", withOf(e, "rest")),
                outputParameters: passthrough,
              })),
          })),
        },
        {
          type: "mcp",
          namespace: `${ctx.namespace}-mcp`,
          port: 9090,
          transport: "http",
          description: `MCP adapter for ${label}. One tool per consumed operation, routed inline through this capability's consumes block.`,
          tools: ordered.map((e) => {
            const method = e.method.toUpperCase();
            return {
              name: unique(toolName(describe(e)) || operationName(e), toolNames),
              description: describe(e),
              hints: { readOnly: readOnly(method, describe(e)), destructive: method === "DELETE", idempotent: method !== "POST" },
              call: `${ctx.namespace}.${operationName(e)}`,
              ...nonEmpty("with", withOf(e, "tools")),
              outputParameters: passthrough,
            };
          }),
        },
      ],
    },
  };
  return doc;
}

function inputParameters(api: OpenApiDocument, e: OperationEntry) {
  const params = parametersOf(api, e)
    .filter((p) => ["path", "query", "header", "cookie"].includes(p.in))
    .map((p) => ({
      name: p.name,
      in: p.in as "path" | "query" | "header" | "cookie",
      // The generator does not follow a schema `$ref`: such a parameter is typed `string`.
      type: (typeof p.schema?.type === "string" ? p.schema.type : "string") as "string",
      ...(p.description ? { description: firstLine(p.description) } : {}),
      ...(p.required || p.in === "path" ? { required: true } : {}),
    }));
  const body = e.operation.requestBody;
  if (body) {
    // Like the generator, `required` is read from the operation's own requestBody, not through a `$ref`.
    params.push({
      name: "body",
      in: "body" as "path",
      type: "object" as "string",
      description: "Request body (JSON).",
      required: body.required === true,
    });
  }
  return params;
}

function securityFor(
  api: OpenApiDocument,
  entries: OperationEntry[],
  provider: string,
): { bind: Bind; authentication: Authentication } | undefined {
  const requirement = api.security?.[0] ?? entries.find((e) => e.operation.security?.length)?.operation.security?.[0];
  const name = requirement && Object.keys(requirement)[0];
  if (!name) return undefined;
  const scheme = resolved<Json>(api, api.components?.securitySchemes?.[name]);
  if (!scheme) return undefined;
  const envPrefix = provider.toUpperCase().replace(/[^A-Z0-9]+/g, "_");
  const variable = `${envPrefix}_API_KEY`;
  const single = (v: string): Bind => ({ namespace: "env", keys: { [v]: v } });
  if (scheme.type === "apiKey" && (scheme.in === "header" || scheme.in === "query")) {
    return {
      bind: single(variable),
      authentication: { type: "apikey", key: String(scheme.name), value: `{{env.${variable}}}`, placement: scheme.in },
    };
  }
  if (scheme.type === "http" && String(scheme.scheme).toLowerCase() === "basic") {
    const user = `${envPrefix}_USERNAME`;
    const password = `${envPrefix}_PASSWORD`;
    return {
      bind: { namespace: "env", keys: { [user]: user, [password]: password } },
      authentication: { type: "basic", username: `{{env.${user}}}`, password: `{{env.${password}}}` },
    };
  }
  // http bearer, oauth2 and openIdConnect all end in a bearer token the operator supplies.
  return { bind: single(variable), authentication: { type: "bearer", token: `{{env.${variable}}}` } };
}

export function operationName(e: OperationEntry): string {
  return (e.operation.operationId ?? e.method).toLowerCase();
}

function describe(e: OperationEntry): string {
  return e.operation.summary?.trim() || firstLine(e.operation.description ?? "") || `${e.method.toUpperCase()} ${e.path}`;
}

function nonEmpty<K extends string, V extends object>(key: K, value: V): { [k in K]?: V } {
  return (Array.isArray(value) ? value.length : Object.keys(value).length) ? ({ [key]: value } as { [k in K]: V }) : {};
}

function resourceName(path: string): string {
  return (
    path
      .replace(/^\/+|\/+$/g, "")
      .replace(/[{}]/g, "")
      .replace(/\//g, "-") || "root"
  );
}

/** `List a interconnection's ports` → `list-interconnection-s-ports`. */
export function toolName(summary: string): string {
  const words = summary
    .split(/[\s\-_/]+/)
    .filter((w) => w && !STOP_WORDS.has(w.toLowerCase()))
    .map(slug)
    .filter(Boolean)
    .slice(0, 5);
  return words.join("-");
}

function readOnly(method: string, summary: string): boolean {
  if (method === "GET" || method === "HEAD") return true;
  return method === "POST" && READ_VERBS.has(summary.split(/\s+/)[0].toLowerCase());
}

function unique(name: string, seen: Map<string, number>): string {
  const n = (seen.get(name) ?? 0) + 1;
  seen.set(name, n);
  return n === 1 ? name : `${name}-${n}`;
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/** The generator keeps the first line of a description, at most 160 characters. */
function firstLine(text: string): string {
  return text.split("\n")[0].trim().slice(0, 160);
}

/** `https://api.equinix.com/metal/v1` → `Equinix`. */
function providerOf(baseUri: string): string {
  const labels = new URL(baseUri).hostname.split(".");
  const name = labels.length >= 2 ? labels[labels.length - 2] : labels[0];
  return name.charAt(0).toUpperCase() + name.slice(1);
}
