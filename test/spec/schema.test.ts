import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createSchemaChecker, schemaProblems, type SchemaChecker } from "../../src/spec/schema.js";
import { parseSource } from "../../src/spec/source.js";
import type { Problem } from "../../src/spec/problems.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const OFFICIAL_SCHEMA = join(ROOT, "test/fixtures/official-schema/naftiko-schema-1.0.0-alpha2.json");
const TUTORIAL = join(ROOT, "test/fixtures/shipyard/tutorial");

const officialProblems = createSchemaChecker(JSON.parse(readFileSync(OFFICIAL_SCHEMA, "utf8")));

const generatedFiles = [
  ...readdirSync(join(ROOT, "capabilities"))
    .filter((f) => f.endsWith(".naftiko.yaml"))
    .map((f) => `capabilities/${f}`),
  "metal-interconnections.naftiko.yaml",
];

// shared/secrets.yaml holds bind values, not a capability.
const officialFiles = [
  ...readdirSync(TUTORIAL).filter((f) => /^step-.*\.yml$/.test(f)),
  ...readdirSync(join(TUTORIAL, "shared"))
    .filter((f) => /\.ya?ml$/.test(f) && f !== "secrets.yaml")
    .map((f) => `shared/${f}`),
].map((f) => `test/fixtures/shipyard/tutorial/${f}`);

function load(file: string) {
  const src = parseSource(file, readFileSync(join(ROOT, file), "utf8"));
  expect(src.problems).toEqual([]);
  return src;
}

const projectProblems: SchemaChecker = (data, file, locate) => schemaProblems("naftiko-capability.schema.json", data, file, locate);

function check(text: string, checker = projectProblems): Problem[] {
  const src = parseSource("cap.yaml", text);
  expect(src.problems).toEqual([]);
  return checker(src.data, "cap.yaml", src.locate);
}

/** 1-based line and column where `needle` starts in `text` (the first occurrence). */
function position(text: string, needle: string): { line: number; col: number } {
  const offset = text.indexOf(needle);
  if (offset < 0) throw new Error(`${needle} not in document`);
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, col: before[before.length - 1].length + 1 };
}

/** Applies exact text replacements, failing loudly if one does not apply. */
function edit(text: string, ...changes: Array<[string, string]>): string {
  for (const [from, to] of changes) {
    if (!text.includes(from)) throw new Error(`${JSON.stringify(from)} not in document`);
    text = text.replace(from, to);
  }
  return text;
}

// A small capability valid under both schemas; tests edit it into what they need.
const BASE = `naftiko: 1.0.0-alpha2
info:
  label: Shop
  description: A minimal capability
capability:
  exposes:
    - type: rest
      port: 8080
      namespace: shop
      resources:
        - path: /items/{id}
          name: items
          operations:
            - method: GET
              name: get-item
              call: store.get-item
              with:
                id: rest.id
              outputParameters:
                - type: string
                  mapping: $.name
    - type: mcp
      port: 9090
      namespace: shop-mcp
      tools:
        - name: get-item
          description: Get an item
          call: store.get-item
          with:
            id: tools.id
          outputParameters:
            - type: string
              mapping: $.name
  consumes:
    - type: http
      namespace: store
      baseUri: https://api.example.com/v1
      resources:
        - name: item-store
          path: /items/{id}
          operations:
            - name: get-item
              method: GET
              inputParameters:
                - name: id
                  in: path
`;

const CONSUMED_PARAM = "                - name: id\n                  in: path\n";
const REST_OUTPUT = "                - type: string\n                  mapping: $.name\n";
const MCP_OUTPUT = "            - type: string\n              mapping: $.name\n";

describe("generated dialect (the corpus and the flagship file)", () => {
  it("covers the 50 files", () => {
    expect(generatedFiles).toHaveLength(50);
  });

  it.each(generatedFiles)("%s has no schema problems", (file) => {
    const src = load(file);
    expect(projectProblems(src.data, file, src.locate)).toEqual([]);
  });

  it.each(generatedFiles)("%s breaks the official schema only where a relaxation allows", (file) => {
    const src = load(file);
    const unexplained = officialProblems(src.data, file, src.locate).filter((p) => !relaxation(p));
    expect(unexplained).toEqual([]);
  });

  it.each(generatedFiles)("%s passes the official schema once the relaxations are undone", (file) => {
    const src = load(file);
    expect(officialProblems(undoRelaxations(src.data), file, src.locate)).toEqual([]);
  });

  it("uses every relaxation somewhere", () => {
    const used = new Set<string>();
    for (const file of generatedFiles) {
      const src = load(file);
      for (const p of officialProblems(src.data, file, src.locate)) used.add(relaxation(p) ?? "none");
    }
    expect([...used].sort()).toEqual(["R1", "R2", "R3", "R4", "R5"]);
  });
});

describe("official dialect (the reference engine's tutorial)", () => {
  it("covers the step files and the shared consumes files", () => {
    expect(officialFiles.filter((f) => f.includes("/step-"))).toHaveLength(11);
    expect(officialFiles.length).toBeGreaterThan(11);
  });

  it.each(officialFiles)("%s is accepted by the project schema and the official one", (file) => {
    const src = load(file);
    expect(projectProblems(src.data, file, src.locate)).toEqual([]);
    expect(officialProblems(src.data, file, src.locate)).toEqual([]);
  });
});

describe("relaxations", () => {
  it("the base document is valid under both schemas", () => {
    expect(check(BASE)).toEqual([]);
    expect(check(BASE, officialProblems)).toEqual([]);
  });

  const relaxed: Array<[string, string]> = [
    [
      "R1: type, required and description on a consumed input parameter",
      edit(BASE, [
        CONSUMED_PARAM,
        `${CONSUMED_PARAM}                  type: string\n                  required: true\n                  description: Item id\n`,
      ]),
    ],
    ["R2: _ in a consumed resource name", edit(BASE, ["name: item-store", "name: item_store"])],
    [
      "R7: spaces in consumed and exposed resource names",
      edit(BASE, ["name: item-store", "name: v1-Invoice Items"], ["          name: items\n", "          name: Invoice Items\n"]),
    ],
    [
      "R8: : in namespaces and in the calls naming them",
      edit(
        BASE,
        ["namespace: store\n", "namespace: shop:store\n"],
        ["namespace: shop-mcp\n", "namespace: shop:mcp\n"],
        ["call: store.get-item\n              with", "call: shop:store.get-item\n              with"],
        ["call: store.get-item\n          with", "call: shop:store.get-item\n          with"],
      ),
    ],
    [
      "R3: an object output mapped whole on a REST operation",
      edit(BASE, [REST_OUTPUT, "                - type: object\n                  mapping: $.\n"]),
    ],
    [
      "R3: an object output mapped whole on an MCP tool",
      edit(BASE, [MCP_OUTPUT, "            - type: object\n              mapping: $.\n"]),
    ],
    [
      "R4: description on a rest exposes block",
      edit(BASE, ["      namespace: shop\n", "      namespace: shop\n      description: The shop's REST API\n"]),
    ],
    [
      "R5: space and brackets in a consumed parameter name",
      edit(BASE, [
        CONSUMED_PARAM,
        `${CONSUMED_PARAM}                - name: Search string\n                  in: query\n                - name: created[after]\n                  in: query\n`,
      ]),
    ],
    [
      "R6: client credentials on an oauth2 consumes block",
      edit(BASE, [
        "      baseUri: https://api.example.com/v1\n",
        '      baseUri: https://api.example.com/v1\n      authentication:\n        type: oauth2\n        authorizationServerUri: https://as.example.com\n        resource: https://api.example.com\n        clientId: "{{CLIENT_ID}}"\n        clientSecret: "{{CLIENT_SECRET}}"\n        tokenEndpointAuthMethod: client_secret_post\n',
      ]),
    ],
  ];

  it.each(relaxed)("accepts %s (which the official schema rejects)", (_, text) => {
    expect(check(text)).toEqual([]);
    expect(check(text, officialProblems)).not.toEqual([]);
  });

  const nearMisses: Array<[string, string, string, string]> = [
    [
      "an unknown field on a consumed input parameter",
      edit(BASE, [CONSUMED_PARAM, `${CONSUMED_PARAM}                  foo: 1\n`]),
      "capability.consumes[0].resources[0].operations[0].inputParameters[0].foo",
      'unknown field "foo"',
    ],
    [
      "a consumed parameter type outside the enum",
      edit(BASE, [CONSUMED_PARAM, `${CONSUMED_PARAM}                  type: date\n`]),
      "capability.consumes[0].resources[0].operations[0].inputParameters[0].type",
      '"string", "number", "integer", "boolean", "array", "object"',
    ],
    [
      "a non-boolean required on a consumed parameter",
      edit(BASE, [CONSUMED_PARAM, `${CONSUMED_PARAM}                  required: "yes"\n`]),
      "capability.consumes[0].resources[0].operations[0].inputParameters[0].required",
      "must be a boolean",
    ],
    [
      "required on an exposed input parameter",
      edit(BASE, [
        "              call: store.get-item\n",
        "              call: store.get-item\n              inputParameters:\n                - name: id\n                  in: path\n                  type: string\n                  description: Item id\n                  required: true\n",
      ]),
      "capability.exposes[0].resources[0].operations[0].inputParameters[0].required",
      'unknown field "required"',
    ],
    [
      "a control character in an exposes namespace",
      edit(BASE, ["namespace: shop\n", 'namespace: "shop\\tapi"\n']),
      "capability.exposes[0].namespace",
      "does not match the pattern",
    ],
    [
      "_ in a consumed operation name",
      edit(BASE, ["            - name: get-item\n", "            - name: get_item\n"]),
      "capability.consumes[0].resources[0].operations[0].name",
      '"get_item" does not match',
    ],
    [
      "an empty consumes namespace",
      edit(BASE, ["namespace: store\n", 'namespace: ""\n']),
      "capability.consumes[0].namespace",
      "must be at least 1 character long",
    ],
    [
      "a dot in the namespace part of a call",
      edit(BASE, ["call: store.get-item\n              with", "call: my.store.get-item\n              with"]),
      "capability.exposes[0].resources[0].operations[0].call",
      '"my.store.get-item" does not match',
    ],
    [
      "description on a control exposes block",
      edit(BASE, ["  consumes:\n", "    - type: control\n      port: 9999\n      description: Admin\n  consumes:\n"]),
      "capability.exposes[2].description",
      'unknown field "description"',
    ],
    [
      "a string output without mapping or value",
      edit(BASE, [REST_OUTPUT, "                - type: string\n"]),
      "capability.exposes[0].resources[0].operations[0].outputParameters[0]",
      'missing required field: one of "mapping", "value"',
    ],
    [
      "an array output mapped whole without items",
      edit(BASE, [MCP_OUTPUT, "            - type: array\n              mapping: $.\n"]),
      "capability.exposes[1].tools[0].outputParameters[0]",
      'missing required field "items"',
    ],
    [
      "a tab in a consumed parameter name",
      edit(BASE, ["                - name: id\n", '                - name: "i\\td"\n']),
      "capability.consumes[0].resources[0].operations[0].inputParameters[0].name",
      "does not match",
    ],
  ];

  it.each(nearMisses)("rejects %s", (_, text, path, message) => {
    const problems = check(text);
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toBe(path);
    expect(problems[0].message).toContain(message);
  });
});

describe("error messages", () => {
  it("reports an unknown field on a REST block once, at the key", () => {
    const text = edit(BASE, ["      namespace: shop\n", "      namespace: shop\n      colour: blue\n"]);
    expect(check(text)).toEqual([
      {
        file: "cap.yaml",
        ...position(text, "colour: blue"),
        path: "capability.exposes[0].colour",
        message: 'unknown field "colour"',
        severity: "error",
      },
    ]);
  });

  it("reports an unknown field deep in an operation at its key", () => {
    const text = edit(BASE, ["              name: get-item\n", "              name: get-item\n              timeout: 5\n"]);
    expect(check(text)).toEqual([
      {
        file: "cap.yaml",
        ...position(text, "timeout: 5"),
        path: "capability.exposes[0].resources[0].operations[0].timeout",
        message: 'unknown field "timeout"',
        severity: "error",
      },
    ]);
  });

  it("names the allowed values once when the exposes type is wrong", () => {
    const text = edit(BASE, ["- type: rest", "- type: restt"]);
    const problems = check(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ ...position(text, "restt"), path: "capability.exposes[0].type", severity: "error" });
    for (const allowed of ["rest", "mcp", "skill", "control"]) expect(problems[0].message).toContain(`"${allowed}"`);
    expect(problems[0].message).toContain('"restt"');
  });

  it("says the exposes type is missing, with its allowed values", () => {
    const problems = check(edit(BASE, ["    - type: rest\n      port: 8080\n", "    - port: 8080\n"]));
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toBe("capability.exposes[0]");
    expect(problems[0].message).toBe('missing required field "type" (one of "rest", "mcp", "skill", "control")');
  });

  it("names a missing baseUri", () => {
    const text = edit(BASE, ["      baseUri: https://api.example.com/v1\n", ""]);
    const problems = check(text);
    expect(problems).toEqual([expect.objectContaining({ path: "capability.consumes[0]", message: 'missing required field "baseUri"' })]);
    expect(problems[0].line).toBe(position(text, "type: http").line);
  });

  it("names the path, value and pattern of a bad pattern", () => {
    const text = edit(BASE, ["call: store.get-item\n              with", "call: store/get-item\n              with"]);
    expect(check(text)).toEqual([
      {
        file: "cap.yaml",
        ...position(text, "store/get-item"),
        path: "capability.exposes[0].resources[0].operations[0].call",
        message: '"store/get-item" does not match the pattern ^[^.\\u0000-\\u001f\\u007f]+\\.[a-zA-Z0-9-]+$',
        severity: "error",
      },
    ]);
  });

  it("names the wrong value and the allowed ones for an enum", () => {
    const problems = check(edit(BASE, ["              method: GET\n", "              method: FETCH\n"]));
    expect(problems).toEqual([
      expect.objectContaining({
        path: "capability.consumes[0].resources[0].operations[0].method",
        message: 'must be one of "GET", "POST", "PUT", "PATCH", "DELETE", not "FETCH"',
      }),
    ]);
  });

  it("names the expected JSON type", () => {
    const problems = check(edit(BASE, ["port: 8080", 'port: "8080"']));
    expect(problems).toEqual([expect.objectContaining({ path: "capability.exposes[0].port", message: "must be an integer, not string" })]);
  });

  it("lists the alternatives when an MCP tool has none of call, steps, ref or outputParameters", () => {
    const text = edit(BASE, [
      "          call: store.get-item\n          with:\n            id: tools.id\n          outputParameters:\n" + MCP_OUTPUT,
      "",
    ]);
    expect(check(text)).toEqual([
      expect.objectContaining({
        path: "capability.exposes[1].tools[0]",
        message: 'missing required field: one of "call", "steps", "ref", "outputParameters"',
      }),
    ]);
  });

  it("reports a deep error in an MCP tool without the required fields of the other alternatives", () => {
    const problems = check(
      edit(BASE, [
        MCP_OUTPUT,
        "            - type: object\n              properties:\n                name:\n                  type: strng\n                  mapping: $.name\n",
      ]),
    );
    expect(problems).toEqual([
      expect.objectContaining({
        path: "capability.exposes[1].tools[0].outputParameters[0].properties.name.type",
        message: expect.stringContaining('not "strng"'),
      }),
    ]);
  });

  it("says a forbidden field is not allowed, at its key", () => {
    const text = edit(BASE, ["      port: 9090\n", "      transport: stdio\n      port: 9090\n"]);
    expect(check(text)).toEqual([
      {
        file: "cap.yaml",
        ...position(text, "port: 9090"),
        path: "capability.exposes[1].port",
        message: 'field "port" is not allowed here',
        severity: "error",
      },
    ]);
  });

  it("says which of two alternative fields is missing", () => {
    expect(check("naftiko: 1.0.0-alpha2\ninfo:\n  label: x\n  description: y\n")).toEqual([
      expect.objectContaining({ path: "(document)", message: 'missing required field: one of "capability", "consumes"' }),
    ]);
  });

  it("reports a document that is not a mapping once", () => {
    expect(check("- a\n- b\n")).toEqual([expect.objectContaining({ path: "(document)", message: "must be an object, not array" })]);
  });

  it("reports every problem once, sorted by position", () => {
    // consumes is written before exposes, but the schema checks exposes first
    const text = `naftiko: 1.0.0-alpha2
capability:
  consumes:
    - type: http
      namespace: store
      baseUri: https://api.example.com/v1
      resources:
        - name: item-store
          path: /items
          operations:
            - name: list
              method: FETCH
  exposes:
    - type: rest
      port: 8080
      namespace: shop
      colour: blue
      resources:
        - path: /items
          operations:
            - method: GET
              call: store.list
`;
    const problems = check(text);
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      ["capability.consumes[0].resources[0].operations[0].method", 'must be one of "GET", "POST", "PUT", "PATCH", "DELETE", not "FETCH"'],
      ["capability.exposes[0].colour", 'unknown field "colour"'],
    ]);
    expect(problems[0].line).toBeLessThan(problems[1].line);
  });
});

// ---------------------------------------------------------------------------------------------

type Relaxation = "R1" | "R2" | "R3" | "R4" | "R5" | "R7" | "R8";

const CONSUMED_INPUT = String.raw`consumes\[\d+\](\.resources\[\d+\](\.operations\[\d+\])?)?\.inputParameters\[\d+\]`;
const EXPOSED_OUTPUT = String.raw`^capability\.exposes\[\d+\]\.(resources\[\d+\]\.operations|tools)\[\d+\]\.outputParameters\[\d+\]$`;

/** Which relaxation an official-schema problem falls under, if any. */
function relaxation(p: Problem): Relaxation | undefined {
  if (
    new RegExp(`${CONSUMED_INPUT}\\.(type|required|description)$`).test(p.path) &&
    /^unknown field "(type|required|description)"$/.test(p.message)
  )
    return "R1";
  if (/consumes\[\d+\]\.resources\[\d+\]\.name$/.test(p.path) && /^"[\w-]*_[\w-]*" does not match the pattern/.test(p.message)) return "R2";
  if (new RegExp(EXPOSED_OUTPUT).test(p.path) && p.message === 'missing required field "properties"') return "R3";
  if (/^capability\.exposes\[\d+\]\.description$/.test(p.path) && p.message === 'unknown field "description"') return "R4";
  if (new RegExp(`${CONSUMED_INPUT}\\.name$`).test(p.path) && /^"[\w*\-[\] ]+" does not match the pattern/.test(p.message)) return "R5";
  if (/(consumes|exposes)\[\d+\]\.resources\[\d+\]\.name$/.test(p.path) && /does not match the pattern/.test(p.message)) return "R7";
  if (/\.(namespace|targetNamespace|import|as|call|ref)$/.test(p.path) && /does not match the pattern/.test(p.message)) return "R8";
  return undefined;
}

type Json = Record<string, unknown>;
const records = (v: unknown): Json[] => (Array.isArray(v) ? v.filter((x): x is Json => typeof x === "object" && x !== null) : []);

const kebab = (name: string) => name.replace(/[^A-Za-z0-9-]/g, "-");

/** The document as the official schema would want it: each relaxation taken back out. */
function undoRelaxations(data: unknown): unknown {
  const doc = structuredClone(data) as Json;
  const capability = (doc.capability ?? {}) as Json;
  for (const consumes of [...records(doc.consumes), ...records(capability.consumes)]) {
    const resources = records(consumes.resources);
    const operations = resources.flatMap((r) => records(r.operations));
    for (const param of [consumes, ...resources, ...operations].flatMap((o) => records(o.inputParameters))) {
      delete param.type; // R1
      delete param.required;
      delete param.description;
      param.name = String(param.name).replace(/[[\] ]/g, "-"); // R5
    }
    for (const r of resources) r.name = String(r.name).replace(/[^A-Za-z0-9-]/g, "-"); // R2, R7
    if (typeof consumes.namespace === "string") consumes.namespace = kebab(consumes.namespace); // R8
  }
  for (const exposes of records(capability.exposes)) {
    if (exposes.type === "rest") delete exposes.description; // R4
    if (typeof exposes.namespace === "string") exposes.namespace = kebab(exposes.namespace); // R8
    for (const r of records(exposes.resources)) if (typeof r.name === "string") r.name = kebab(r.name); // R7
    const callers = [...records(exposes.resources).flatMap((r) => records(r.operations)), ...records(exposes.tools)];
    for (const c of callers) if (typeof c.call === "string") c.call = c.call.replace(/^[^.]+/, kebab); // R8
    for (const out of callers.flatMap((c) => records(c.outputParameters))) {
      if (out.type === "object" && !("properties" in out)) out.properties = {}; // R3
    }
  }
  return doc;
}
