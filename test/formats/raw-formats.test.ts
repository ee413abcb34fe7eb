/**
 * `outputRawFormat` html, markdown, avro and protobuf through the real CLI, in front of a recording
 * upstream that serves real pages, documents and binary messages (encoded here with avsc and
 * protobufjs from the schema files the capability names): mapped through `outputSchema`, passed
 * through as they came when nothing maps them, and refused by `naftiko validate` when they cannot work.
 */
import path from "node:path";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import avro from "avsc";
import protobuf from "protobufjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, spawnServe, type ServeProcess } from "../support/cli.js";
import { writeTree } from "../support/temp.js";
import { startRecordingUpstream, type RecordingUpstream } from "../support/recording-upstream.js";

const AVSC = JSON.stringify({
  type: "record",
  name: "RecordsList",
  namespace: "io.example",
  fields: [
    {
      name: "records",
      type: {
        type: "array",
        items: {
          type: "record",
          name: "Record",
          fields: [
            { name: "id", type: "string" },
            { name: "title", type: "string" },
            { name: "description", type: ["null", "string"], default: null },
            { name: "size", type: "long" },
            { name: "digest", type: "bytes" },
          ],
        },
      },
    },
  ],
});

const PROTO = `syntax = "proto3";
package test.records;
import "common.proto";

message RecordsList {
  repeated Record records = 1;
  common.Kind kind = 2;
}

message Record {
  string id = 1;
  string title_text = 2;
  int64 size = 3;
}
`;
const COMMON_PROTO = `syntax = "proto3";
package common;
enum Kind { UNKNOWN = 0; CATALOG = 1; }
`;

const PAGE = `<!doctype html>
<html><head><title>Stock</title><style>td { color: red }</style></head>
<body>
  <table class="ignored">
    <tr><th>Name</th><th>Stock</th></tr>
    <tr><td>Ignored</td><td>0</td></tr>
  </table>
  <div id="main">
    <table class="products">
      <thead><tr><th>Name</th><th>Stock</th><th>Note</th></tr></thead>
      <tbody>
        <tr><td>Widget
              Pro</td><td>150</td><td>new<br>in&nbsp;store</td></tr>
        <tr><th>Sub-header</th><td>x</td></tr>
        <tr><td>Gadget</td><td>30</td></tr>
      </tbody>
    </table>
  </div>
</body></html>`;

const README = `---
title: Release Notes
version: 2.1.0
---

# Release 2.1

## Overview
This **release** introduces [new features](https://example.com)
and \`fast\` paths.

| Feature | Status |
|---------|--------|
| Search  | GA     |
| Export  | Beta   |

## API Reference
Details about the API.

\`\`\`
code is left out
\`\`\`

### API Notes
Deeper.

## API Usage
How to use the API.
`;

const CAPABILITY = `naftiko: "1.0.0-alpha2"
info:
  label: Formats
  description: Pages, documents and binary messages as data.
capability:
  consumes:
    - namespace: docs
      type: http
      baseUri: "http://upstream.invalid/api"
      resources:
        - name: page
          path: "/page"
          operations:
            - name: get-page
              method: GET
              outputRawFormat: html
            - name: get-products
              method: GET
              outputRawFormat: html
              outputSchema: "#main table.products"
        - name: readme
          path: "/readme"
          operations:
            - name: get-readme
              method: GET
              outputRawFormat: markdown
            - name: get-api-sections
              method: GET
              outputRawFormat: markdown
              outputSchema: "## API"
        - name: records
          path: "/records/{{kind}}"
          operations:
            - name: get-avro
              method: GET
              inputParameters:
                - name: kind
                  in: path
              outputRawFormat: avro
              outputSchema: schemas/records.avsc
            - name: get-proto
              method: GET
              inputParameters:
                - name: kind
                  in: path
              outputRawFormat: protobuf
              outputSchema: schemas/records.proto
  exposes:
    - type: rest
      port: 8080
      namespace: formats-rest
      resources:
        - path: "/page-raw"
          operations:
            - method: GET
              call: docs.get-page
        - path: "/page-tables"
          operations:
            - method: GET
              call: docs.get-page
              outputParameters:
                - type: object
                  mapping: "$."
        - path: "/products"
          operations:
            - method: GET
              call: docs.get-products
              outputParameters:
                - type: array
                  mapping: "$.tables[0]"
                  items:
                    type: object
                    properties:
                      name:
                        type: string
                        mapping: "$.Name"
                      stock:
                        type: number
                        mapping: "$.Stock"
                      note:
                        type: string
                        mapping: "$.Note"
        - path: "/product-names"
          operations:
            - method: GET
              name: product-names
              steps:
                - type: call
                  name: fetch
                  call: docs.get-products
              mappings:
                - targetName: products
                  value: "$.fetch.tables[0]"
              outputParameters:
                - name: products
                  type: array
                  items:
                    - name: Name
                      type: string
        - path: "/readme-raw"
          operations:
            - method: GET
              call: docs.get-readme
        - path: "/readme"
          operations:
            - method: GET
              call: docs.get-readme
              outputParameters:
                - type: object
                  mapping: "$."
        - path: "/api-sections"
          operations:
            - method: GET
              call: docs.get-api-sections
              outputParameters:
                - type: array
                  mapping: "$.sections"
                  items:
                    type: object
                    properties:
                      heading:
                        type: string
                        mapping: "$.heading"
        - path: "/avro/{{kind}}"
          operations:
            - method: GET
              inputParameters:
                - name: kind
                  in: path
                  type: string
                  description: Record kind
              call: docs.get-avro
              with:
                kind: formats-rest.kind
              outputParameters:
                - type: object
                  mapping: "$."
        - path: "/avro-raw/{{kind}}"
          operations:
            - method: GET
              inputParameters:
                - name: kind
                  in: path
                  type: string
                  description: Record kind
              call: docs.get-avro
              with:
                kind: formats-rest.kind
        - path: "/proto/{{kind}}"
          operations:
            - method: GET
              inputParameters:
                - name: kind
                  in: path
                  type: string
                  description: Record kind
              call: docs.get-proto
              with:
                kind: formats-rest.kind
              outputParameters:
                - type: array
                  mapping: "$.records"
                  items:
                    type: object
                    properties:
                      id:
                        type: string
                        mapping: "$.id"
                      title:
                        type: string
                        mapping: "$.title_text"
                      size:
                        type: number
                        mapping: "$.size"
    - type: mcp
      port: 9090
      namespace: formats-mcp
      tools:
        - name: release-features
          description: Features of the release notes
          call: docs.get-readme
          outputParameters:
            - type: array
              mapping: "$.tables[0]"
              items:
                type: object
                properties:
                  feature:
                    type: string
                    mapping: "$.Feature"
                  status:
                    type: string
                    mapping: "$.Status"
        - name: readme-text
          description: The release notes as written
          call: docs.get-readme
`;

const avroType = avro.Type.forSchema(JSON.parse(AVSC) as avro.Schema);
const AVRO_BODY = avroType.toBuffer({
  records: [
    { id: "r1", title: "First", description: null, size: 12, digest: Buffer.from("abc") },
    { id: "r2", title: "Second", description: "has one", size: 7_000_000_000, digest: Buffer.alloc(0) },
  ],
});

describe("outputRawFormat html, markdown, avro and protobuf, served by the CLI", () => {
  let upstream: RecordingUpstream;
  let proc: ServeProcess;
  let rest: string;
  let mcp: string;
  let protoBody: Buffer;

  beforeAll(async () => {
    const dir = writeTree({
      "formats.naftiko.yaml": CAPABILITY,
      "schemas/records.avsc": AVSC,
      "schemas/records.proto": PROTO,
      "schemas/common.proto": COMMON_PROTO,
    });
    const root = new protobuf.Root().loadSync(path.join(dir, "schemas/records.proto"), { keepCase: true });
    const RecordsList = root.lookupType("test.records.RecordsList");
    protoBody = Buffer.from(
      RecordsList.encode(
        RecordsList.fromObject({
          records: [
            { id: "p1", title_text: "Proto one", size: 5 },
            { id: "p2", title_text: "Proto two", size: "8000000000" },
          ],
          kind: 1,
        }),
      ).finish(),
    );
    upstream = await startRecordingUpstream((req) => {
      if (req.path === "/api/page") return { headers: { "content-type": "text/html; charset=utf-8" }, body: PAGE };
      if (req.path === "/api/readme") return { headers: { "content-type": "text/markdown" }, body: README };
      if (req.path === "/api/records/broken") return { headers: { "content-type": "application/avro" }, body: Buffer.from([2, 0xff]) };
      if (req.path === "/api/records/proto") return { headers: { "content-type": "application/x-protobuf" }, body: protoBody };
      if (req.path.startsWith("/api/records/")) return { headers: { "content-type": "application/avro" }, body: AVRO_BODY };
      return { status: 404, body: "{}" };
    });
    proc = await spawnServe([
      path.join(dir, "formats.naftiko.yaml"),
      "--base-uri",
      `docs=${upstream.url}/api`,
      "--port",
      "formats-rest=0",
      "--port",
      "formats-mcp=0",
    ]);
    rest = proc.urls["formats-rest"];
    mcp = proc.urls["formats-mcp"];
  });
  afterAll(async () => {
    await proc?.stop();
    await upstream?.stop();
  });

  it("html without outputParameters passes the page through as it came, with its media type", async () => {
    const res = await fetch(`${rest}/page-raw`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await res.text()).toBe(PAGE);
  });

  it("the OpenAPI document says which routes answer the upstream's page or message as it came", async () => {
    const doc = (await (await fetch(`${rest}/openapi.json`)).json()) as {
      paths: Record<string, { get: { responses: { "200": { content: Record<string, unknown> } } } }>;
    };
    const types = (p: string) => Object.keys(doc.paths[p].get.responses["200"].content);
    expect(types("/page-raw")).toEqual(["text/html"]);
    expect(types("/readme-raw")).toEqual(["text/markdown"]);
    expect(types("/avro-raw/{kind}")).toEqual(["application/octet-stream"]);
    expect(types("/products")).toEqual(["application/json"]);
    expect(types("/readme")).toEqual(["application/json"]);
  });

  it("html mapped with $. gives every table with headers as {tables: [[row, …], …]}", async () => {
    const res = await fetch(`${rest}/page-tables`);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      tables: [
        [{ Name: "Ignored", Stock: "0" }],
        [
          { Name: "Widget Pro", Stock: "150", Note: "new in store" },
          { Name: "Gadget", Stock: "30", Note: "" },
        ],
      ],
    });
  });

  it("html outputSchema is a CSS selector scoping the tables; rows with a <th> are header rows", async () => {
    expect(await (await fetch(`${rest}/products`)).json()).toEqual([
      { name: "Widget Pro", stock: 150, note: "new in store" },
      { name: "Gadget", stock: 30, note: "" },
    ]);
  });

  it("an orchestrated step reads the converted page too", async () => {
    expect(await (await fetch(`${rest}/product-names`)).json()).toEqual({ products: [{ Name: "Widget Pro" }, { Name: "Gadget" }] });
  });

  it("markdown without outputParameters passes the document through as it came", async () => {
    const res = await fetch(`${rest}/readme-raw`);
    expect(res.headers.get("content-type")).toBe("text/markdown");
    expect(await res.text()).toBe(README);
  });

  it("markdown mapped with $. gives front matter, GFM tables and sections (code blocks and tables left out of content)", async () => {
    expect(await (await fetch(`${rest}/readme`)).json()).toEqual({
      frontMatter: { title: "Release Notes", version: "2.1.0" },
      tables: [
        [
          { Feature: "Search", Status: "GA" },
          { Feature: "Export", Status: "Beta" },
        ],
      ],
      sections: [
        { heading: "Release 2.1", level: 1, content: "" },
        { heading: "Overview", level: 2, content: "This release introduces new features and fast paths." },
        { heading: "API Reference", level: 2, content: "Details about the API." },
        { heading: "API Notes", level: 3, content: "Deeper." },
        { heading: "API Usage", level: 2, content: "How to use the API." },
      ],
    });
  });

  it("markdown outputSchema `## API` keeps the level-2 sections whose heading starts with API", async () => {
    expect(await (await fetch(`${rest}/api-sections`)).json()).toEqual([{ heading: "API Reference" }, { heading: "API Usage" }]);
  });

  it("avro is decoded with the .avsc schema: unions as values, longs as numbers, bytes as base64", async () => {
    expect(await (await fetch(`${rest}/avro/all`)).json()).toEqual({
      records: [
        { id: "r1", title: "First", description: null, size: 12, digest: "YWJj" },
        { id: "r2", title: "Second", description: "has one", size: 7_000_000_000, digest: "" },
      ],
    });
  });

  it("avro without outputParameters passes the binary message through, byte for byte", async () => {
    const res = await fetch(`${rest}/avro-raw/all`);
    expect(res.headers.get("content-type")).toBe("application/avro");
    expect(Buffer.from(await res.arrayBuffer()).equals(AVRO_BODY)).toBe(true);
  });

  it("an answer that is not valid for the schema is a 502 naming the format and the schema", async () => {
    const res = await fetch(`${rest}/avro/broken`);
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe("upstream_bad_response");
    expect(body.message).toMatch(/not valid Avro for records\.avsc/);
  });

  it("protobuf is decoded as the first message type of the .proto file, imports resolved beside it", async () => {
    expect(await (await fetch(`${rest}/proto/proto`)).json()).toEqual([
      { id: "p1", title: "Proto one", size: 5 },
      { id: "p2", title: "Proto two", size: 8_000_000_000 },
    ]);
  });

  it("MCP tools map the converted document, or get the document itself as text", async () => {
    const client = new Client({ name: "formats-test", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(mcp)));
    try {
      const mapped = await client.callTool({ name: "release-features", arguments: {} });
      expect(mapped.isError).toBeFalsy();
      expect(JSON.parse((mapped.content as Array<{ text: string }>)[0].text)).toEqual([
        { feature: "Search", status: "GA" },
        { feature: "Export", status: "Beta" },
      ]);
      const raw = await client.callTool({ name: "readme-text", arguments: {} });
      expect((raw.content as Array<{ text: string }>)[0].text).toBe(README);
    } finally {
      await client.close();
    }
  });
});

describe("naftiko validate on outputRawFormat and outputSchema", () => {
  const capability = (operation: string, files: Record<string, string> = {}) => {
    const dir = writeTree({
      "cap.naftiko.yaml": `naftiko: "1.0.0-alpha2"
capability:
  consumes:
    - namespace: up
      type: http
      baseUri: "http://upstream.invalid"
      resources:
        - name: things
          path: "/things"
          operations:
${operation}
  exposes:
    - type: rest
      port: 8080
      namespace: api
      resources:
        - path: "/things"
          operations:
            - method: GET
              call: up.get-things
`,
      ...files,
    });
    return path.join(dir, "cap.naftiko.yaml");
  };

  it("refuses avro and protobuf without outputSchema, naming file, line, column and path", async () => {
    const file = capability(`            - name: get-things
              method: GET
              outputRawFormat: avro`);
    const { code, stderr } = await runCli(["validate", file]);
    expect(code).toBe(1);
    expect(stderr).toContain(
      `${file}:13:32 capability.consumes[0].resources[0].operations[0].outputRawFormat: outputRawFormat avro needs outputSchema`,
    );
  });

  it("refuses a schema file that is missing or not a schema, and serve refuses it too", async () => {
    const missing = capability(`            - name: get-things
              method: GET
              outputRawFormat: protobuf
              outputSchema: schemas/nowhere.proto`);
    const a = await runCli(["validate", missing]);
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(
      /:14:29 capability\.consumes\[0\]\.resources\[0\]\.operations\[0\]\.outputSchema: schema file .*nowhere\.proto does not exist/,
    );

    const broken = capability(
      `            - name: get-things
              method: GET
              outputRawFormat: avro
              outputSchema: things.avsc`,
      { "things.avsc": '{"type": "record", "name": "T", "fields": [{"name": "x", "type": "nosuchtype"}]}' },
    );
    const b = await runCli(["validate", broken]);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/outputSchema: .*things\.avsc is not a valid Avro schema \(.*nosuchtype/);
    const served = await runCli(["serve", broken, "--port", "api=0"]);
    expect(served.code).not.toBe(0);
    expect(served.stderr).toMatch(/things\.avsc is not a valid Avro schema/);
  });

  it("refuses an html outputSchema that is not a CSS selector", async () => {
    const file = capability(`            - name: get-things
              method: GET
              outputRawFormat: html
              outputSchema: "table[[broken"`);
    const { code, stderr } = await runCli(["validate", file]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/outputSchema: "table\[\[broken" is not a CSS selector/);
  });

  it("warns that outputSchema does nothing for the formats that take none", async () => {
    const file = capability(`            - name: get-things
              method: GET
              outputRawFormat: json
              outputSchema: "whatever"`);
    const { code, stderr } = await runCli(["validate", file]);
    expect(code).toBe(0);
    expect(stderr).toMatch(/outputSchema: warning: outputSchema has no effect with outputRawFormat json/);
  });

  it("refuses maxLength on an output parameter: the schema has no such field", async () => {
    const dir = writeTree({
      "cap.naftiko.yaml": `naftiko: "1.0.0-alpha2"
capability:
  consumes:
    - namespace: up
      type: http
      baseUri: "http://upstream.invalid"
      resources:
        - name: things
          path: "/things"
          operations:
            - name: get-things
              method: GET
  exposes:
    - type: rest
      port: 8080
      namespace: api
      resources:
        - path: "/things"
          operations:
            - method: GET
              call: up.get-things
              outputParameters:
                - type: object
                  properties:
                    note:
                      type: string
                      mapping: "$.note"
                      maxLength: 6
`,
    });
    const { code, stderr } = await runCli(["validate", path.join(dir, "cap.naftiko.yaml")]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/properties\.note\.maxLength: unknown field "maxLength"/);
  });
});
