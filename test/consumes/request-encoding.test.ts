/**
 * How a consumed operation's request is built, checked on what a real upstream received: path
 * variables as single encoded segments, query styles, names as written, headers, cookies, bodies.
 */
import { describe, expect, it } from "vitest";
import { rawRequest } from "../support/raw-http.js";
import { json, servedForTests } from "../rest/harness.js";

const YAML = `naftiko: 1.0.0-alpha2
info:
  label: Encoding
  description: Request encoding test
capability:
  consumes:
  - type: http
    namespace: api
    baseUri: http://upstream.invalid/api
    resources:
    - name: item
      path: /items/{id}
      operations:
      - name: get-item
        method: GET
        inputParameters:
        - name: id
          in: path
          type: string
          required: true
    - name: item2
      path: /items2/{{id}}/detail
      operations:
      - name: get-item2
        method: GET
        inputParameters:
        - name: id
          in: path
    - name: lookup
      path: /lookup/{key}
      operations:
      - name: lookup
        method: GET
        inputParameters:
        - name: key
          in: path
          type: string
    - name: invoice_items
      path: /v1/Invoice Items
      operations:
      - name: search
        method: GET
        inputParameters:
        - name: include
          in: query
          type: array
        - name: created
          in: query
          type: object
        - name: limit
          in: query
          type: integer
        - name: active
          in: query
          type: boolean
        - name: Search string
          in: query
          type: string
        - name: created[after]
          in: query
          type: string
        - name: X-Trace
          in: header
          type: string
        - name: session
          in: cookie
          type: string
    - name: things
      path: /things
      operations:
      - name: create-thing
        method: POST
        inputParameters:
        - name: body
          in: body
          type: object
          required: true
      - name: peek-things
        method: GET
        inputParameters:
        - name: body
          in: body
          type: object
          required: true
        - name: q
          in: query
          type: string
  exposes:
  - type: rest
    namespace: api-rest
    port: 8080
    resources:
    - path: /items/{id}
      operations:
      - method: GET
        call: api.get-item
        with:
          id: rest.id
    - path: /items2/{id}
      operations:
      - method: GET
        call: api.get-item2
        with:
          id: rest.id
    - path: /lookup
      operations:
      - method: GET
        call: api.lookup
        with:
          key: rest.key
    - path: /search
      operations:
      - method: GET
        call: api.search
        with:
          include: rest.include
          created: rest.created
          limit: rest.limit
          active: rest.active
          Search string: rest.Search string
          created[after]: rest.created[after]
          X-Trace: rest.X-Trace
          session: rest.session
    - path: /things
      operations:
      - method: POST
        call: api.create-thing
        with:
          body: rest.body
      - method: GET
        call: api.peek-things
        with:
          body: rest.body
          q: rest.q
    - path: /notes
      inputParameters:
      - name: note
        in: query
        type: string
        description: Goes upstream as a header
      - name: crumb
        in: query
        type: string
        description: Goes upstream as a cookie
      operations:
      - method: GET
        call: api.search
        with:
          X-Trace: rest.note
          session: rest.crumb
`;

const rig = servedForTests(YAML);
const { ok, sent, nothingSent, mark } = rig;

describe("path variables", () => {
  it.each([
    ["a%2Fb", "a%2Fb"],
    ["hello%20world", "hello%20world"],
    ["%C3%A9t%C3%A9%20%E2%9C%93", "%C3%A9t%C3%A9%20%E2%9C%93"],
    ["what%3Fnot%23frag", "what%3Fnot%23frag"],
    ["100%25", "100%25"],
    ["plain-id_1.2~x", "plain-id_1.2~x"],
  ])("{x}: %s reaches the upstream as one segment %s", async (given, expected) => {
    expect((await ok(`/items/${given}`)).path).toBe(`/api/items/${expected}`);
  });

  it("{{x}}: a/b is one segment too", async () => {
    expect((await ok("/items2/a%2Fb")).path).toBe("/api/items2/a%2Fb/detail");
  });

  // The caller's URL is normalised like any URL (`/items/..` is `/`), so a dot segment in the
  // exposed path never becomes a variable; it must still never reach the upstream.
  it.each(["/items/..", "/items/%2e%2e", "/items/.", "/items/%2E", "/items2/%2e%2E"])("%s never reaches the upstream", async (target) => {
    const res = await rawRequest(rig.url, "GET", target);
    expect([400, 404]).toContain(res.status);
    expect(JSON.parse(res.body).error).toBeTruthy();
    nothingSent();
  });

  it.each([".", "..", "%2e%2e", "%2E"])(
    "a path variable %s fed from a query input is refused with 400 and no upstream call",
    async (value) => {
      const res = await fetch(`${rig.url}/lookup?key=${value}`);
      expect(res.status).toBe(400);
      expect((await json(res)).problems).toEqual([expect.objectContaining({ parameter: "key", in: "path" })]);
      nothingSent();
    },
  );

  it("a path variable a/b fed from a query input is one segment", async () => {
    expect((await ok("/lookup?key=a%2F..%2Fadmin")).path).toBe("/api/lookup/a%2F..%2Fadmin");
  });

  it("an empty value is refused with 400 and no upstream call", async () => {
    const res = await fetch(`${rig.url}/lookup?key=`);
    expect(res.status).toBe(400);
    expect((await json(res)).message).toMatch(/key/);
    nothingSent();
  });

  it("a missing value is refused with 400 and no upstream call", async () => {
    const res = await fetch(`${rig.url}/lookup`);
    expect(res.status).toBe(400);
    expect((await json(res)).message).toMatch(/key/);
    nothingSent();
  });

  it("literal path text with a space is percent-encoded", async () => {
    expect((await ok("/search")).path).toBe("/api/v1/Invoice%20Items");
  });
});

describe("query parameters", () => {
  it("an array is one comma-joined parameter, from either caller form", async () => {
    expect((await ok("/search?include=ports,project")).query).toBe("include=ports,project");
    mark();
    expect((await ok("/search?include=ports&include=project")).query).toBe("include=ports,project");
  });

  it("array items are encoded, the separating commas are not", async () => {
    expect((await ok("/search?include=a%20b&include=c%26d")).query).toBe("include=a%20b,c%26d");
  });

  it("an object goes in deepObject style", async () => {
    const created = encodeURIComponent(JSON.stringify({ gt: 5, lt: 9 }));
    expect((await ok(`/search?created=${created}`)).query).toBe("created[gt]=5&created[lt]=9");
  });

  it("an object is read from deepObject form and sent upstream the same way", async () => {
    expect((await ok("/search?created[gt]=5&created[lt]=9")).query).toBe("created[gt]=5&created[lt]=9");
    mark();
    expect((await ok("/search?created%5Bgt%5D=2024-01-01%2010%3A00")).query).toBe("created[gt]=2024-01-01%2010%3A00");
  });

  it("a parameter named like a member (created[after]) stays that parameter", async () => {
    const seen = await ok("/search?created[after]=2024-01-01&created[before]=2025-01-01");
    expect([...new URLSearchParams(seen.query)]).toEqual([
      ["created[before]", "2025-01-01"],
      ["created[after]", "2024-01-01"],
    ]);
  });

  it.each([
    ["/search?created[a][b]=1", "deepObject members are one level deep"],
    [`/search?created=${encodeURIComponent('{"gt":1}')}&created[lt]=2`, "is given both as JSON and as deepObject members"],
  ])("%s is refused with 400 naming the parameter, and no upstream call", async (target, message) => {
    const res = await fetch(`${rig.url}${target}`);
    expect(res.status).toBe(400);
    expect((await json(res)).problems).toEqual([
      expect.objectContaining({ parameter: "created", in: "query", message: expect.stringContaining(message) }),
    ]);
    nothingSent();
  });

  it("the OpenAPI document says deepObject", async () => {
    const doc = await json(await fetch(`${rig.url}/openapi.json`));
    const created = (doc.paths["/search"].get.parameters as Array<Record<string, unknown>>).find((p) => p.name === "created");
    expect(created).toMatchObject({ in: "query", style: "deepObject", explode: true, schema: { type: "object" } });
  });

  it("numbers and booleans as their JSON text", async () => {
    const q = new URLSearchParams((await ok("/search?limit=10&active=false")).query);
    expect([...q]).toEqual([
      ["limit", "10"],
      ["active", "false"],
    ]);
  });

  it("names with spaces and brackets are sent as written, values encoded", async () => {
    const seen = await ok("/search?Search%20string=a%26b%3Dc%2Bd%20e&created[after]=2024-01-01");
    expect(seen.query).toBe("Search%20string=a%26b%3Dc%2Bd%20e&created[after]=2024-01-01");
    expect([...new URLSearchParams(seen.query)]).toEqual([
      ["Search string", "a&b=c+d e"],
      ["created[after]", "2024-01-01"],
    ]);
  });

  it("absent parameters are omitted and unknown caller parameters are not forwarded", async () => {
    const seen = await ok("/search?limit=1&debug=true&admin=1");
    expect(seen.query).toBe("limit=1");
  });
});

describe("headers, cookies and bodies", () => {
  it("header and cookie parameters are sent as given", async () => {
    const seen = await ok("/search", { headers: { "X-Trace": "trace 42", cookie: "other=1; session=abc123" } });
    expect(seen.headers["x-trace"]).toBe("trace 42");
    expect(seen.headers.cookie).toBe("session=abc123");
  });

  it.each([
    ["note", "a%0D%0AInjected: yes"],
    ["note", "a%0Ab"],
    ["crumb", "x%0D%0ASet-Cookie: y=1"],
    ["crumb", "x%3B%20admin%3Dtrue"],
  ])("a %s value with CR/LF (or a cookie with ';') is refused with 400 naming it, and no upstream call", async (name, value) => {
    const res = await fetch(`${rig.url}/notes?${name}=${value}`);
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(JSON.stringify(body.problems)).toContain(name === "note" ? "X-Trace" : "session");
    nothingSent();
  });

  it("a header fed from a query input is sent", async () => {
    const seen = await ok("/notes?note=hi&crumb=c1");
    expect(seen.headers["x-trace"]).toBe("hi");
    expect(seen.headers.cookie).toBe("session=c1");
    expect(seen.query).toBe("");
  });

  it("an in: body parameter is sent as JSON with its content type", async () => {
    const body = { name: "café", tags: ["a", "b"], nested: { n: 1, ok: true } };
    const seen = await ok("/things", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    expect(seen.method).toBe("POST");
    expect(seen.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(seen.body)).toEqual(body);
  });

  it("a body declared on GET is never sent, nor required of the caller", async () => {
    const seen = await ok("/things?q=1");
    expect(seen.method).toBe("GET");
    expect(seen.body).toBe("");
    expect(seen.headers["content-type"]).toBeUndefined();
    expect(seen.headers["content-length"] ?? "0").toBe("0");
  });

  it("a body given to a GET anyway is not forwarded", async () => {
    const res = await rawRequest(rig.url, "GET", "/things?q=2", { "content-type": "application/json", "content-length": "7" }, '{"x":1}');
    expect(res.status, res.body).toBe(200);
    const seen = sent();
    expect(seen.body).toBe("");
    expect(seen.headers["content-type"]).toBeUndefined();
  });
});
