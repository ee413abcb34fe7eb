/**
 * A file is read by the version it declares, validated against that version's schema, and
 * normalised into the one model: the same capability written in two versions loads as the same
 * model, and the CLI says which version it read.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadCapability } from "../../src/spec/load.js";
import { CapabilityError } from "../../src/spec/problems.js";
import { VERSIONS } from "../../src/spec/versions/index.js";
import { ROOT, runCli } from "../support/cli.js";
import { modelView } from "../support/model-view.js";
import { writeTree as tempDir } from "../support/temp.js";

const ALPHA2 = path.join(ROOT, "test/fixtures/shipyard/tutorial");
const BETA5 = path.join(ROOT, "test/fixtures/shipyard-beta5/tutorial");

async function problemsOf(file: string): Promise<string[]> {
  try {
    await loadCapability(file);
    return [];
  } catch (e) {
    if (!(e instanceof CapabilityError)) throw e;
    return e.problems.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`);
  }
}

describe("one model for every version", () => {
  const steps = readdirSync(ALPHA2).filter((f) => f.endsWith(".yml"));

  it("has the eleven tutorial steps in both editions", () => {
    expect(steps).toHaveLength(11);
    expect(
      readdirSync(BETA5)
        .filter((f) => f.endsWith(".yml"))
        .sort(),
    ).toEqual([...steps].sort());
  });

  it.each(steps)("%s: the alpha2 and beta5 editions load as the same model", async (step) => {
    const alpha2 = await loadCapability(path.join(ALPHA2, step));
    const beta5 = await loadCapability(path.join(BETA5, step));
    expect(alpha2.specVersion).toBe("naftiko 1.0.0-alpha2");
    expect(beta5.specVersion).toBe("ikanos 1.0.0-beta5");
    expect(modelView(beta5)).toEqual(modelView(alpha2));
  });
});

describe("reading the declared version", () => {
  const minimal = (head: string) => `${head}
info:
  display: Minimal
  description: One mock tool.
capability:
  exposes:
  - type: mcp
    namespace: minimal
    port: 3000
    tools:
      hello:
        description: Says hello.
        outputParameters:
          greeting:
            type: string
            value: hello
`;

  it.each(VERSIONS.filter((v) => v.spec === "ikanos").map((v) => [v.version]))(
    "ikanos %s: a file of that version loads",
    async (version) => {
      const dir = tempDir({ "cap.yml": minimal(`ikanos: "${version}"`) });
      const cap = await loadCapability(path.join(dir, "cap.yml"));
      expect(cap.specVersion).toBe(`ikanos ${version}`);
      const mcp = cap.exposes[0];
      expect(mcp.type === "mcp" && mcp.tools.map((t) => t.name)).toEqual(["hello"]);
    },
  );

  it("an unknown version is an error listing the known ones, at the version's line", async () => {
    const dir = tempDir({ "cap.yml": minimal(`ikanos: "1.0.0-beta9"`) });
    const [problem] = await problemsOf(path.join(dir, "cap.yml"));
    expect(problem).toMatch(
      /^1:\d+ ikanos: unknown ikanos version "1\.0\.0-beta9" \(known: naftiko: 1\.0\.0-alpha2, .*ikanos: 1\.0\.0-beta5\)$/,
    );
  });

  it("a file without a version says how to declare one", async () => {
    const dir = tempDir({ "cap.yml": minimal("# no version") });
    expect(await problemsOf(path.join(dir, "cap.yml"))).toEqual([
      expect.stringMatching(
        /^1:1 \(document\): missing the spec version: the document must start with "ikanos: <version>" or "naftiko: <version>"/,
      ),
    ]);
  });

  it("a field a version does not have is refused by that version's schema", async () => {
    // `ttlMs` came in beta4: a beta3 file may not use it, a beta4 file may.
    const text = (v: string) => minimal(`ikanos: "${v}"`).replace("    port: 3000\n", "    port: 3000\n    ttlMs: 60000\n");
    const dir = tempDir({ "beta3.yml": text("1.0.0-beta3"), "beta4.yml": text("1.0.0-beta4") });
    expect((await problemsOf(path.join(dir, "beta3.yml"))).join("\n")).toMatch(/ttlMs/);
    expect(await problemsOf(path.join(dir, "beta4.yml"))).toEqual([]);
  });

  it("naftiko validate says which version it read", async () => {
    const r = await runCli(["validate", path.join(ALPHA2, "step-1-shipyard-mock.yml"), path.join(BETA5, "step-1-shipyard-mock.yml")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("step-1-shipyard-mock.yml: ok (naftiko 1.0.0-alpha2)");
    expect(r.stdout).toContain("step-1-shipyard-mock.yml: ok (ikanos 1.0.0-beta5)");
  });
});

describe("imports in every section (Ikanos)", () => {
  const shared = (section: string, body: string) => `ikanos: "1.0.0-beta5"\n${section}:\n${body}`;
  const files = {
    "shared/api.consumes.yml": shared(
      "consumes",
      `- namespace: api
  type: http
  baseUri: https://api.example.com
  resources:
    things:
      path: /things/{{id}}
      operations:
        get-thing:
          method: GET
          inputParameters:
            id:
              in: path
`,
    ),
    "shared/tools.exposes.yml": shared(
      "exposes",
      `- type: mcp
  namespace: tools
  port: 3001
  tools:
    get-thing:
      description: One thing.
      inputParameters:
        id:
          type: string
          description: Its id.
      call: things-api.get-thing
      with:
        id: tools.id
    thing-view:
      description: One thing, through an aggregate.
      ref: views.thing
`,
    ),
    "shared/views.aggregates.yml": shared(
      "aggregates",
      `- namespace: views
  display: Views
  flows:
    thing:
      description: One thing.
      inputParameters:
        id:
          type: string
          description: Its id.
      call: things-api.get-thing
      with:
        id: views.id
`,
    ),
    "shared/env.binds.yml": shared(
      "binds",
      `- namespace: env
  keys:
    API_TOKEN: API_TOKEN
`,
    ),
    "cap.yml": `ikanos: "1.0.0-beta5"
info:
  display: Imports
  description: Every section imported.
capability:
  binds:
  - from: ./shared/env.binds.yml
    import: env
  consumes:
  - from: ./shared/api.consumes.yml
    import: api
    as: things-api
  aggregates:
  - from: ./shared/views.aggregates.yml
    import: views
    # Documentation for the reader of this file: neither engine reads it.
    description: Views over the things.
  exposes:
  - from: ./shared/tools.exposes.yml
    import: tools
    as: thing-tools
`,
  };

  it("takes each entry (binds, consumes, aggregates, exposes) by namespace, under its `as` name, and resolves calls against the renamed block", async () => {
    const dir = tempDir(files);
    const cap = await loadCapability(path.join(dir, "cap.yml"));
    expect(cap.binds.map((b) => b.namespace)).toEqual(["env"]);
    expect(cap.consumes.map((c) => c.namespace)).toEqual(["things-api"]);
    expect([...cap.operations.keys()]).toEqual(["things-api.get-thing"]);
    const block = cap.exposes[0];
    expect(block.namespace).toBe("thing-tools");
    expect(block.type === "mcp" && block.tools[0].call).toBe(cap.operations.get("things-api.get-thing"));
    // An imported aggregate's flow calls the importing file's consumes, by the name it gave them; a tool refers to it.
    expect(cap.aggregates.map((a) => a.namespace)).toEqual(["views"]);
    expect(block.type === "mcp" && block.tools[1].call).toBe(cap.operations.get("things-api.get-thing"));
    expect(cap.files.map((f) => path.relative(dir, f)).sort()).toEqual([
      "cap.yml",
      "shared/api.consumes.yml",
      "shared/env.binds.yml",
      "shared/tools.exposes.yml",
      "shared/views.aggregates.yml",
    ]);
  });

  it("an import of a namespace the file does not have names the ones it has", async () => {
    const dir = tempDir({ ...files, "cap.yml": files["cap.yml"].replace("import: tools", "import: tool") });
    const problems = await problemsOf(path.join(dir, "cap.yml"));
    expect(problems).toEqual([
      expect.stringMatching(/capability\.exposes\[0\]\.import: .*tools\.exposes\.yml has no exposes namespace "tool" \(it has: tools\)$/),
    ]);
  });

  it("imports do not chain", async () => {
    const chained = shared("consumes", "- from: ./api.consumes.yml\n  import: api\n");
    const dir = tempDir({
      ...files,
      "shared/chain.consumes.yml": chained,
      "cap.yml": files["cap.yml"].replace("./shared/api.consumes.yml", "./shared/chain.consumes.yml"),
    });
    expect((await problemsOf(path.join(dir, "cap.yml"))).join("\n")).toMatch(
      /imports entries itself; an imported file must define what it offers/,
    );
  });
});

void readFileSync;
