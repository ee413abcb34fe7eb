/**
 * The project's Ikanos schemas are the official ones with the relaxations of the project's alpha2
 * schema (schema/README.md): each differs from its official file by exactly the documented changes,
 * each change is the alpha2 one written in Ikanos' shape, every file the official schema accepts is
 * accepted, and the relaxations are all that the migrated generated files need.
 */
import { cpSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { migrateFile } from "../../src/migrate/migrate.js";
import type { Problem } from "../../src/spec/problems.js";
import { createSchemaChecker, type SchemaChecker } from "../../src/spec/schema.js";
import { parseSource } from "../../src/spec/source.js";
import { LATEST_RELEASE, VERSIONS, type SpecVersion } from "../../src/spec/versions/index.js";
import { ROOT } from "../support/cli.js";
// @ts-expect-error -- a plain ES module script, without types
import { relax, serialise } from "../../scripts/relax-ikanos-schemas.mjs";
import { SHIPPED } from "../support/spec-cases.js";
import { tempDir } from "../support/temp.js";

type Json = Record<string, any>;
const readJson = (file: string): Json => JSON.parse(readFileSync(path.join(ROOT, "schema", file), "utf8"));

const IKANOS = VERSIONS.filter((v) => v.spec === "ikanos");
// Documents are checked against the first, the default and the newest version (compiling a schema
// takes a second); the structure of every copy is compared with its official file.
const SAMPLED = IKANOS.filter((v) => ["1.0.0-alpha3", LATEST_RELEASE, "1.0.0-beta5"].includes(v.version));
const officialFile = (v: SpecVersion) => `ikanos-schema-${v.version}.json`;
const alpha2 = readJson("naftiko-capability.schema.json").$defs;

const checkers = new Map<string, SchemaChecker>();
const checker = (file: string) => {
  let c = checkers.get(file);
  if (!c) checkers.set(file, (c = createSchemaChecker(readJson(file))));
  return c;
};
const problems = (file: string, text: string): Problem[] => {
  const src = parseSource("cap.yml", text);
  expect(src.problems).toEqual([]);
  return checker(file)(src.data, "cap.yml", src.locate);
};

/** Every place two JSON values differ: `+` only in `b`, `-` only in `a`, `~` a different value. */
function differences(a: unknown, b: unknown, at = ""): string[] {
  const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
  if (isObject(a) && isObject(b)) {
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((k) => {
      const p = at ? `${at}.${k}` : k;
      if (!(k in a)) return [`+${p}`];
      if (!(k in b)) return [`-${p}`];
      return differences(a[k], b[k], p);
    });
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) return a.flatMap((v, i) => differences(v, b[i], `${at}.${i}`));
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [`~${at}`];
}

const CONSUMED_PARAMS = ["ConsumesHttp", "ConsumedHttpResource", "ConsumedHttpOperation"];
const NAMESPACED = [
  ["Binding", "namespace"],
  ["ConsumesHttp", "namespace"],
  ["ExposesRest", "namespace"],
  ["ExposesMcp", "namespace"],
  ["ExposesSkill", "namespace"],
  ["Aggregate", "namespace"],
  ["ForwardConfig", "targetNamespace"],
  ["ImportEntry", "import"],
  ["ImportEntry", "as"],
];
const REFERENCES = [
  "McpTool.properties.call",
  "McpTool.properties.ref",
  "McpResource.properties.call",
  "ExposedOperation.properties.call",
  "ExposedOperation.properties.ref",
  "AggregateFlow.properties.call",
  "OperationStepCall.allOf.1.properties.call",
];
const DOCUMENTED = [
  "~$id",
  ...["type", "required", "description"].map((f) => `+$defs.ConsumedInputParameter.properties.${f}`), // R1
  // R2 and R7: any resource name without control characters (`_` and spaces among them).
  "~$defs.ConsumesHttp.properties.resources.propertyNames.$ref",
  "~$defs.ExposesRest.properties.resources.propertyNames.$ref",
  "+$defs.RuntimeResourceName",
  "-$defs.MappedOutputParameterObject.allOf.1.required", // R3
  "+$defs.MappedOutputParameterObject.allOf.1.anyOf",
  "+$defs.ExposesRest.properties.description", // R4
  ...CONSUMED_PARAMS.flatMap((d) => [
    `~$defs.${d}.properties.inputParameters.propertyNames.pattern`, // R5
    `+$defs.${d}.properties.inputParameters.propertyNames.description`,
  ]),
  ...["clientId", "clientSecret", "tokenEndpointAuthMethod"].map((f) => `+$defs.AuthOAuth2.properties.${f}`), // R6
  // R8: any namespace without control characters, and call/ref naming one.
  "+$defs.RuntimeNamespace",
  ...NAMESPACED.map(([owner, field]) => `~$defs.${owner}.properties.${field}.$ref`),
  ...REFERENCES.map((at) => `~$defs.${at}.pattern`),
].sort();

describe.each(IKANOS.map((v) => [v.version, v] as const))("ikanos %s", (version, v) => {
  const official = readJson(officialFile(v));
  const relaxed = readJson(v.schemaFile);

  it("is read against the relaxed copy, not the official file", () => {
    expect(v.schemaFile).toBe(`ikanos-capability-${version}.schema.json`);
    expect(relaxed.$id).toBe(`urn:naftiko-runtime:schema:ikanos-capability:${version}`);
  });

  it("is what scripts/relax-ikanos-schemas.mjs makes of the official file", () => {
    expect(readFileSync(path.join(ROOT, "schema", v.schemaFile), "utf8")).toBe(serialise(relax(official, version, alpha2)));
  });

  it("the relaxed copy differs from the official schema by exactly the documented changes", () => {
    expect(differences(official, relaxed).sort()).toEqual(DOCUMENTED);
  });

  it("each change is the alpha2 schema's, in Ikanos' shape", () => {
    const defs = relaxed.$defs;
    for (const f of ["type", "required", "description"])
      expect(defs.ConsumedInputParameter.properties[f]).toEqual(alpha2.ConsumedInputParameter.properties[f]);
    expect(defs.RuntimeResourceName).toEqual(alpha2.RuntimeResourceName);
    expect(defs.ConsumesHttp.properties.resources.propertyNames).toEqual({ $ref: alpha2.ConsumedHttpResource.properties.name.$ref });
    expect(defs.ExposesRest.properties.resources.propertyNames).toEqual({ $ref: alpha2.ExposedResource.properties.name.$ref });
    expect(defs.RuntimeNamespace).toEqual(alpha2.RuntimeNamespace);
    for (const [owner, field] of NAMESPACED) expect(defs[owner].properties[field].$ref).toBe(alpha2.ConsumesHttp.properties.namespace.$ref);
    for (const at of REFERENCES) expect(at.split(".").reduce((n, k) => n[k], defs).pattern).toBe(alpha2.McpTool.properties.call.pattern);
    expect(defs.MappedOutputParameterObject.allOf[1].anyOf).toEqual(alpha2.MappedOutputParameterObject.allOf[1].anyOf);
    expect(defs.ExposesRest.properties.description).toEqual(alpha2.ExposesRest.properties.description);
    for (const d of CONSUMED_PARAMS)
      expect(defs[d].properties.inputParameters.propertyNames.pattern).toBe(alpha2.ConsumedInputParameter.properties.name.pattern);
    for (const f of ["clientId", "clientSecret", "tokenEndpointAuthMethod"])
      expect(defs.AuthOAuth2.properties[f]).toEqual(alpha2.AuthOAuth2.properties[f]);
  });

  const base = (
    extra: { consumedParam?: string; resource?: string; restOutput?: string; rest?: string; auth?: string } = {},
  ) => `ikanos: "${version}"
info:
  display: Shop
  description: A minimal capability
capability:
  exposes:
  - type: rest
    port: 8080
    namespace: shop${extra.rest ?? ""}
    resources:
      items:
        path: /items/{id}
        operations:
          get-item:
            method: GET
            call: store.get-item
            with:
              id: rest.id
            outputParameters:
${extra.restOutput ?? "            - type: string\n              mapping: $.name"}
  consumes:
  - type: http
    namespace: store
    baseUri: https://api.example.com/v1${extra.auth ?? ""}
    resources:
      ${extra.resource ?? "item-store"}:
        path: /items/{id}
        operations:
          get-item:
            method: GET
            inputParameters:
              id:
                in: path${extra.consumedParam ?? ""}
`;

  it("the base document is valid under both schemas", () => {
    expect(problems(officialFile(v), base())).toEqual([]);
    expect(problems(v.schemaFile, base())).toEqual([]);
  });

  it.each([
    [
      "R1: type, required and description on a consumed parameter",
      { consumedParam: "\n                type: string\n                required: true\n                description: Item id" },
    ],
    ["R2: _ in a consumed resource name", { resource: "item_store" }],
    ["R3: an object output mapped whole", { restOutput: "            - type: object\n              mapping: $." }],
    ["R4: description on a rest exposes block", { rest: "\n    description: The shop's REST API" }],
    [
      "R5: space and brackets in a consumed parameter name",
      {
        consumedParam:
          "\n              Search string:\n                in: query\n              created[after]:\n                in: query",
      },
    ],
    [
      "R6: client credentials on an oauth2 consumes block",
      {
        auth: '\n    authentication:\n      type: oauth2\n      authorizationServerUri: https://as.example.com\n      resource: https://api.example.com\n      clientId: "{{CLIENT_ID}}"\n      clientSecret: "{{CLIENT_SECRET}}"\n      tokenEndpointAuthMethod: client_secret_post',
      },
    ],
  ])("accepts %s, which the official schema refuses", (_, extra) => {
    expect(problems(v.schemaFile, base(extra))).toEqual([]);
    expect(problems(officialFile(v), base(extra))).not.toEqual([]);
  });

  it("refuses what neither allows: an unknown field on a consumed parameter", () => {
    const text = base({ consumedParam: "\n                colour: blue" });
    expect(problems(v.schemaFile, text)).toEqual([expect.objectContaining({ message: 'unknown field "colour"' })]);
  });
});

describe("every file the official schema accepts, the relaxed copy accepts", () => {
  const beta5 = IKANOS.find((v) => v.version === "1.0.0-beta5")!;
  const tutorial = path.join(ROOT, "test/fixtures/shipyard-beta5/tutorial");
  const files = [
    ...readdirSync(tutorial).filter((f) => f.endsWith(".yml")),
    ...readdirSync(path.join(tutorial, "shared"))
      .filter((f) => /\.ya?ml$/.test(f) && f !== "secrets.yaml")
      .map((f) => `shared/${f}`),
  ];

  it.each(files)("the reference's beta5 tutorial: %s", (file) => {
    const text = readFileSync(path.join(tutorial, file), "utf8");
    expect(problems(officialFile(beta5), text)).toEqual([]);
    expect(problems(beta5.schemaFile, text)).toEqual([]);
  });
});

/** Which relaxation an official-schema problem of a migrated generated file is, if any. */
function relaxation(p: Problem): string | undefined {
  const param = String.raw`^capability\.consumes\[\d+\]\.resources\.[\w-]+\.operations\.[\w-]+\.inputParameters(?:\.[\w-]+|\["[^"]+"\])`;
  if (new RegExp(`${param}\\.(type|required|description)$`).test(p.path) && /^unknown field "(type|required|description)"$/.test(p.message))
    return "R1";
  if (/^capability\.consumes\[\d+\]\.resources\.[\w-]+$/.test(p.path) && /^field name "[\w-]*_[\w-]*" does not match/.test(p.message))
    return "R2";
  if (/^capability\.exposes\[\d+\]\..*\.outputParameters\[\d+\]$/.test(p.path) && p.message === 'missing required field "properties"')
    return "R3";
  if (/^capability\.exposes\[\d+\]\.description$/.test(p.path) && p.message === 'unknown field "description"') return "R4";
  if (new RegExp(`${param}$`).test(p.path) && /^field name "[\w*\-[\] ]+" does not match/.test(p.message)) return "R5";
  return undefined;
}

describe("the migrated generated files need the relaxations and nothing more", () => {
  const to = IKANOS.find((v) => v.version === LATEST_RELEASE)!;
  const migrated = new Map<string, string>();
  beforeAll(async () => {
    for (const file of SHIPPED) migrated.set(file, (await migrateFile(file, to)).text!);
  });

  it("the flagship and the 49 files of capabilities/ are covered", () => {
    expect(SHIPPED).toHaveLength(50);
  });

  it("every problem the official schema finds is one of R1–R5, and each of them is needed", () => {
    const used = new Set<string>();
    const unexplained: Problem[] = [];
    for (const [file, text] of migrated) {
      expect(problems(to.schemaFile, text), file).toEqual([]);
      for (const p of problems(officialFile(to), text)) {
        const r = relaxation(p);
        if (r) used.add(r);
        else unexplained.push({ ...p, file: path.relative(ROOT, file) });
      }
    }
    expect(unexplained).toEqual([]);
    expect([...used].sort()).toEqual(["R1", "R2", "R3", "R4", "R5"]);
  });
});

describe("official-dialect files migrate into files the official Ikanos schema accepts", () => {
  const tutorial = path.join(ROOT, "test/fixtures/shipyard/tutorial");
  const dir = tempDir("naftiko-ikanos-schemas-");
  cpSync(tutorial, dir, { recursive: true });
  const files = readdirSync(dir).filter((f) => f.endsWith(".yml"));

  it.each(SAMPLED.map((v) => [v.version, v] as const))("ikanos %s: every Shipyard tutorial step", async (_, to) => {
    for (const file of files) {
      const { text } = await migrateFile(path.join(dir, file), to);
      writeFileSync(path.join(dir, `${to.version}-${file}`), text!);
      expect(problems(officialFile(to), text!), file).toEqual([]);
    }
  });
});
