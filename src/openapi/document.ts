/**
 * Reading an OpenAPI 3.x document (YAML or JSON, one file, local `$ref`s): what the importer and the
 * schema attacher both need. Only the parts they read are typed.
 */
import { readFile } from "node:fs/promises";
import { mapVariables } from "../mapping/path-template.js";
import { parse } from "yaml";

export const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"] as const;

export type Json = Record<string, unknown>;

export interface OpenApiParameter {
  name: string;
  in: string;
  description?: string;
  required?: boolean;
  schema?: Json;
  $ref?: string;
}

export interface OpenApiOperation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: OpenApiParameter[];
  requestBody?: Json;
  responses?: Record<string, Json>;
  security?: Array<Record<string, string[]>>;
}

export interface OpenApiDocument {
  openapi?: string;
  swagger?: string;
  info?: { title?: string; description?: string; contact?: { name?: string } };
  servers?: Array<{ url: string }>;
  security?: Array<Record<string, string[]>>;
  paths?: Record<string, Record<string, unknown>>;
  components?: Record<string, Record<string, Json>>;
}

/** One operation of the document, with the path-level parameters it inherits. */
export interface OperationEntry {
  method: string;
  path: string;
  operation: OpenApiOperation;
  pathParameters: OpenApiParameter[];
}

export async function readOpenApi(file: string): Promise<OpenApiDocument> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new Error(`cannot read OpenAPI document ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new Error(`${file} is not YAML or JSON: ${(e as Error).message}`);
  }
  if (!doc || typeof doc !== "object" || !("paths" in doc)) throw new Error(`${file} is not an OpenAPI document (no "paths")`);
  const version = (doc as OpenApiDocument).openapi ?? (doc as OpenApiDocument).swagger ?? "";
  if (!/^3\./.test(version))
    throw new Error(`${file}: only OpenAPI 3.x is supported (this document says ${version ? `"${version}"` : "no version"})`);
  return doc as OpenApiDocument;
}

/** Follows a local `$ref` (`#/components/schemas/X`); throws on anything else. */
export function deref<T = Json>(doc: OpenApiDocument, ref: string): T {
  if (!ref.startsWith("#/")) throw new Error(`external $ref "${ref}" is not supported; bundle the document first (e.g. redocly bundle)`);
  let node: unknown = doc;
  for (const raw of ref.slice(2).split("/")) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    node = node && typeof node === "object" ? (node as Json)[key] : undefined;
  }
  if (node === undefined) throw new Error(`$ref "${ref}" points at nothing`);
  return node as T;
}

/** Resolves a node that may be a `$ref`, following chains of refs. */
export function resolved<T = Json>(doc: OpenApiDocument, node: unknown): T {
  let n = node as Json;
  for (let i = 0; i < 32 && n && typeof n === "object" && typeof n.$ref === "string"; i++) n = deref(doc, n.$ref as string);
  return n as T;
}

export function operations(doc: OpenApiDocument): OperationEntry[] {
  const out: OperationEntry[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    if (!item || typeof item !== "object") continue;
    const pathParameters = ((item.parameters as OpenApiParameter[] | undefined) ?? []).map((p) => resolved<OpenApiParameter>(doc, p));
    for (const method of METHODS) {
      const operation = item[method] as OpenApiOperation | undefined;
      if (operation && typeof operation === "object") out.push({ method, path, operation, pathParameters });
    }
  }
  return out;
}

/** Path-level and operation parameters merged; the operation's wins per name and `in`. */
export function parametersOf(doc: OpenApiDocument, entry: OperationEntry): OpenApiParameter[] {
  const own = (entry.operation.parameters ?? []).map((p) => resolved<OpenApiParameter>(doc, p));
  const merged = [...entry.pathParameters.filter((p) => !own.some((o) => o.name === p.name && o.in === p.in)), ...own];
  return merged;
}

/** `/connections/{connection_id}` and `/connections/{id}` both become `/connections/{}`. */
export function pathShape(path: string): string {
  const p = mapVariables(path, () => "{}").replace(/\/+$/, "");
  return p === "" ? "/" : p;
}
