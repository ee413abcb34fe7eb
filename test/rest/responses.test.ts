/**
 * REST exposes: what the caller gets back. Upstream statuses and bodies relayed, `$.` passthrough
 * byte for byte, official output shapes, mock mode and non-JSON upstream formats.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveYaml, type Serving } from "../support/serve.js";
import { json, startUpstream, type Reply, type Seen, type Upstream } from "./harness.js";

const SHIP = {
  imo_number: "9321483",
  vessel_name: "Northern Star",
  gross_tonnage: "51200",
  active: "true",
  dimensions: { length_overall: 229.5, beam: 32 },
  crew: [
    { id: "c1", name: "Ann", role: "captain", extra: 1 },
    { id: "c2", name: "Bo", role: "cook" },
  ],
};

const XML = `<?xml version="1.0"?>
<vessels>
  <vessel id="v1"><name>Aurora</name><length>120</length></vessel>
  <vessel id="v2"><name>Borealis</name><length>95</length></vessel>
</vessels>`;

/** Upstream answers chosen by path. */
function reply(req: Seen): Reply {
  switch (req.path) {
    case "/api/ship":
      return { body: JSON.stringify(SHIP) };
    case "/api/odd":
      return { body: '{"b":1,  "a":2 ,"n":1.50e2,"s":"\\u00e9"}\n', headers: { "content-type": "application/json; charset=utf-8" } };
    case "/api/missing":
      return { status: 404, body: '{"error":"not found","id":"x1"}' };
    case "/api/invalid":
      return {
        status: 422,
        body: '{"errors":[{"field":"name","message":"is taken"}]}',
        headers: { "content-type": "application/problem+json" },
      };
    case "/api/busy":
      return { status: 503, body: '{"error":"busy"}', headers: { "retry-after": "7" } };
    case "/api/empty":
      return { status: 204 };
    case "/api/created":
      return { status: 201, body: '{"id":"new-1","name":"n"}' };
    case "/api/vessels":
      return { body: XML, headers: { "content-type": "application/xml" } };
    case "/api/broken":
      return { body: "{not json" };
    default:
      return { status: 500, body: '{"error":"unexpected path"}' };
  }
}

function op(name: string, path: string, method = "GET", extra = "") {
  return `    - name: ${name}
      path: /${path}
      operations:
      - name: ${name}
        method: ${method}
${extra}`;
}

function route(path: string, call: string, output = "", method = "GET") {
  return `    - path: /${path}
      operations:
      - method: ${method}
        call: api.${call}
${output}`;
}

const PASS = "        outputParameters:\n        - type: object\n          mapping: $.\n";
const SHAPED_OBJECT = `        outputParameters:
        - type: object
          properties:
            imo:
              type: string
              mapping: $.imo_number
            name:
              type: string
              mapping: $.vessel_name
            tonnage:
              type: number
              mapping: $.gross_tonnage
            active:
              type: boolean
              mapping: $.active
            size:
              type: object
              mapping: $.dimensions
              properties:
                length:
                  type: number
                  mapping: $.length_overall
            firstCrew:
              type: string
              mapping: $.crew[0].name
            source:
              type: string
              value: registry
            kind:
              type: string
              mapping: $.vessel_name
              const: Northern Star
            missing:
              type: string
              mapping: $.no_such_field
`;
const SHAPED_ARRAY = `        outputParameters:
        - type: array
          mapping: $.crew
          items:
            type: object
            properties:
              name:
                type: string
                mapping: $.name
              role:
                type: string
                mapping: $.role
`;
const SCALAR = "        outputParameters:\n        - type: string\n          mapping: $.vessel_name\n";
const SHAPED_XML = `        outputParameters:
        - type: array
          mapping: $.vessel
          items:
            type: object
            properties:
              id:
                type: string
                mapping: $['@id']
              name:
                type: string
                mapping: $.name
              length:
                type: number
                mapping: $.length
`;

const YAML = `naftiko: 1.0.0-alpha2
info:
  label: REST responses
  description: REST responses test
capability:
  consumes:
  - type: http
    namespace: api
    baseUri: http://upstream.invalid/api
    resources:
${op("ship", "ship")}
${op("odd", "odd")}
${op("missing", "missing")}
${op("invalid", "invalid", "POST")}
${op("busy", "busy")}
${op("empty", "empty", "DELETE")}
${op("created", "created", "POST")}
${op("vessels", "vessels", "GET", "        outputRawFormat: xml\n")}
${op("broken", "broken")}
  exposes:
  - type: rest
    namespace: api-rest
    port: 8080
    resources:
${route("odd", "odd", PASS)}
${route("odd-bare", "odd")}
${route("missing", "missing", PASS)}
${route("invalid", "invalid", PASS, "POST")}
${route("busy", "busy", PASS)}
${route("empty", "empty", PASS, "DELETE")}
${route("empty-shaped", "empty", SHAPED_OBJECT, "DELETE")}
${route("created", "created", PASS, "POST")}
${route("ship", "ship", SHAPED_OBJECT)}
${route("crew", "ship", SHAPED_ARRAY)}
${route("ship-name", "ship", SCALAR)}
${route("vessels", "vessels", SHAPED_XML)}
${route("vessels-raw", "vessels", PASS)}
${route("broken", "broken", SHAPED_OBJECT)}
${route("broken-pass", "broken", PASS)}
    - path: /hello/{who}
      inputParameters:
      - name: who
        in: path
        type: string
        description: Who to greet
      - name: excited
        in: query
        type: boolean
        description: Add an exclamation mark
      operations:
      - method: GET
        outputParameters:
        - type: object
          properties:
            greeting:
              type: string
              value: "Hello {{who}}"
            excited:
              type: boolean
              value: "{{excited}}"
            fixed:
              type: string
              value: static
`;

let upstream: Upstream;
let running: Serving;
beforeAll(async () => {
  upstream = await startUpstream(reply);
  running = await serveYaml(YAML, { upstream: upstream.url });
});
afterAll(async () => {
  await running?.close();
  await upstream?.stop();
});

const get = (path: string, init?: RequestInit) => fetch(`${running.rest}${path}`, init);

describe("upstream answers are relayed", () => {
  it.each(["/odd", "/odd-bare"])("%s: $. passthrough keeps the upstream bytes exactly", async (path) => {
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(Buffer.from(await res.arrayBuffer()).toString("utf8")).toBe('{"b":1,  "a":2 ,"n":1.50e2,"s":"\\u00e9"}\n');
  });

  it("a 404 keeps its status and upstream JSON body", async () => {
    const res = await get("/missing");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.text()).toBe('{"error":"not found","id":"x1"}');
  });

  it("a 422 keeps its status, body and content type", async () => {
    const res = await get("/invalid", { method: "POST" });
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await json(res)).toEqual({ errors: [{ field: "name", message: "is taken" }] });
  });

  it("a 503 keeps Retry-After", async () => {
    const res = await get("/busy");
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("7");
    expect(await json(res)).toEqual({ error: "busy" });
  });

  it("a 201 keeps its status", async () => {
    const res = await get("/created", { method: "POST" });
    expect(res.status).toBe(201);
    expect(await json(res)).toEqual({ id: "new-1", name: "n" });
  });

  it.each(["/empty", "/empty-shaped"])("%s: a 204 is relayed with no body", async (path) => {
    const res = await get(path, { method: "DELETE" });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
  });

  it("a malformed upstream body under a mapping is 502 with a JSON error", async () => {
    const res = await get("/broken");
    expect(res.status).toBe(502);
    expect((await json(res)).error).toMatch(/^upstream_/);
  });

  it("a malformed upstream body under $. is still passed through untouched", async () => {
    const res = await get("/broken-pass");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("{not json");
  });
});

describe("official output shapes", () => {
  it("properties, nested objects, scalar coercion, value and a missing mapping", async () => {
    const res = await get("/ship");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await json(res)).toEqual({
      imo: "9321483",
      name: "Northern Star",
      tonnage: 51200,
      active: true,
      size: { length: 229.5 },
      firstCrew: "Ann",
      source: "registry",
      kind: "Northern Star",
    });
  });

  it("items build a list, one object per element", async () => {
    expect(await json(await get("/crew"))).toEqual([
      { name: "Ann", role: "captain" },
      { name: "Bo", role: "cook" },
    ]);
  });

  it("a scalar mapping is the whole result", async () => {
    expect(await json(await get("/ship-name"))).toBe("Northern Star");
  });

  it("outputRawFormat: xml is converted before mapping", async () => {
    expect(await json(await get("/vessels"))).toEqual([
      { id: "v1", name: "Aurora", length: 120 },
      { id: "v2", name: "Borealis", length: 95 },
    ]);
  });

  it("outputRawFormat: xml under $. is returned as JSON, not as XML text", async () => {
    const res = await get("/vessels-raw");
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const body = await json(res);
    expect(body.vessel).toHaveLength(2);
    expect(body.vessel[0].name).toBe("Aurora");
  });

  it("mock mode (no call) builds the result from the inputs alone", async () => {
    const before = upstream.requests.length;
    const res = await get("/hello/Ann%20Lee?excited=true");
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ greeting: "Hello Ann Lee", excited: true, fixed: "static" });
    expect(upstream.requests.length).toBe(before);
  });

  it("mock mode still validates its inputs", async () => {
    const res = await get("/hello/x?excited=perhaps");
    expect(res.status).toBe(400);
    expect((await json(res)).problems).toEqual([expect.objectContaining({ parameter: "excited" })]);
  });
});
