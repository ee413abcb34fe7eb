/**
 * Derives test cases from a capability file alone, independently of the runtime's code: for each
 * exposed REST operation (and MCP tool), the request a caller sends and what the upstream must
 * receive. Adding a capability file adds its cases; nothing here names an operation.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { loadCapability } from "../../src/spec/load.js";
import { serveCapability, type Served } from "../../src/serve.js";
import type { RecordingUpstream } from "./recording-upstream.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Every capability the project ships: the flagship and each file of capabilities/. */
export const SHIPPED: string[] = [
  path.join(ROOT, "metal-interconnections.naftiko.yaml"),
  ...readdirSync(path.join(ROOT, "capabilities"))
    .filter((f) => f.endsWith(".naftiko.yaml"))
    .sort()
    .map((f) => path.join(ROOT, "capabilities", f)),
];

/**
 * Serves a capability in-process with every consumes block pointed at the upstream and free ports;
 * `file` is another file to serve in its place (a migrated copy), with the same cases.
 */
export async function serveAgainst(spec: CapabilityCases, upstream: RecordingUpstream, file = spec.file): Promise<Served> {
  const baseUris = Object.fromEntries(
    spec.consumes.map((c) => [c.namespace, `${upstream.url}${new URL(c.baseUri).pathname.replace(/\/$/, "")}`]),
  );
  const ports = Object.fromEntries((spec.doc.capability.exposes as Array<{ namespace: string }>).map((x) => [x.namespace, 0]));
  return serveCapability(await loadCapability(file), { baseUris, ports, env: { EQUINIX_API_KEY: SECRET }, log: () => {} });
}

type Dict = Record<string, any>;

export interface Expected {
  method: string;
  /** Encoded upstream path, base path included. */
  path: string;
  /** Decoded query entries the upstream must receive, in any order. */
  query: Array<[string, string]>;
  body?: unknown;
  auth?: { header: string; value: string } | { query: string; value: string };
}

export interface RestCase {
  title: string;
  method: string;
  /** Encoded request path and query, as a caller sends it. */
  url: string;
  body?: unknown;
  expected: Expected;
}

export interface ToolCase {
  title: string;
  tool: string;
  args: Record<string, unknown>;
  expected: Expected;
}

export interface CapabilityCases {
  file: string;
  doc: Dict;
  consumes: Dict[];
  rest: Array<{ namespace: string; cases: RestCase[] }>;
  mcp: Array<{ namespace: string; cases: ToolCase[] }>;
}

const norm = (s: string) => s.toLowerCase().replace(/-/g, "_");

export const SECRET = "test-secret-key-5f0c1a";

/** A value of each type that exercises encoding: spaces, `&`, `/` and commas must survive. */
function sample(type: string | undefined, name: string): unknown {
  switch (type) {
    case "array":
      return ["alpha", `b ${name}`];
    case "integer":
      return 7;
    case "number":
      return 2.5;
    case "boolean":
      return true;
    case "object":
      return { sample: name, nested: { list: [1, 2] } };
    default:
      return `v ${name}&x`;
  }
}

function pathSample(name: string): string {
  return `id ${name}/1`;
}

export function loadCases(file: string): CapabilityCases {
  const doc = parse(readFileSync(file, "utf8")) as Dict;
  const consumes: Dict[] = doc.capability?.consumes ?? [];
  const ops = new Map<string, { c: Dict; resource: Dict; op: Dict }>();
  for (const c of consumes)
    for (const resource of c.resources ?? [])
      for (const op of resource.operations ?? []) ops.set(`${c.namespace}.${op.name}`, { c, resource, op });

  const expectedFor = (call: string, values: Map<string, unknown>): Expected => {
    const { c, resource, op } = ops.get(call)!;
    const params: Dict[] = op.inputParameters ?? [];
    const method = op.method ?? "GET";
    let path = new URL(c.baseUri).pathname.replace(/\/$/, "");
    path += String(resource.path).replace(/\{\{?([^{}]+?)\}?\}/g, (_m: string, v: string) => encodeURIComponent(String(values.get(v))));
    const query: Array<[string, string]> = [];
    let body: unknown;
    for (const p of params) {
      if (!values.has(p.name)) continue;
      const v = values.get(p.name);
      if (p.in === "query") query.push([p.name, Array.isArray(v) ? v.join(",") : String(v)]);
      if (p.in === "body" && method !== "GET") body = v;
    }
    const a = c.authentication;
    let auth: Expected["auth"];
    if (a?.type === "apikey")
      auth = (a.placement ?? "header") === "header" ? { header: a.key.toLowerCase(), value: SECRET } : { query: a.key, value: SECRET };
    if (a?.type === "bearer") auth = { header: "authorization", value: `Bearer ${SECRET}` };
    return { method, path, query, body, auth };
  };

  const rest: CapabilityCases["rest"] = [];
  const mcp: CapabilityCases["mcp"] = [];
  for (const block of doc.capability?.exposes ?? []) {
    if (block.type === "rest") {
      const cases: RestCase[] = [];
      for (const resource of block.resources ?? []) {
        for (const op of resource.operations ?? []) {
          if (!op.call) continue;
          const target = ops.get(op.call)!;
          const params: Dict[] = target.op.inputParameters ?? [];
          const values = new Map<string, unknown>();
          let url = String(resource.path);
          const query: string[] = [];
          let body: unknown;
          for (const [param, source] of Object.entries<string>(op.with ?? {})) {
            const input = String(source).replace(/^rest\./, "");
            const p = params.find((x) => x.name === param);
            if (!p) continue;
            if (p.in === "path") {
              const v = pathSample(input);
              values.set(param, v);
              url = url.replace(/\{([^{}]+)\}/g, (m, name: string) => (norm(name) === norm(input) ? encodeURIComponent(v) : m));
            } else if (p.in === "query") {
              if (p.type === "object") continue;
              const v = sample(p.type, input);
              values.set(param, v);
              query.push(`${encodeURIComponent(input)}=${encodeURIComponent(Array.isArray(v) ? v.join(",") : String(v))}`);
            } else if (p.in === "body") {
              const v = sample("object", input);
              if ((target.op.method ?? "GET") !== "GET") values.set(param, v);
              body = v;
            }
          }
          cases.push({
            title: `${op.method} ${resource.path} → ${op.call}`,
            method: op.method,
            url: query.length ? `${url}?${query.join("&")}` : url,
            body,
            expected: expectedFor(op.call, values),
          });
        }
      }
      rest.push({ namespace: block.namespace, cases });
    }
    if (block.type === "mcp") {
      const cases: ToolCase[] = [];
      for (const tool of block.tools ?? []) {
        if (!tool.call) continue;
        const target = ops.get(tool.call)!;
        const params: Dict[] = target.op.inputParameters ?? [];
        const values = new Map<string, unknown>();
        const args: Record<string, unknown> = {};
        for (const [param, source] of Object.entries<string>(tool.with ?? {})) {
          const input = String(source).replace(/^tools\./, "");
          const p = params.find((x) => x.name === param);
          if (!p) continue;
          const v =
            p.in === "path"
              ? pathSample(input)
              : p.in === "body"
                ? sample("object", input)
                : p.type === "object"
                  ? undefined
                  : sample(p.type, input);
          if (v === undefined) continue;
          args[input] = v;
          if (p.in !== "body" || (target.op.method ?? "GET") !== "GET") values.set(param, v);
        }
        cases.push({ title: `tool ${tool.name} → ${tool.call}`, tool: tool.name, args, expected: expectedFor(tool.call, values) });
      }
      mcp.push({ namespace: block.namespace, cases });
    }
  }
  return { file, doc, consumes, rest, mcp };
}
