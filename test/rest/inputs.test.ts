/**
 * REST exposes: how a caller's path, query, header and body inputs reach the upstream, and every
 * way a bad request is refused before any upstream call.
 */
import { describe, expect, it } from "vitest";
import { rawRequest } from "../support/raw-http.js";
import { servedForTests } from "./harness.js";

const YAML = `naftiko: 1.0.0-alpha2
info:
  label: REST inputs
  description: REST inputs test
capability:
  consumes:
  - type: http
    namespace: api
    baseUri: http://upstream.invalid/api
    resources:
    - name: connections-connection_id
      path: /connections/{connection_id}
      operations:
      - name: getconnection
        method: GET
        inputParameters:
        - name: connection_id
          in: path
          type: string
          required: true
        - name: include
          in: query
          type: array
      - name: updateconnection
        method: PUT
        inputParameters:
        - name: connection_id
          in: path
          type: string
          required: true
        - name: body
          in: body
          type: object
          required: true
    - name: patch_panels
      path: /patch-panels/{patchPanelId}
      operations:
      - name: getpatchpanel
        method: GET
        inputParameters:
        - name: patchPanelId
          in: path
          type: string
          required: true
    - name: items
      path: /items
      operations:
      - name: listitems
        method: GET
        inputParameters:
        - name: page
          in: query
          type: integer
        - name: per_page
          in: query
          type: integer
        - name: active
          in: query
          type: boolean
        - name: q
          in: query
          type: string
          required: true
        - name: X-Request-Id
          in: header
          type: string
      - name: createitem
        method: POST
        inputParameters:
        - name: body
          in: body
          type: object
          required: true
    - name: ships
      path: /ships/{{imo_number}}
      operations:
      - name: get-ship
        method: GET
        inputParameters:
        - name: imo_number
          in: path
        - name: Registry-Version
          in: header
    - name: voyages
      path: /voyages
      operations:
      - name: create-voyage
        method: POST
        body:
          type: json
          data:
            ship: "{{ship}}"
            crew: "{{crew}}"
            note: "leg {{leg}}"
  exposes:
  - type: rest
    namespace: api-rest
    port: 8080
    resources:
    - path: /v1/connections/{connection-id}
      operations:
      - method: GET
        call: api.getconnection
        with:
          connection_id: rest.connection_id
          include: rest.include
      - method: PUT
        call: api.updateconnection
        with:
          connection_id: rest.connection_id
          body: rest.body
    - path: /v1/patch-panels/{patchpanelid}
      operations:
      - method: GET
        call: api.getpatchpanel
        with:
          patchPanelId: rest.patchPanelId
    - path: /v1/items
      operations:
      - method: GET
        call: api.listitems
        with:
          page: rest.page
          per_page: rest.per_page
          active: rest.active
          q: rest.q
          X-Request-Id: rest.X-Request-Id
      - method: POST
        call: api.createitem
        with:
          body: rest.body
    - path: /v2/ships/{imo}
      inputParameters:
      - name: imo
        in: path
        type: string
        description: IMO number
        pattern: "^[0-9]{7}$"
      - name: version
        in: header
        type: string
        description: Registry version
      operations:
      - method: GET
        call: api.get-ship
        with:
          imo_number: rest.imo
          Registry-Version: rest.version
    - path: /v2/voyages
      operations:
      - method: POST
        inputParameters:
        - name: ship
          in: body
          type: string
          description: Ship IMO
        - name: crew
          in: body
          type: array
          description: Crew ids
        - name: leg
          in: body
          type: integer
          description: Leg number
        call: api.create-voyage
`;

const rig = servedForTests(YAML, { maxBodySize: 256 });
const { ok, nothingSent } = rig;

/** A refused request: the status, a JSON error body, and nothing sent upstream. */
async function refused(status: number, target: string, init?: RequestInit) {
  const res = await fetch(`${rig.url}${target}`, init);
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  nothingSent();
  return { res, body: JSON.parse(text) };
}

const jsonInit = (method: string, body: string, type = "application/json"): RequestInit => ({
  method,
  headers: { "content-type": type },
  body,
});

describe("inputs reach the upstream", () => {
  it("{connection-id} feeds rest.connection_id", async () => {
    const seen = await ok("/v1/connections/conn-1?include=ports,project");
    expect(seen.url).toBe("/api/connections/conn-1?include=ports,project");
  });

  it("{patchpanelid} feeds rest.patchPanelId", async () => {
    expect((await ok("/v1/patch-panels/PP-9")).path).toBe("/api/patch-panels/PP-9");
  });

  it("query parameters match ignoring case and - vs _, and headers are read", async () => {
    const seen = await ok("/v1/items?Q=boats&per-page=20&page=2&active=true", { headers: { "x-request-id": "rid-1" } });
    expect([...new URLSearchParams(seen.query)].sort()).toEqual([
      ["active", "true"],
      ["page", "2"],
      ["per_page", "20"],
      ["q", "boats"],
    ]);
    expect(seen.headers["x-request-id"]).toBe("rid-1");
  });

  it("unknown query parameters and undeclared headers are not forwarded", async () => {
    const seen = await ok("/v1/items?q=x&admin=true&include=all", { headers: { "x-internal": "1", authorization: "Bearer caller" } });
    expect(seen.query).toBe("q=x");
    expect(seen.headers["x-internal"]).toBeUndefined();
    expect(seen.headers.authorization).toBeUndefined();
  });

  it("a JSON body is sent as the upstream body", async () => {
    const body = { name: "n", speed: 12.5, tags: ["x"] };
    const seen = await ok("/v1/connections/c1", jsonInit("PUT", JSON.stringify(body), "application/json; charset=utf-8"));
    expect(seen.method).toBe("PUT");
    expect(seen.path).toBe("/api/connections/c1");
    expect(JSON.parse(seen.body)).toEqual(body);
  });

  it("official dialect: declared path, header and pattern", async () => {
    const seen = await ok("/v2/ships/9321483", { headers: { version: "2.1" } });
    expect(seen.path).toBe("/api/ships/9321483");
    expect(seen.headers["registry-version"]).toBe("2.1");
  });

  it("official dialect: declared body fields fill the body template", async () => {
    const seen = await ok(
      "/v2/voyages",
      jsonInit("POST", JSON.stringify({ ship: "9321483", crew: ["c1", "c2"], leg: 3, extra: "ignored" })),
    );
    expect(seen.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(seen.body)).toEqual({ ship: "9321483", crew: ["c1", "c2"], note: "leg 3" });
  });
});

describe("bad requests are refused before any upstream call", () => {
  it("names each bad parameter", async () => {
    const { body } = await refused(400, "/v1/items?q=x&page=abc&per_page=x");
    expect(body.error).toBe("invalid_request");
    expect(body.problems.map((p: { parameter: string }) => p.parameter).sort()).toEqual(["page", "per_page"]);
    expect(body.message).toContain("page");
    expect(body.message).toContain("per_page");
  });

  it("names a missing required parameter alongside a badly typed one", async () => {
    const { body } = await refused(400, "/v1/items?page=1.5&active=maybe");
    expect(body.problems.map((p: { parameter: string }) => p.parameter).sort()).toEqual(["active", "page", "q"]);
  });

  it("a string outside its declared pattern", async () => {
    const { body } = await refused(400, "/v2/ships/12");
    expect(body.problems).toEqual([expect.objectContaining({ parameter: "imo", in: "path" })]);
  });

  it("a missing required body", async () => {
    const { body } = await refused(400, "/v1/items", { method: "POST" });
    expect(body.problems).toEqual([expect.objectContaining({ parameter: "body", message: expect.stringMatching(/required/) })]);
  });

  it("a malformed JSON body", async () => {
    const { body } = await refused(400, "/v1/items", jsonInit("POST", '{"name": '));
    expect(body.problems).toEqual([expect.objectContaining({ parameter: "body", message: expect.stringMatching(/not valid JSON/) })]);
  });

  it("a body of the wrong JSON type", async () => {
    const { body } = await refused(400, "/v1/items", jsonInit("POST", '"just a string"'));
    expect(body.problems).toEqual([expect.objectContaining({ parameter: "body" })]);
  });

  it("a declared body field of the wrong type", async () => {
    const { body } = await refused(400, "/v2/voyages", jsonInit("POST", JSON.stringify({ ship: "1", leg: "three" })));
    expect(body.problems).toEqual([expect.objectContaining({ parameter: "leg" })]);
  });

  it("a wrong content type is 415", async () => {
    const { body } = await refused(415, "/v1/items", jsonInit("POST", "name=x", "application/x-www-form-urlencoded"));
    expect(body.error).toBe("unsupported_media_type");
  });

  it("an oversized body is 413", async () => {
    const { body } = await refused(413, "/v1/items", jsonInit("POST", JSON.stringify({ pad: "x".repeat(1_000) })));
    expect(body.error).toBe("payload_too_large");
  });

  it("an oversized chunked body (no content-length) is 413", async () => {
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode(i === 0 ? '{"pad":"' : "x".repeat(100)));
        c.enqueue(new TextEncoder().encode('"}'));
        c.close();
      },
    });
    await refused(413, "/v1/items", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
  });

  it("an unknown path is 404 with a JSON body", async () => {
    const { body } = await refused(404, "/v1/nothing-here");
    expect(body.error).toBe("not_found");
  });

  it("a known path with another method is 405 with Allow", async () => {
    const { res, body } = await refused(405, "/v1/connections/c1", { method: "DELETE" });
    expect(res.headers.get("allow")?.split(/,\s*/).sort()).toEqual(["GET", "PUT"]);
    expect(body.error).toBe("method_not_allowed");
  });

  it("405 for a method the runtime never routes (PATCH on a GET+POST path)", async () => {
    const res = await rawRequest(rig.url, "PATCH", "/v1/items");
    expect(res.status).toBe(405);
    expect(String(res.headers.allow).split(/,\s*/).sort()).toEqual(["GET", "POST"]);
    nothingSent();
  });
});
