/**
 * A fake upstream that behaves like Microcks for OpenAPI 3.x documents with named examples.
 *
 * One `node:http` server on 127.0.0.1 (random port). Each document is mounted at
 * `/rest/<info.title>/<info.version>` like Microcks; the title segment may be given
 * URL-encoded (`Hello%20API`), with '+' for spaces (`Hello+API`), or as its slug (`hello-api`:
 * lower case, non-alphanumerics collapsed to '-'). `baseUrlFor(titleOrSlug[, version])` returns the
 * canonical form `http://127.0.0.1:<port>/rest/<encodeURIComponent(title)>/<version>`.
 *
 * Per request (after Microcks' RestController / RestInvocationProcessor):
 * 1. service by title/slug + version, else 404; operation by method + path template (literal
 *    segments win over templated ones), else 404 (JSON bodies for both).
 * 2. required query/header/cookie parameters (operation level) → 400 `Parameter X is required`.
 * 3. dispatch criteria from the operation's dispatcher (`x-microcks-operation`, or inferred when absent:
 *    query params + path params → URI_ELEMENTS, query params → URI_PARAMS, path params → URI_PARTS),
 *    see ./microcks/dispatch.ts.
 * 4. response = the examples whose import-time criteria equals it; else the examples *named* like it
 *    (SCRIPT); else the FALLBACK's `fallback` example; else, with no dispatcher, the operation's first
 *    example; else 400 `The response <criteria> does not exist!` (Microcks answers 400, not 404).
 *    Among candidates (same name under several media types) the one matching `Accept` exactly wins,
 *    else the first in document order.
 * 5. status = the response code holding the example; `Content-Type: <media type>;charset=UTF-8`;
 *    body = the example serialized (JSON as JSON, strings such as XML as is) with its `{{ }}`
 *    templates rendered (./microcks/template.ts).
 *
 * Authentication is never checked (Microcks does not either). Every request is recorded in `requests`.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { formDecode, partsCriteria, paramsCriteria, queryPairs, type Pairs } from "./microcks/dispatch.js";
import { loadService, type MockOperation, type MockResponse, type MockService } from "./microcks/model.js";
import { hasTemplate, renderTemplate, TemplateError } from "./microcks/template.js";

export type { MockOperation, MockResponse, MockService } from "./microcks/model.js";

export interface RecordedRequest {
  method: string;
  /** raw path, without the query string */
  path: string;
  /** raw query string, without '?' ('' when none) */
  rawQuery: string;
  /** decoded query parameters; a repeated parameter keeps its first value */
  query: Record<string, string>;
  /** lower-cased header names; repeated headers joined with ', ' */
  headers: Record<string, string>;
  /** request body as UTF-8 text ('' when none) */
  body: string;
  /** matched service title, if any */
  service?: string;
  /** matched operation, e.g. `GET /ships/{imo_number}` */
  operation?: string;
  /** computed dispatch criteria (undefined when no dispatcher) */
  dispatchCriteria?: string;
  /** name of the example served, if any */
  example?: string;
  /** status code answered */
  status?: number;
}

export interface MockUpstream {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  requests: RecordedRequest[];
  services: MockService[];
  stop(): Promise<void>;
  /** `http://127.0.0.1:<port>/rest/<title>/<version>` for a document's `info.title` or its slug. */
  baseUrlFor(apiTitleOrSlug: string, version?: string): string;
}

const HOST = "127.0.0.1";

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const jsonError = (status: number, error: string, message: string, extra: Record<string, unknown> = {}): Reply => ({
  status,
  headers: { "content-type": "application/json;charset=UTF-8" },
  body: JSON.stringify({ error, message, ...extra }),
});

export async function startMicrocks(documents: string[]): Promise<MockUpstream> {
  const services = documents.map((d) => loadService(d));
  const seen = new Set<string>();
  for (const s of services) {
    const k = `${s.title}\u0000${s.version}`;
    if (seen.has(k)) throw new Error(`two documents define service "${s.title}" version ${s.version}`);
    seen.add(k);
  }
  const requests: RecordedRequest[] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const rawUrl = req.url ?? "/";
      const q = rawUrl.indexOf("?");
      const rec: RecordedRequest = {
        method: (req.method ?? "GET").toUpperCase(),
        path: q >= 0 ? rawUrl.slice(0, q) : rawUrl,
        rawQuery: q >= 0 ? rawUrl.slice(q + 1) : "",
        query: {},
        headers: {},
        body: Buffer.concat(chunks).toString("utf8"),
      };
      for (const [k, v] of queryPairsAll(rec.rawQuery)) if (!(k in rec.query)) rec.query[k] = v;
      for (const [k, v] of Object.entries(req.headers)) {
        if (v !== undefined) rec.headers[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
      }
      requests.push(rec);

      let reply: Reply;
      let delay = 0;
      try {
        const r = handle(services, rec);
        reply = r.reply;
        delay = r.delayMs;
      } catch (e) {
        reply = jsonError(500, e instanceof TemplateError ? "template_error" : "mock_failure", (e as Error).message);
      }
      rec.status = reply.status;
      const send = () => {
        res.writeHead(reply.status, reply.headers);
        res.end(reply.body);
      };
      if (delay > 0) setTimeout(send, delay);
      else send();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, HOST, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${HOST}:${port}`;

  return {
    url,
    port,
    requests,
    services,
    baseUrlFor(apiTitleOrSlug: string, version?: string): string {
      const matches = services.filter(
        (s) => (s.title === apiTitleOrSlug || s.slug === apiTitleOrSlug) && (version === undefined || s.version === version),
      );
      if (matches.length !== 1) {
        const known = services.map((s) => `"${s.title}" ${s.version}`).join(", ");
        throw new Error(
          matches.length === 0
            ? `no service "${apiTitleOrSlug}"${version ? ` version ${version}` : ""} (known: ${known})`
            : `service "${apiTitleOrSlug}" has several versions; pass one (known: ${known})`,
        );
      }
      const s = matches[0]!;
      return `${url}/rest/${encodeURIComponent(s.title)}/${encodeURIComponent(s.version)}`;
    },
    stop(): Promise<void> {
      return new Promise((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

/** All query pairs, including those without a value (for recording only). */
function queryPairsAll(rawQuery: string): Pairs {
  if (!rawQuery) return [];
  return rawQuery
    .split("&")
    .filter((p) => p.length > 0)
    .map((p) => {
      const eq = p.indexOf("=");
      return eq < 0 ? [formDecode(p), ""] : [formDecode(p.slice(0, eq)), formDecode(p.slice(eq + 1))];
    });
}

function decodeSegment(s: string): string {
  return formDecode(s); // Microcks treats '+' in the path as a space, then URL-decodes
}

function handle(services: MockService[], rec: RecordedRequest): { reply: Reply; delayMs: number } {
  const segs = rec.path.split("/");
  // ['', 'rest', service, version, ...resource]
  if (segs[1] !== "rest" || segs.length < 4) {
    return { reply: jsonError(404, "not_found", `expected /rest/<service>/<version>/…, got ${rec.path}`), delayMs: 0 };
  }
  const svcName = decodeSegment(segs[2]!);
  const version = decodeSegment(segs[3]!);
  const service = services.find((s) => (s.title === svcName || s.slug === svcName) && s.version === version);
  if (!service) {
    const known = services.map((s) => `${s.title}/${s.version}`).join(", ");
    return {
      reply: jsonError(404, "service_not_found", `no service ${svcName} version ${version} (known: ${known})`),
      delayMs: 0,
    };
  }
  rec.service = service.title;

  let resourceSegs = segs.slice(4).map(decodeSegment);
  if (resourceSegs.length === 0) resourceSegs = [""];
  else if (resourceSegs.length > 1 && resourceSegs[resourceSegs.length - 1] === "") resourceSegs = resourceSegs.slice(0, -1);
  const resourcePath = "/" + resourceSegs.join("/");

  const candidates: Array<{ op: MockOperation; params: Pairs }> = [];
  for (const op of service.operations) {
    const params = matchPath(op, resourceSegs);
    if (params) candidates.push({ op, params });
  }
  candidates.sort((a, b) => a.op.templatedSegments - b.op.templatedSegments);
  const hit = candidates.find((c) => c.op.method === rec.method);
  if (!hit) {
    const allowed = [...new Set(candidates.map((c) => c.op.method))];
    return {
      reply: jsonError(
        404,
        "operation_not_found",
        `no operation ${rec.method} ${resourcePath} in ${service.title} ${service.version}` +
          (allowed.length ? ` (path exists for: ${allowed.join(", ")})` : ""),
      ),
      delayMs: 0,
    };
  }
  const { op, params: pathParams } = hit;
  rec.operation = op.name;

  // Parameter constraints.
  const qPairs = queryPairs(rec.rawQuery);
  const cookies = parseCookies(rec.headers.cookie ?? "");
  for (const c of op.required) {
    const present =
      c.in === "query"
        ? queryPairsAll(rec.rawQuery).some(([k]) => k === c.name)
        : c.in === "header"
          ? c.name.toLowerCase() in rec.headers
          : c.name in cookies;
    if (!present) {
      return { reply: jsonError(400, "bad_request", `Parameter ${c.name} is required`), delayMs: op.delayMs };
    }
  }

  // Dispatch criteria of the live request.
  let criteria: string | undefined;
  switch (op.rootDispatcher) {
    case "URI_PARTS":
      criteria = partsCriteria(op.rootDispatcherRules, pathParams);
      break;
    case "URI_PARAMS":
      criteria = paramsCriteria(op.rootDispatcherRules, qPairs);
      break;
    case "URI_ELEMENTS":
      criteria = partsCriteria(op.rootDispatcherRules, pathParams) + paramsCriteria(op.rootDispatcherRules, qPairs);
      break;
    case "QUERY_HEADER":
      criteria = paramsCriteria(op.rootDispatcherRules, Object.entries(rec.headers), true);
      break;
    case "SCRIPT":
    case "GROOVY":
    case "JS":
      criteria = op.scriptResult ?? undefined;
      break;
    case null:
      criteria = undefined;
  }
  rec.dispatchCriteria = criteria;

  const accept = rec.headers.accept;
  let response: MockResponse | undefined;
  if (criteria !== undefined) {
    response =
      pick(
        op.responses.filter((r) => r.dispatchCriteria === criteria),
        accept,
      ) ??
      pick(
        op.responses.filter((r) => r.name === criteria),
        accept,
      );
  } else {
    response = pick(
      op.responses.filter((r) => r.dispatchCriteria === null),
      accept,
    );
  }
  if (!response && op.fallback !== null)
    response = pick(
      op.responses.filter((r) => r.name === op.fallback),
      accept,
    );
  if (!response && op.rootDispatcher === null) response = pick(op.responses, accept);
  if (!response) {
    const message =
      op.rootDispatcher !== null ? `The response ${criteria} does not exist!` : `operation ${op.name} has no named example to answer with`;
    return {
      reply: jsonError(400, "no_matching_example", message, {
        operation: op.name,
        dispatcher: op.dispatcher,
        dispatchCriteria: criteria ?? null,
        examples: [...new Set(op.responses.map((r) => r.name))],
      }),
      delayMs: op.delayMs,
    };
  }
  rec.example = response.name;

  const evaluable = () => ({
    body: rec.body,
    resourcePath,
    params: Object.fromEntries(queryPairsAll(rec.rawQuery).reverse()),
    headers: rec.headers,
  });
  const headers: Record<string, string> = {};
  if (response.mediaType !== null) headers["content-type"] = `${response.mediaType};charset=UTF-8`;
  for (const [name, value] of response.headers) {
    headers[name.toLowerCase()] = hasTemplate(value) ? renderTemplate(value, evaluable()) : value;
  }
  let body = response.content ?? "";
  if (hasTemplate(body)) body = renderTemplate(body, evaluable());
  return { reply: { status: response.status, headers, body }, delayMs: op.delayMs };
}

/** Path parameters when the resource path matches the operation's template, else null. */
function matchPath(op: MockOperation, segs: string[]): Pairs | null {
  if (op.segments.length !== segs.length) return null;
  const out: Pairs = [];
  for (let i = 0; i < segs.length; i++) {
    const t = op.segments[i]!;
    const s = segs[i]!;
    if ("literal" in t) {
      if (t.literal !== s) return null;
    } else {
      const m = t.regex.exec(s);
      if (!m || s === "") return null;
      t.names.forEach((n, j) => out.push([n, m[j + 1]!]));
    }
  }
  return out;
}

/** Candidates answering `Accept` exactly (any listed media range, parameters ignored), else the first. */
function pick(candidates: MockResponse[], accept: string | undefined): MockResponse | undefined {
  if (candidates.length === 0) return undefined;
  if (accept) {
    const wanted = accept.split(",").map((a) => a.split(";")[0]!.trim().toLowerCase());
    const hit = candidates.find((r) => r.mediaType !== null && wanted.includes(r.mediaType.toLowerCase()));
    if (hit) return hit;
  }
  return candidates[0];
}

function parseCookies(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}
