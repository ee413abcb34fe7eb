/**
 * Imports an OpenAPI 3.x document the way Microcks' OpenAPIImporter does: one service per document
 * (`info.title` + `info.version`), one operation per path + verb, one mock response per named example
 * (`responses.<code>.content.<media type>.examples.<name>`), each with a dispatch criteria computed from
 * the parameter examples that carry the same name.
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { isSupportedDispatcher, literalScriptName, paramsCriteria, partsCriteria, type Dispatcher, type Pairs } from "./dispatch.js";

export interface MockResponse {
  /** example name */
  name: string;
  status: number;
  /** null for a response without content (`x-microcks-refs`) */
  mediaType: string | null;
  /** serialized example: strings as is, anything else as JSON */
  content: string | null;
  /** response headers for this example (`headers.<h>.examples.<name>`) */
  headers: Array<[string, string]>;
  /** computed at import time; null when the dispatcher does not use one (SCRIPT, none) */
  dispatchCriteria: string | null;
}

export interface MockOperation {
  /** Microcks' operation name: `GET /ships/{imo_number}` */
  name: string;
  method: string;
  pathTemplate: string;
  /** one matcher per template segment: literal string, or a regex capturing path parameters */
  segments: Array<{ literal: string } | { regex: RegExp; names: string[] }>;
  templatedSegments: number;
  /** as declared (or inferred), e.g. `FALLBACK` */
  dispatcher: Dispatcher | "FALLBACK" | null;
  dispatcherRules: string | null;
  /** after unwrapping FALLBACK */
  rootDispatcher: Dispatcher | null;
  rootDispatcherRules: string | null;
  fallback: string | null;
  /** for SCRIPT dispatchers: the literal example name */
  scriptResult: string | null;
  delayMs: number;
  /** required query/header/cookie parameters (operation level), as Microcks' parameter constraints */
  required: Array<{ name: string; in: "query" | "header" | "cookie" }>;
  responses: MockResponse[];
}

export interface MockService {
  file: string;
  title: string;
  version: string;
  /** lower-case, non-alphanumerics collapsed to '-' */
  slug: string;
  operations: MockOperation[];
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const VERBS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

export function slugify(title: string): string {
  return title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

export function loadService(file: string): MockService {
  const doc = parseYaml(readFileSync(file, "utf8")) as unknown;
  if (!isObj(doc) || !isObj(doc.info) || !isObj(doc.paths)) {
    throw new Error(`${file}: not an OpenAPI document (needs info and paths)`);
  }
  if (typeof doc.openapi !== "string" || !doc.openapi.startsWith("3.")) {
    throw new Error(`${file}: only OpenAPI 3.x is supported (openapi: ${JSON.stringify(doc.openapi)})`);
  }
  const title = String(doc.info.title ?? "");
  const version = String(doc.info.version ?? "");
  if (!title || !version) throw new Error(`${file}: info.title and info.version are required`);

  const deref = (v: Json | undefined, seen = new Set<string>()): Json | undefined => {
    if (!isObj(v) || typeof v.$ref !== "string") return v;
    const ref = v.$ref;
    if (!ref.startsWith("#/")) throw new Error(`${file}: only local $ref are supported, got ${ref}`);
    if (seen.has(ref)) throw new Error(`${file}: circular $ref ${ref}`);
    seen.add(ref);
    let node: Json | undefined = doc as Json;
    for (const raw of ref.slice(2).split("/")) {
      const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
      node = isObj(node) ? node[key] : Array.isArray(node) ? node[Number(key)] : undefined;
      if (node === undefined) throw new Error(`${file}: unresolved $ref ${ref}`);
    }
    return deref(node, seen);
  };

  const operations: MockOperation[] = [];
  for (const [pathTemplate, rawPathItem] of Object.entries(doc.paths)) {
    const pathItem = deref(rawPathItem);
    if (!isObj(pathItem)) continue;
    const pathLevelParams = asArray(pathItem.parameters)
      .map((p) => deref(p))
      .filter(isObj);
    for (const [verb, rawOp] of Object.entries(pathItem)) {
      if (!VERBS.includes(verb) || !isObj(rawOp)) continue;
      operations.push(importOperation(file, pathTemplate.trim(), verb, rawOp, pathLevelParams, deref));
    }
  }
  return { file, title, version, slug: slugify(title), operations };
}

function asArray(v: Json | undefined): Json[] {
  return Array.isArray(v) ? v : [];
}

/** Microcks' getValueString: text nodes as is, anything else serialized as JSON. */
function valueString(v: Json): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

function importOperation(
  file: string,
  pathTemplate: string,
  verb: string,
  op: Obj,
  pathLevelParams: Obj[],
  deref: (v: Json | undefined) => Json | undefined,
): MockOperation {
  const name = `${verb.toUpperCase()} ${pathTemplate}`;
  const where = `${file}: ${name}`;
  const opParams = asArray(op.parameters)
    .map((p) => deref(p))
    .filter(isObj);
  // Operation-level parameters override path-level ones with the same name + location.
  const key = (p: Obj) => `${String(p.in)}:${String(p.name)}`;
  const opKeys = new Set(opParams.map(key));
  const allParams = [...pathLevelParams.filter((p) => !opKeys.has(key(p))), ...opParams];

  // ---- dispatcher: declared with x-microcks-operation, else inferred like Microcks ----
  const ext = isObj(op["x-microcks-operation"]) ? op["x-microcks-operation"] : {};
  let dispatcher: string | null = typeof ext.dispatcher === "string" ? ext.dispatcher : null;
  let dispatcherRules: string | null = typeof ext.dispatcherRules === "string" ? ext.dispatcherRules : null;
  const delayMs = typeof ext.delay === "number" ? ext.delay : 0;
  const pathParamNames = [...pathTemplate.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  if (dispatcher === null) {
    // OpenAPIImporter.completeOperationWithDispatcher (operation-level parameters only).
    const hasQuery = opParams.some((p) => p.in === "query");
    const nonPathNames = opParams.filter((p) => p.in !== "path").map((p) => String(p.name));
    if (hasQuery && pathParamNames.length > 0) {
      dispatcher = "URI_ELEMENTS";
      dispatcherRules = `${pathParamNames.join(" && ")} ?? ${nonPathNames.join(" && ")}`;
    } else if (hasQuery) {
      dispatcher = "URI_PARAMS";
      dispatcherRules = nonPathNames.join(" && ");
    } else if (pathParamNames.length > 0) {
      dispatcher = "URI_PARTS";
      dispatcherRules = pathParamNames.join(" && ");
    }
  }

  let rootDispatcher: string | null = dispatcher;
  let rootDispatcherRules: string | null = dispatcherRules;
  let fallback: string | null = null;
  if (dispatcher === "FALLBACK") {
    let spec: unknown;
    try {
      spec = JSON.parse(dispatcherRules ?? "");
    } catch (e) {
      throw new Error(`${where}: FALLBACK dispatcherRules is not JSON: ${(e as Error).message}`);
    }
    if (!isObj(spec as Json) || typeof (spec as Obj).dispatcher !== "string") {
      throw new Error(`${where}: FALLBACK dispatcherRules needs {"dispatcher", "dispatcherRules", "fallback"}`);
    }
    const s = spec as Obj;
    rootDispatcher = s.dispatcher as string;
    rootDispatcherRules = typeof s.dispatcherRules === "string" ? s.dispatcherRules : null;
    fallback = typeof s.fallback === "string" ? s.fallback : null;
  }
  if (rootDispatcher !== null && !isSupportedDispatcher(rootDispatcher)) {
    throw new Error(
      `${where}: dispatcher ${rootDispatcher} is not supported by this fake ` +
        `(supported: URI_PARTS, URI_PARAMS, URI_ELEMENTS, QUERY_HEADER, SCRIPT with a literal return, FALLBACK)`,
    );
  }
  const root = rootDispatcher as Dispatcher | null;
  const scriptResult = root === "SCRIPT" || root === "GROOVY" || root === "JS" ? literalScriptName(rootDispatcherRules ?? "", where) : null;

  // ---- parameter examples, grouped by example name ----
  const byExample = (location: string): Map<string, Pairs> => {
    const out = new Map<string, Pairs>();
    for (const p of allParams) {
      if (p.in !== location || !isObj(p.examples)) continue;
      for (const [exName, rawEx] of Object.entries(p.examples)) {
        const ex = deref(rawEx);
        if (!isObj(ex) || !("value" in ex)) continue; // externalValue is not supported: skipped
        const value = deref(ex.value) as Json;
        const pairs = out.get(exName) ?? [];
        if (location === "query" && Array.isArray(value)) {
          for (const v of value) pairs.push([String(p.name), valueString(v)]);
        } else if (location === "query" && isObj(value)) {
          for (const [k, v] of Object.entries(value)) pairs.push([k, valueString(v)]);
        } else {
          pairs.push([String(p.name), valueString(value)]);
        }
        out.set(exName, pairs);
      }
    }
    return out;
  };
  const pathByExample = byExample("path");
  const queryByExample = byExample("query");
  const headerByExample = byExample("header");

  const criteriaFor = (exName: string): string | null => {
    switch (root) {
      case "URI_PARAMS":
        return paramsCriteria(rootDispatcherRules, queryByExample.get(exName));
      case "URI_PARTS":
        return partsCriteria(rootDispatcherRules, pathByExample.get(exName));
      case "URI_ELEMENTS":
        return (
          partsCriteria(rootDispatcherRules, pathByExample.get(exName)) + paramsCriteria(rootDispatcherRules, queryByExample.get(exName))
        );
      case "QUERY_HEADER":
        return paramsCriteria(rootDispatcherRules, headerByExample.get(exName), true);
      default:
        return null;
    }
  };
  // Microcks drops examples without path parameter examples when the operation's own dispatcher
  // (not the one wrapped in FALLBACK) needs URI parts.
  const needsParts = dispatcher === "URI_PARTS" || dispatcher === "URI_ELEMENTS";

  // ---- responses: one per (status, media type, example name), in document order ----
  const responses: MockResponse[] = [];
  for (const [code, rawResp] of Object.entries(isObj(op.responses) ? op.responses : {})) {
    const resp = deref(rawResp);
    if (!isObj(resp)) continue;
    const status = statusOf(code);
    const headersByExample = new Map<string, Array<[string, string]>>();
    for (const [hName, rawH] of Object.entries(isObj(resp.headers) ? resp.headers : {})) {
      const h = deref(rawH);
      if (!isObj(h) || !isObj(h.examples)) continue;
      for (const [exName, rawEx] of Object.entries(h.examples)) {
        const ex = deref(rawEx);
        if (!isObj(ex) || !("value" in ex)) continue;
        const list = headersByExample.get(exName) ?? [];
        list.push([hName, valueString(deref(ex.value) as Json)]);
        headersByExample.set(exName, list);
      }
    }
    const add = (exName: string, mediaType: string | null, content: string | null) => {
      if (needsParts && !pathByExample.has(exName)) return;
      responses.push({
        name: exName,
        status,
        mediaType,
        content,
        headers: headersByExample.get(exName) ?? [],
        dispatchCriteria: criteriaFor(exName),
      });
    };
    const content = isObj(resp.content) ? resp.content : {};
    for (const [mediaType, rawMedia] of Object.entries(content)) {
      const media = deref(rawMedia);
      if (!isObj(media)) continue;
      const examples = deref(media.examples);
      if (!isObj(examples)) continue; // a singular `example` is not a named example: Microcks ignores it
      for (const [exName, rawEx] of Object.entries(examples)) {
        const ex = deref(rawEx);
        if (!isObj(ex) || !("value" in ex)) continue;
        add(exName, mediaType, valueString(deref(ex.value) as Json));
      }
    }
    if (Object.keys(content).length === 0 && Array.isArray(resp["x-microcks-refs"])) {
      for (const ref of resp["x-microcks-refs"]) {
        if (typeof ref === "string") add(ref, null, null);
      }
    }
  }

  const required = opParams
    .filter((p) => p.required === true && (p.in === "query" || p.in === "header" || p.in === "cookie"))
    .map((p) => ({ name: String(p.name), in: p.in as "query" | "header" | "cookie" }));

  const segments = pathTemplate
    .split("/")
    .slice(1)
    .map((seg) => {
      const names = [...seg.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
      if (names.length === 0) return { literal: seg };
      const src = seg
        .split(/\{[^}]+\}/)
        .map((lit) => lit.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join("(.+?)");
      return { regex: new RegExp(`^${src}$`), names };
    });

  return {
    name,
    method: verb.toUpperCase(),
    pathTemplate,
    segments,
    templatedSegments: segments.filter((s) => "regex" in s).length,
    dispatcher: dispatcher as MockOperation["dispatcher"],
    dispatcherRules,
    rootDispatcher: root,
    rootDispatcherRules,
    fallback,
    scriptResult,
    delayMs,
    required,
    responses,
  };
}

/** `200` → 200; `2XX` → 200; `default` → 500 (Microcks would fail on it). */
function statusOf(code: string): number {
  if (/^\d{3}$/.test(code)) return Number(code);
  const m = /^([1-5])XX$/i.exec(code);
  if (m) return Number(m[1]) * 100;
  return 500;
}
