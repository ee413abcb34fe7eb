/**
 * Official-dialect features one at a time, in-process against a recording upstream: mock outputs,
 * `file:///` binds, imported consumes, exposed inputParameters (REST and MCP), consumes auth from
 * binds, request body templates and output shaping.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BindError } from "../../src/spec/binds.js";
import { loadCapability } from "../../src/spec/load.js";
import { serveCapability } from "../../src/serve.js";
import { compileOutput } from "../../src/mapping/output.js";
import path from "node:path";
import { callTool, mcp } from "../support/official.js";
import { serveFiles, type Serving } from "../support/serve.js";
import { writeTree } from "../support/temp.js";
import { startRecordingUpstream, type RecordingUpstream } from "../support/recording-upstream.js";

let upstream: RecordingUpstream;
beforeAll(async () => {
  upstream = await startRecordingUpstream((req) => {
    if (req.path.endsWith("/ship")) {
      return {
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          imo_number: "IMO-1",
          vessel_name: "Northern Star",
          year_built: "2015",
          dims: { length: 229 },
          crew: [
            { id: "C1", n: "Erik" },
            { id: "C2", n: "Aiko" },
          ],
          note: "a long remark about the ship",
        }),
      };
    }
    return {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ method: req.method, body: req.body, type: req.headers["content-type"] ?? null }),
    };
  });
});
afterAll(async () => upstream.stop());

const last = () => upstream.requests[upstream.requests.length - 1];

describe("mock outputs (value without call)", () => {
  let s: Serving;
  beforeAll(async () => {
    s = await serveFiles({
      "capability.yml": `naftiko: "1.0.0-alpha2"
capability:
  exposes:
    - type: mcp
      port: 3001
      namespace: mock-tools
      tools:
        - name: get-ship
          description: "Mocked ship"
          inputParameters:
            - name: imo_number
              type: string
              description: "IMO"
          outputParameters:
            - name: imo
              type: string
              value: "{{imo_number}}"
            - name: name
              type: string
              value: "Northern Star"
            - name: tonnage
              type: number
              value: "42000"
    - type: rest
      port: 3002
      namespace: mock-api
      resources:
        - path: /ships/{{imo}}
          operations:
            - method: GET
              outputParameters:
                - type: object
                  properties:
                    imo:
                      type: string
                      value: "{{imo}}"
                    status:
                      type: string
                      value: active
`,
    });
  });
  afterAll(() => s.close());

  it("MCP: the declared fields, templates filled from the arguments, types applied", async () => {
    const r = await callTool(s.url["mock-tools"], "get-ship", { imo_number: "IMO-9" });
    expect(r.isError).toBe(false);
    expect(r.value).toEqual({ imo: "IMO-9", name: "Northern Star", tonnage: 42000 });
    expect(r.body.result.structuredContent).toEqual(r.value);
  });

  it("REST: an object of values, templates filled from path variables", async () => {
    const res = await fetch(`${s.url["mock-api"]}/ships/IMO-7`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ imo: "IMO-7", status: "active" });
  });

  it("a mock tool is read-only and required inputs default to true on MCP", async () => {
    const list = (await mcp(s.url["mock-tools"], "tools/list", {})).json();
    const tool = list.result.tools[0];
    expect(tool.inputSchema.required).toEqual(["imo_number"]);
    expect(tool.annotations.readOnlyHint).toBe(true);
  });
});

describe("binds from file:/// locations", () => {
  const cap = (location: string) => `naftiko: "1.0.0-alpha2"
binds:
  - namespace: secrets
    location: "${location}"
    keys:
      TOKEN: "api-token"
capability:
  consumes:
    - namespace: up
      type: http
      baseUri: "${upstream.url}/api"
      authentication:
        type: bearer
        token: "{{TOKEN}}"
      resources:
        - name: r
          path: /things
          operations:
            - name: list
              method: GET
  exposes:
    - type: rest
      port: 3002
      namespace: api
      resources:
        - path: /things
          operations:
            - method: GET
              call: up.list
`;

  it.each([
    ["YAML", "file:///./shared/secrets.yaml", "shared/secrets.yaml", "api-token: yaml-secret-1\n", "yaml-secret-1"],
    ["JSON", "file:///./secrets.json", "secrets.json", '{"api-token": "json-secret-2"}', "json-secret-2"],
    [".env", "file:///./conf/.env", "conf/.env", "api-token=env-secret-3\n", "env-secret-3"],
  ])("%s, relative to the capability file, feeds consumes auth", async (_kind, location, file, text, secret) => {
    const s = await serveFiles({ "capability.yml": cap(location), [file]: text });
    try {
      const res = await fetch(`${s.url.api}/things`);
      expect(res.status).toBe(200);
      expect(last().headers.authorization).toBe(`Bearer ${secret}`);
    } finally {
      await s.close();
    }
  });

  it("an absolute file:/// location works too", async () => {
    const dir = writeTree({ "s.yaml": "api-token: abs-secret-4\n" });
    const s = await serveFiles({ "capability.yml": cap(`file://${path.join(dir, "s.yaml")}`) });
    try {
      await fetch(`${s.url.api}/things`);
      expect(last().headers.authorization).toBe("Bearer abs-secret-4");
    } finally {
      await s.close();
    }
  });

  it("a missing key names the variable, key and location, never a value", async () => {
    const dir = writeTree({ "capability.yml": cap("file:///./s.yaml"), "s.yaml": "other: do-not-print-me\n" });
    const capability = await loadCapability(path.join(dir, "capability.yml"));
    const err = await serveCapability(capability, { ports: { api: 0 }, log: () => {} }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BindError);
    expect((err as Error).message).toMatch(/TOKEN \(key "api-token" not found in file:\/\/\/\.\/s\.yaml, bind "secrets"\)/);
    expect((err as Error).message).not.toContain("do-not-print-me");
  });
});

describe("imported consumes, auth from binds, body templates", () => {
  let s: Serving;
  beforeAll(async () => {
    s = await serveFiles({
      "secrets.yaml": "key: dock-key-5\ntoken: reg-token-6\nversion: '2.1'\n",
      "shared/up.yaml": `naftiko: "1.0.0-alpha2"
consumes:
  - namespace: dock
    type: http
    baseUri: "${upstream.url}/dock"
    authentication:
      type: apikey
      key: X-Dock-Key
      placement: header
      value: "{{DOCK_KEY}}"
    resources:
      - name: r
        path: /vessels
        operations:
          - name: list
            method: GET
  - namespace: reg
    type: http
    baseUri: "${upstream.url}/reg"
    authentication:
      type: apikey
      key: api_key
      placement: query
      value: "{{DOCK_KEY}}"
    inputParameters:
      - name: Registry-Version
        in: header
        value: "{{VERSION}}"
    resources:
      - name: json
        path: /json
        operations:
          - name: json-text
            method: POST
            body: |
              {"imo": "{{imo}}", "crew": {{crew}}, "note": "{{note}}"}
          - name: json-data
            method: PUT
            body:
              type: json
              data:
                imo: "{{imo}}"
                crew: "{{crew}}"
                fixed: 1
      - name: text
        path: /text
        inputParameters:
          - name: Content-Language
            in: header
            value: en
        operations:
          - name: text
            method: POST
            body:
              type: text
              data: "ship {{imo}} sails"
      - name: form
        path: /form
        operations:
          - name: form-text
            method: POST
            body:
              type: formUrlEncoded
              data: "imo={{imo}}&note={{note}}"
          - name: form-map
            method: PATCH
            body:
              type: formUrlEncoded
              data:
                imo: "{{imo}}"
                note: "{{note}}"
      - name: parts
        path: /parts
        operations:
          - name: form-parts
            method: POST
            body:
              type: multipartForm
              data:
                - name: imo
                  value: "{{imo}}"
                - name: manifest
                  value: "cargo of {{imo}}"
                  filename: manifest.txt
                  contentType: text/plain
`,
      "capability.yml": `naftiko: "1.0.0-alpha2"
binds:
  - namespace: s
    location: "file:///./secrets.yaml"
    keys:
      DOCK_KEY: key
      REG_TOKEN: token
      VERSION: version
capability:
  consumes:
    - import: dock
      location: ./shared/up.yaml
      # Documentation for the reader of this file: neither engine reads it.
      description: The dock API, shared by the fleet's capabilities.
    - import: reg
      location: ./shared/up.yaml
      as: registry
  exposes:
    - type: mcp
      port: 3001
      namespace: t
      tools:
        - name: vessels
          description: "Vessels"
          call: dock.list
        - name: json-text
          description: "JSON text template"
          inputParameters:
            - name: imo
              type: string
              description: "IMO"
            - name: crew
              type: array
              description: "Crew ids"
            - name: note
              type: string
              required: false
              description: "Free text"
          call: registry.json-text
        - name: json-data
          description: "JSON data template"
          inputParameters:
            - name: imo
              type: string
              description: "IMO"
            - name: crew
              type: array
              description: "Crew ids"
          call: registry.json-data
          with:
            imo: t.imo
            crew: t.crew
        - name: text
          description: "Text template"
          inputParameters:
            - name: imo
              type: string
              description: "IMO"
          call: registry.text
        - name: form-text
          description: "Form template"
          inputParameters:
            - name: imo
              type: string
              description: "IMO"
            - name: note
              type: string
              description: "Free text"
          call: registry.form-text
        - name: form-map
          description: "Form map"
          inputParameters:
            - name: imo
              type: string
              description: "IMO"
            - name: note
              type: string
              description: "Free text"
          call: registry.form-map
        - name: form-parts
          description: "Multipart form"
          inputParameters:
            - name: imo
              type: string
              description: "IMO"
          call: registry.form-parts
`,
    });
  });
  afterAll(() => s.close());

  it("an import keeps its own namespace, `as` renames it; apikey in a header from a file bind", async () => {
    const r = await callTool(s.url.t, "vessels", {});
    expect(r.isError).toBe(false);
    expect(last().path).toBe("/dock/vessels");
    expect(last().headers["x-dock-key"]).toBe("dock-key-5");
  });

  it("json body from a text template: strings escaped, arrays as JSON, absent values null; apikey in the query; header value from a bind", async () => {
    const r = await callTool(s.url.t, "json-text", { imo: 'IMO-"1"', crew: ["C1", "C2"] });
    expect(r.isError).toBe(false);
    expect(last().method).toBe("POST");
    expect(last().url).toBe("/reg/json?api_key=dock-key-5");
    expect(last().headers["registry-version"]).toBe("2.1");
    expect(last().headers["content-type"]).toBe("application/json");
    expect(JSON.parse(last().body)).toEqual({ imo: 'IMO-"1"', crew: ["C1", "C2"], note: null });
  });

  it("json body from structured data keeps value types", async () => {
    await callTool(s.url.t, "json-data", { imo: "IMO-2", crew: ["C9"] });
    expect(last().method).toBe("PUT");
    expect(JSON.parse(last().body)).toEqual({ imo: "IMO-2", crew: ["C9"], fixed: 1 });
  });

  it("text body; a header every operation of its resource sends", async () => {
    await callTool(s.url.t, "text", { imo: "IMO-3" });
    expect(last().headers["content-type"]).toBe("text/plain");
    expect(last().headers["content-language"]).toBe("en");
    expect(last().body).toBe("ship IMO-3 sails");
  });

  it("formUrlEncoded body, from a template and from a map, values encoded", async () => {
    await callTool(s.url.t, "form-text", { imo: "IMO 4", note: "a&b=c" });
    expect(last().headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(last().body).toBe("imo=IMO%204&note=a%26b%3Dc");
    await callTool(s.url.t, "form-map", { imo: "IMO 4", note: "a&b=c" });
    expect(new URLSearchParams(last().body).get("note")).toBe("a&b=c");
    expect(new URLSearchParams(last().body).get("imo")).toBe("IMO 4");
  });

  it("multipartForm body: a plain field, and a file part with its filename and contentType", async () => {
    const r = await callTool(s.url.t, "form-parts", { imo: "IMO 5" });
    expect(r.isError, r.text).toBe(false);
    const sent = last();
    expect(sent.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    const form = await new Response(sent.body, { headers: { "content-type": sent.headers["content-type"] as string } }).formData();
    expect(form.get("imo")).toBe("IMO 5");
    const file = form.get("manifest") as File;
    expect(file.name).toBe("manifest.txt");
    expect(file.type).toBe("text/plain");
    expect(await file.text()).toBe("cargo of IMO 5");
  });

  it("MCP inputParameters: required defaults to true, required: false is optional; a missing one is a tool error", async () => {
    const tools = (await mcp(s.url.t, "tools/list", {})).json().result.tools;
    const jsonText = tools.find((t: { name: string }) => t.name === "json-text");
    expect(jsonText.inputSchema.required).toEqual(["imo", "crew"]);
    expect(jsonText.inputSchema.properties.crew).toMatchObject({ type: "array", description: "Crew ids" });
    const before = upstream.requests.length;
    const r = await callTool(s.url.t, "json-text", { crew: [] });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/imo is required/);
    expect(upstream.requests.length).toBe(before);
  });
});

describe("REST inputParameters", () => {
  let s: Serving;
  beforeAll(async () => {
    s = await serveFiles({
      "capability.yml": `naftiko: "1.0.0-alpha2"
capability:
  consumes:
    - namespace: up
      type: http
      baseUri: "${upstream.url}/api"
      resources:
        - name: r
          path: /things
          operations:
            - name: list
              method: GET
              inputParameters:
                - name: limit
                  in: query
                - name: status
                  in: query
  exposes:
    - type: rest
      port: 3002
      namespace: api
      resources:
        - path: /things
          operations:
            - method: GET
              inputParameters:
                - name: limit
                  in: query
                  type: integer
                  description: "Page size"
                - name: status
                  in: query
                  type: string
                  pattern: "^(active|laid_up)$"
                  description: "Status"
              call: up.list
              with:
                limit: api.limit
                status: api.status
`,
    });
  });
  afterAll(() => s.close());

  it("typed and optional by default; values forwarded", async () => {
    expect((await fetch(`${s.url.api}/things`)).status).toBe(200);
    expect(last().url).toBe("/api/things");
    expect((await fetch(`${s.url.api}/things?limit=5&status=active`)).status).toBe(200);
    expect(last().url).toBe("/api/things?limit=5&status=active");
  });

  it("a bad type or pattern is a 400 naming the parameter, nothing sent upstream", async () => {
    const before = upstream.requests.length;
    for (const [query, bad] of [
      ["limit=many", "limit"],
      ["status=sunk", "status"],
    ]) {
      const res = await fetch(`${s.url.api}/things?${query}`);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { problems: Array<{ parameter: string }> };
      expect(body.problems.map((p) => p.parameter)).toEqual([bad]);
    }
    expect(upstream.requests.length).toBe(before);
  });
});

describe("output shaping", () => {
  const ship = {
    imo_number: "IMO-1",
    vessel_name: "Northern Star",
    year_built: "2015",
    dims: { length: 229 },
    crew: [
      { id: "C1", n: "Erik" },
      { id: "C2", n: "Aiko" },
    ],
    note: "a long remark",
  };

  it("properties, nested objects, items, const, value, type coercion", () => {
    const out = compileOutput([
      {
        type: "object",
        properties: {
          imo: { type: "string", mapping: "$.imo_number" },
          specs: {
            type: "object",
            properties: { yearBuilt: { type: "number", mapping: "$.year_built" }, length: { type: "number", mapping: "$.dims.length" } },
          },
          crew: {
            type: "array",
            mapping: "$.crew",
            items: {
              type: "object",
              properties: { crewId: { type: "string", mapping: "$.id" }, name: { type: "string", mapping: "$.n" } },
            },
          },
          ids: { type: "array", mapping: "$.crew", items: { type: "string", mapping: "$.id" } },
          kind: { type: "string", value: "vessel" },
          // `const` documents the value for validation; the mapping still supplies it.
          imo2: { type: "string", mapping: "$.imo_number", const: "IMO-1" },
          greeting: { type: "string", value: "hello {{who}}" },
        },
      },
    ]);
    expect(out.passthrough).toBe(false);
    expect(out.project(ship, (n) => (n === "who" ? "world" : undefined))).toEqual({
      imo: "IMO-1",
      specs: { yearBuilt: 2015, length: 229 },
      crew: [
        { crewId: "C1", name: "Erik" },
        { crewId: "C2", name: "Aiko" },
      ],
      ids: ["C1", "C2"],
      kind: "vessel",
      imo2: "IMO-1",
      greeting: "hello world",
    });
  });

  it("an array at the root with `mapping: $.` over a list; `$.` alone passes the response through", () => {
    const list = compileOutput([
      { type: "array", mapping: "$.", items: { type: "object", properties: { imo: { type: "string", mapping: "$.imo_number" } } } },
    ]);
    expect(list.project([ship, { imo_number: "IMO-2" }], () => undefined)).toEqual([{ imo: "IMO-1" }, { imo: "IMO-2" }]);
    expect(compileOutput([{ type: "object", mapping: "$." }]).passthrough).toBe(true);
  });

  it("through the runtime: a shaped MCP result and REST response", async () => {
    const s = await serveFiles({
      "capability.yml": `naftiko: "1.0.0-alpha2"
capability:
  consumes:
    - namespace: up
      type: http
      baseUri: "${upstream.url}/api"
      resources:
        - name: r
          path: /ship
          operations:
            - name: get
              method: GET
  exposes:
    - type: mcp
      port: 3001
      namespace: t
      tools:
        - name: ship
          description: "Ship"
          call: up.get
          outputParameters:
            - type: object
              properties:
                name:
                  type: string
                  mapping: "$.vessel_name"
                specs:
                  type: object
                  properties:
                    yearBuilt:
                      type: number
                      mapping: "$.year_built"
    - type: rest
      port: 3002
      namespace: api
      resources:
        - path: /crew
          operations:
            - method: GET
              call: up.get
              outputParameters:
                - type: array
                  mapping: "$.crew"
                  items:
                    type: object
                    properties:
                      name:
                        type: string
                        mapping: "$.n"
`,
    });
    try {
      const r = await callTool(s.url.t, "ship", {});
      expect(r.value).toEqual({ name: "Northern Star", specs: { yearBuilt: 2015 } });
      expect(await (await fetch(`${s.url.api}/crew`)).json()).toEqual([{ name: "Erik" }, { name: "Aiko" }]);
    } finally {
      await s.close();
    }
  });
});
