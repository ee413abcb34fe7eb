/**
 * Request-body and response schemas from the upstream's OpenAPI document, for capability files that
 * only say "Request body (JSON)". Each consumed operation is matched to an OpenAPI operation by method
 * and path (the consumes `baseUri` path + the resource path, or the resource path alone, against each
 * server's path + the OpenAPI path; variable names do not matter). Schemas are converted from OpenAPI
 * 3.0 to self-contained JSON Schema 2020-12: request bodies with every `$ref` inlined (what an agent
 * reads to build a call; a recursive reference becomes `#/$defs/<Name>`), responses with each referenced
 * schema once under `$defs` (inlining Metal's responses would make each ~90 KB).
 *
 * Conversion rules (documented in docs/OPENAPI.md):
 * - `nullable: true` adds `null` to `type`; boolean `exclusiveMinimum`/`exclusiveMaximum` become numbers;
 * - `oneOf` is checked as `anyOf`: OpenAPI documents use it for alternatives that overlap (Metal's
 *   virtual-circuit create input matches both branches for many valid bodies);
 * - `discriminator`, `example`, `xml`, `externalDocs` and `x-*` are dropped; `format`s the validator
 *   does not know are dropped;
 * - inputs: `readOnly` properties are not required; outputs are lenient (no `required`, every type
 *   also allows `null`, extra properties allowed) because real APIs drift from their documents and an MCP
 *   client rejects a result that violates the advertised `outputSchema`.
 */
import { deref, operations, pathShape, resolved, type Json, type OpenApiDocument } from "../openapi/document.js";
import type { Capability } from "./load.js";
import { chooseOpenApi } from "./openapi-choice.js";

export interface OperationSchemas {
  /** The JSON request body's schema (root may be any type). */
  body?: Json;
  /** The success response's schema (root may be any type: MCP's 2025 revisions see a non-object one wrapped). */
  response?: Json;
  /** Where it came from: `POST /connections/{connection_id}/ports/{port_id}/virtual-circuits`. */
  source: string;
}

export interface AttachedSchemas {
  /** `consumesNamespace.operationName` → schemas. */
  byOperation: Map<string, OperationSchemas>;
  /** Consumed operations the document has no match for. */
  unmatched: string[];
}

const KNOWN_FORMATS = new Set([
  "date",
  "time",
  "date-time",
  "iso-time",
  "iso-date-time",
  "duration",
  "uri",
  "uri-reference",
  "uri-template",
  "url",
  "email",
  "hostname",
  "ipv4",
  "ipv6",
  "regex",
  "uuid",
  "json-pointer",
  "json-pointer-uri-fragment",
  "relative-json-pointer",
  "byte",
  "int32",
  "int64",
  "float",
  "double",
  "password",
  "binary",
]);
const DROPPED = new Set(["discriminator", "example", "examples", "xml", "externalDocs", "nullable"]);

export function attachSchemas(capability: Capability, api: OpenApiDocument): AttachedSchemas {
  const index = new Map<string, { method: string; path: string; entry: ReturnType<typeof operations>[number] }>();
  const serverPaths = (api.servers?.length ? api.servers : [{ url: "/" }]).map((s) => {
    try {
      return new URL(s.url, "http://x").pathname.replace(/\/+$/, "");
    } catch {
      return "";
    }
  });
  for (const entry of operations(api)) {
    for (const sp of new Set([...serverPaths, ""])) {
      const key = `${entry.method.toUpperCase()} ${pathShape(sp + entry.path)}`;
      if (!index.has(key)) index.set(key, { method: entry.method.toUpperCase(), path: entry.path, entry });
    }
  }
  const byOperation = new Map<string, OperationSchemas>();
  const unmatched: string[] = [];
  for (const [key, ref] of capability.operations) {
    const method = ref.method;
    let basePath = "";
    try {
      basePath = new URL(ref.consumes.baseUri).pathname.replace(/\/+$/, "");
    } catch {
      /* a templated baseUri: match on the resource path alone */
    }
    const found =
      index.get(`${method} ${pathShape(basePath + ref.resource.path)}`) ?? index.get(`${method} ${pathShape(ref.resource.path)}`);
    if (!found) {
      unmatched.push(key);
      continue;
    }
    const op = found.entry.operation;
    const schemas: OperationSchemas = { source: `${found.method} ${found.path}` };
    const body = jsonSchemaOf(api, op.requestBody);
    if (body) schemas.body = toJsonSchema(api, body, "input");
    const responses = op.responses ?? {};
    const success = ["200", "201", "202"].find((s) => s in responses) ?? Object.keys(responses).find((s) => /^2/.test(s));
    const response = success ? jsonSchemaOf(api, responses[success]) : undefined;
    if (response) {
      schemas.response = outputRoot(toJsonSchema(api, response, "output"));
    }
    byOperation.set(key, schemas);
  }
  return { byOperation, unmatched };
}

function jsonSchemaOf(api: OpenApiDocument, node: unknown): Json | undefined {
  const holder = resolved<Json | undefined>(api, node);
  const content = holder?.content as Record<string, Json> | undefined;
  if (!content) return undefined;
  const type = Object.keys(content).find((t) => /^application\/([\w.+-]*\+)?json\b/i.test(t)) ?? (content["*/*"] ? "*/*" : undefined);
  return type ? (content[type].schema as Json | undefined) : undefined;
}

/** OpenAPI 3.0 schema → self-contained JSON Schema 2020-12. */
export function toJsonSchema(api: OpenApiDocument, schema: Json, mode: "input" | "output"): Json {
  const inline = mode === "input";
  const defs: Record<string, Json> = {};
  const defNames = new Map<string, string>();
  const pending: string[] = [];
  const nameOf = (ref: string) => {
    let name = defNames.get(ref);
    if (!name) {
      const base = ref
        .split("/")
        .pop()!
        .replace(/[^A-Za-z0-9_.-]/g, "_");
      name = base;
      for (let i = 2; [...defNames.values()].includes(name); i++) name = `${base}_${i}`;
      defNames.set(ref, name);
      pending.push(ref);
    }
    return name;
  };

  const walk = (node: unknown, stack: string[]): unknown => {
    if (Array.isArray(node)) return node.map((n) => walk(n, stack));
    if (!node || typeof node !== "object") return node;
    const obj = node as Json;
    if (typeof obj.$ref === "string") {
      const ref = obj.$ref;
      // A recursive reference (or a very deep one) stays a reference, into $defs.
      if (!inline || stack.includes(ref) || stack.length > 32) return { $ref: `#/$defs/${nameOf(ref)}` };
      return walk(deref(api, ref), [...stack, ref]);
    }
    const out: Json = {};
    for (const [k, v] of Object.entries(obj)) {
      if (DROPPED.has(k) || k.startsWith("x-")) continue;
      if (k === "format" && !KNOWN_FORMATS.has(String(v))) continue;
      if (k === "properties" && v && typeof v === "object") {
        out.properties = Object.fromEntries(Object.entries(v as Json).map(([p, s]) => [p, walk(s, stack)]));
      } else if (k === "oneOf") {
        out.anyOf = walk(v, stack);
      } else if ((k === "exclusiveMinimum" || k === "exclusiveMaximum") && typeof v === "boolean") {
        const bound = k === "exclusiveMinimum" ? "minimum" : "maximum";
        if (v && typeof obj[bound] === "number") out[k] = obj[bound];
      } else if ((k === "minimum" || k === "maximum") && obj[k === "minimum" ? "exclusiveMinimum" : "exclusiveMaximum"] === true) {
        continue;
      } else out[k] = walk(v, stack);
    }
    if (obj.nullable === true || mode === "output") nullable(out);
    if (Array.isArray(out.required)) {
      const props = (out.properties ?? {}) as Record<string, Json>;
      const keep = mode === "output" ? [] : (out.required as string[]).filter((r) => !(props[r] as Json | undefined)?.readOnly);
      if (keep.length) out.required = keep;
      else delete out.required;
    }
    if (mode === "output" && out.additionalProperties === false) delete out.additionalProperties;
    return out;
  };

  // The root itself is never a bare reference: MCP needs to see `type: object` there.
  const root = walk(resolved(api, schema), []) as Json;
  while (pending.length) {
    const ref = pending.shift()!;
    defs[defNames.get(ref)!] = walk(deref(api, ref), [ref]) as Json;
  }
  return Object.keys(defs).length ? { ...root, $defs: { ...((root.$defs as Json) ?? {}), ...defs } } : root;
}

function nullable(schema: Json): void {
  if (typeof schema.type === "string") schema.type = [schema.type, "null"];
  else if (Array.isArray(schema.type) && !schema.type.includes("null")) schema.type = [...schema.type, "null"];
  if (Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum = [...schema.enum, null];
}

/**
 * A root that only ever holds objects (`anyOf` of objects, a nullable object) is stamped `type:
 * object`: MCP's 2025 revisions require that root and would otherwise see it wrapped in `{result}`.
 */
function outputRoot(schema: Json): Json {
  const isObject = (s: Json): boolean => {
    const t = s.type;
    if (t === "object" || (Array.isArray(t) && t.includes("object"))) return true;
    if (t === undefined && s.properties) return true;
    const branches = (s.anyOf ?? s.allOf) as Json[] | undefined;
    return !!branches?.length && branches.every((b) => isObject(b.$ref ? (resolveDef(schema, String(b.$ref)) ?? {}) : b));
  };
  return isObject(schema) ? { ...schema, type: "object" } : schema;
}

function resolveDef(root: Json, ref: string): Json | undefined {
  const m = /^#\/\$defs\/(.+)$/.exec(ref);
  return m ? ((root.$defs as Record<string, Json> | undefined)?.[m[1]] ?? undefined) : undefined;
}

/**
 * Reads the OpenAPI document for a capability and matches it: `file` (from `--openapi`), else the
 * file's `# x-openapi:` hint, else a `<name>.openapi.yaml` sidecar; undefined when there is none.
 */
export async function schemasFromOpenApi(
  capability: Capability,
  file: string | undefined,
): Promise<(AttachedSchemas & { file: string }) | undefined> {
  const chosen = await chooseOpenApi(capability.file, file);
  if (!chosen) return undefined;
  const { readOpenApi } = await import("../openapi/document.js");
  return { ...attachSchemas(capability, await readOpenApi(chosen)), file: chosen };
}
