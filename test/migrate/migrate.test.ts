/**
 * `naftiko migrate`: a file rewritten into an Ikanos version loads as the same capability (the same
 * model, compared with `modelView`), keeps its comments, refuses what the target version cannot say,
 * and the CLI prints, writes and exits as its help says. Serving the migrated shipped files is proven
 * by the spec-driven suites and the contract probe, which serve a migrated copy of each.
 */
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MigrationRefused, migrateFile } from "../../src/migrate/migrate.js";
import { loadCapability } from "../../src/spec/load.js";
import { LATEST_RELEASE, VERSIONS, type SpecVersion } from "../../src/spec/versions/index.js";
import { ROOT, runCli } from "../support/cli.js";
import { modelView } from "../support/model-view.js";
import { scriptCapability } from "../scripting/capability.js";
import { writeTree } from "../support/temp.js";
import { SHIPPED } from "../support/spec-cases.js";
import { tempDir } from "../support/temp.js";

const IKANOS = VERSIONS.filter((v) => v.spec === "ikanos");
const ikanos = (version: string): SpecVersion => IKANOS.find((v) => v.version === version)!;
const DEFAULT = ikanos(LATEST_RELEASE);

/** Migrates `file` (with the library) and writes the result beside it as `out`. */
async function migrateTo(file: string, to: SpecVersion, out: string): Promise<string> {
  const { text } = await migrateFile(file, to);
  expect(text, `${file} is already ${to.version}`).toBeDefined();
  writeFileSync(out, text!);
  return out;
}

async function refusal(file: string, to = DEFAULT): Promise<string[]> {
  try {
    await migrateFile(file, to);
  } catch (e) {
    if (e instanceof MigrationRefused) return e.problems.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`);
    throw e;
  }
  throw new Error(`${file} migrated`);
}

describe("the shipped generated files", () => {
  it.each(SHIPPED.map((f) => [path.relative(ROOT, f), f]))(
    `%s migrated to ikanos ${LATEST_RELEASE} loads as the same capability`,
    async (_, file) => {
      const dir = tempDir("naftiko-migrate-");
      const migrated = await loadCapability(await migrateTo(file, DEFAULT, path.join(dir, path.basename(file))));
      expect(migrated.specVersion).toBe(`ikanos ${LATEST_RELEASE}`);
      expect(modelView(migrated)).toEqual(modelView(await loadCapability(file)));
    },
  );

  it.each(IKANOS.map((v) => [v.version, v]))("the flagship migrated to ikanos %s loads as the same capability", async (_, to) => {
    const flagship = path.join(ROOT, "metal-interconnections.naftiko.yaml");
    const dir = tempDir("naftiko-migrate-");
    const migrated = await loadCapability(await migrateTo(flagship, to, path.join(dir, "flagship.yml")));
    expect(migrated.specVersion).toBe(`ikanos ${to.version}`);
    expect(modelView(migrated)).toEqual(modelView(await loadCapability(flagship)));
  });
});

describe("the Shipyard tutorial (official dialect)", () => {
  const alpha2 = path.join(ROOT, "test/fixtures/shipyard/tutorial");
  const reference = path.join(ROOT, "test/fixtures/shipyard-beta5/tutorial");
  const steps = readdirSync(alpha2).filter((f) => f.endsWith(".yml"));
  const shared = readdirSync(path.join(alpha2, "shared")).filter((f) => /\.ya?ml$/.test(f) && f !== "secrets.yaml");

  it("has the eleven steps and the shared files they import", () => {
    expect(steps).toHaveLength(11);
    expect(shared.length).toBeGreaterThan(4);
  });

  it.each(steps)("%s migrated to ikanos 1.0.0-beta5 is the reference's own beta5 rewrite, as a model", async (step) => {
    // Imports keep pointing at the alpha2 shared files: each file is read by the version it declares.
    const dir = tempDir("naftiko-migrate-");
    cpSync(alpha2, dir, { recursive: true });
    const migrated = await loadCapability(await migrateTo(path.join(dir, step), ikanos("1.0.0-beta5"), path.join(dir, step)));
    expect(migrated.specVersion).toBe("ikanos 1.0.0-beta5");
    expect(modelView(migrated)).toEqual(modelView(await loadCapability(path.join(alpha2, step))));
    expect(modelView(migrated)).toEqual(modelView(await loadCapability(path.join(reference, step))));
  });

  it("with its shared files migrated too, every step is still the same capability", async () => {
    const dir = tempDir("naftiko-migrate-");
    cpSync(alpha2, dir, { recursive: true });
    for (const file of [...shared.map((f) => `shared/${f}`), ...steps]) {
      await migrateTo(path.join(dir, file), ikanos("1.0.0-beta5"), path.join(dir, file));
    }
    for (const step of steps) {
      const migrated = await loadCapability(path.join(dir, step));
      expect(migrated.specVersion).toBe("ikanos 1.0.0-beta5");
      expect(modelView(migrated)).toEqual(modelView(await loadCapability(path.join(reference, step))));
    }
  });
});

describe("naftiko 1.0.0-alpha3, Ikanos alpha3 before the rename", () => {
  // Its schema is alpha2's under a new version number: label, named lists, functions, targetName.
  const step = path.join(ROOT, "test/fixtures/shipyard/tutorial/step-7-shipyard-orchestrated-lookup.yml");

  it("reads and migrates as alpha2 does", async () => {
    const dir = tempDir("naftiko-migrate-");
    cpSync(path.dirname(step), dir, { recursive: true });
    const alpha3 = path.join(dir, "alpha3.yml");
    writeFileSync(alpha3, readFileSync(step, "utf8").replace('naftiko: "1.0.0-alpha2"', 'naftiko: "1.0.0-alpha3"'));
    const original = modelView(await loadCapability(step));
    const read = await loadCapability(alpha3);
    expect(read.specVersion).toBe("naftiko 1.0.0-alpha3");
    expect(modelView(read)).toEqual(original);
    const migrated = await loadCapability(await migrateTo(alpha3, DEFAULT, path.join(dir, "migrated.yml")));
    expect(modelView(migrated)).toEqual(original);
  });
});

describe("comments and layout", () => {
  const text = `# Maintained by the shipyard team.
naftiko: "1.0.0-alpha2" # the version
info:
  label: Comments   # a label
  description: Comments survive the migration.
capability:
  consumes:
    - namespace: api
      type: http
      baseUri: https://api.example.com
      resources:
        # the one resource
        - name: things
          path: /things/{{id}}
          operations:
            - name: get-thing # read one thing
              method: GET
              inputParameters:
                - name: id
                  in: path
  exposes:
    - type: mcp
      namespace: tools
      port: 3001
      tools:
        # first tool
        - name: get-thing
          description: One thing.
          inputParameters:
            - name: id
              type: string
              description: Its id.
          call: api.get-thing
          with:
            id: tools.id

        # second tool, after a blank line
        - name: hello
          description: Says hello.
          outputParameters:
            - name: greeting
              type: string
              value: hello # a mock value
`;

  it("keeps every comment, before the key that now carries the entry's name", async () => {
    const dir = writeTree({ "cap.yml": text });
    const r = await runCli(["migrate", path.join(dir, "cap.yml")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`# Maintained by the shipyard team.
ikanos: "1.0.0-beta4" # the version
info:
  display: Comments # a label
`);
    expect(r.stdout).toContain(`      resources:
        # the one resource
        things:
          path: /things/{{id}}
          operations:
            # read one thing
            get-thing:
              method: GET
              inputParameters:
                id:
                  in: path
`);
    expect(r.stdout).toContain(`      tools:
        # first tool
        get-thing:
`);
    expect(r.stdout).toContain(`            id: tools.id

        # second tool, after a blank line
        hello:
          description: Says hello.
          outputParameters:
            greeting:
              type: string
              value: hello # a mock value
`);
    writeFileSync(path.join(dir, "migrated.yml"), r.stdout);
    expect(modelView(await loadCapability(path.join(dir, "migrated.yml")))).toEqual(
      modelView(await loadCapability(path.join(dir, "cap.yml"))),
    );
  });

  it("keeps the file's sequence indentation", async () => {
    const flagship = await migrateFile(path.join(ROOT, "metal-interconnections.naftiko.yaml"), DEFAULT);
    expect(flagship.text).toMatch(/^binds:\n- namespace: env\n/m);
    expect(flagship.text).toMatch(/^ {2}consumes:\n {2}- type: http\n/m);
  });
});

describe("what Ikanos keys by name but alpha2 may leave unnamed", () => {
  // The README's example: REST resources and operations without a name.
  const text = `naftiko: "1.0.0-alpha2"
capability:
  consumes:
    - namespace: registry
      type: http
      baseUri: "https://registry.example.com/v1"
      resources:
        - name: ship
          path: "/ships/{{imo_number}}"
          operations:
            - name: get-ship
              method: GET
              inputParameters:
                - name: imo_number
                  in: path
  exposes:
    - type: rest
      port: 3002
      namespace: shipyard-api
      resources:
        - path: "/ships/{{imo}}"
          operations:
            - method: GET
              inputParameters:
                - name: imo
                  in: path
                  type: string
                  description: "IMO number of the ship"
              call: registry.get-ship
              with:
                imo_number: shipyard-api.imo
`;

  it("gets a name from its path or method, and the CLI says so at the entry's line", async () => {
    const dir = writeTree({ "ships.yml": text });
    const r = await runCli(["migrate", path.join(dir, "ships.yml"), "-o", path.join(dir, "out.yml")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /ships\.yml:21:11 capability\.exposes\[0\]\.resources\[0\]: warning: has no name; ikanos keys REST resources by name, so it is named "ships-imo"/,
    );
    expect(r.stderr).toMatch(
      /ships\.yml:23:15 capability\.exposes\[0\]\.resources\[0\]\.operations\[0\]: warning: has no name; .* named "get"/,
    );
    const migrated = await loadCapability(path.join(dir, "out.yml"));
    const rest = migrated.exposes[0];
    expect(rest.type === "rest" && rest.resources.map((res) => [res.name, res.path, res.operations.map((o) => o.name)])).toEqual([
      ["ships-imo", "/ships/{{imo}}", ["get"]],
    ]);
  });

  it("an MCP tool that takes everything from an aggregate's function is named after it", async () => {
    const dir = writeTree({
      "cap.yml": `naftiko: "1.0.0-alpha2"
info:
  label: Refs
  description: A tool that takes everything from an aggregate function.
capability:
  aggregates:
    - label: Greetings
      namespace: greetings
      functions:
        - name: say-hello
          description: Says hello.
          outputParameters:
            - name: greeting
              type: string
              value: hello
  exposes:
    - type: mcp
      namespace: tools
      port: 3001
      tools:
        - ref: greetings.say-hello
`,
    });
    const r = await runCli(["migrate", path.join(dir, "cap.yml")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /cap\.yml:21:11 capability\.exposes\[0\]\.tools\[0\]: warning: has no name; .* named "say-hello" \(MCP clients call the tool by it\)/,
    );
    expect(r.stdout).toContain("    - display: Greetings\n      namespace: greetings\n      flows:\n        say-hello:\n");
    expect(r.stdout).toContain("      tools:\n        say-hello:\n          ref: greetings.say-hello\n");
  });
});

describe("what the target version cannot say", () => {
  it("two parameters of one name (in different places) cannot both be keys", async () => {
    const dir = writeTree({
      "cap.yml": `naftiko: "1.0.0-alpha2"
capability:
  consumes:
    - namespace: api
      type: http
      baseUri: https://api.example.com
      resources:
        - name: things
          path: /things/{{id}}
          operations:
            - name: get-thing
              method: GET
              inputParameters:
                - name: id
                  in: path
                - name: id
                  in: header
`,
    });
    expect(await refusal(path.join(dir, "cap.yml"))).toEqual([
      '16:25 capability.consumes[0].resources[0].operations[0].inputParameters[1].name: two entries of inputParameters are named "id"; ikanos keys them by name, so rename one',
    ]);
  });

  it("an orchestrated property named unlike its key", async () => {
    const dir = writeTree({
      "cap.yml": `naftiko: "1.0.0-alpha2"
capability:
  consumes:
    - namespace: api
      type: http
      baseUri: https://api.example.com
      resources:
        - name: things
          path: /things
          operations:
            - name: list-things
              method: GET
  exposes:
    - type: mcp
      namespace: tools
      port: 3001
      tools:
        - name: summary
          description: A summary.
          steps:
            - type: call
              name: fetch
              call: api.list-things
          mappings:
            - targetName: total
              value: $.fetch.count
          outputParameters:
            - name: report
              type: object
              properties:
                total:
                  name: count
                  type: number
`,
    });
    expect(await refusal(path.join(dir, "cap.yml"))).toEqual([
      expect.stringMatching(
        /^32:25 capability\.exposes\[0\]\.tools\[0\]\.outputParameters\[0\]\.properties\.total\.name: property "total" is named "count"/,
      ),
    ]);
  });

  const beta5 = `ikanos: "1.0.0-beta5"
info:
  display: Minimal
  description: One mock tool.
capability:
  exposes:
  - type: mcp
    namespace: minimal
    port: 3000
    ttlMs: 60000
    tools:
      hello:
        description: Says hello.
        outputParameters:
          greeting:
            type: string
            value: hello
`;

  it("a field from a later version names the field and the version that brought it; nothing is written", async () => {
    const dir = writeTree({ "cap.yml": beta5 });
    const r = await runCli(["migrate", path.join(dir, "cap.yml"), "--to", "1.0.0-beta3", "-o", path.join(dir, "out.yml")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /cap\.yml:10:5 capability\.exposes\[0\]\.ttlMs: ttlMs needs ikanos 1\.0\.0-beta4 or later \(ikanos 1\.0\.0-beta3: unknown field "ttlMs"\)/,
    );
    expect(r.stderr).toContain("cannot be written in ikanos 1.0.0-beta3; nothing was written");
    expect(existsSync(path.join(dir, "out.yml"))).toBe(false);
  });

  it("a value from a later version too: binary output came in beta1", async () => {
    const dir = writeTree({
      "cap.yml": `ikanos: "1.0.0-beta5"
info:
  display: Files
  description: Downloads a file.
capability:
  consumes:
  - namespace: files
    type: http
    baseUri: https://files.example.com
    resources:
      file:
        path: /files/{{id}}
        operations:
          get-file:
            method: GET
            outputRawFormat: binary
            maxBinarySize: 5MiB
            inputParameters:
              id:
                in: path
`,
    });
    expect(await refusal(path.join(dir, "cap.yml"), ikanos("1.0.0-alpha4"))).toEqual([
      expect.stringMatching(
        /^16:30 .*\.get-file\.outputRawFormat: outputRawFormat needs ikanos 1\.0\.0-beta1 or later \(ikanos 1\.0\.0-alpha4: must be one of .*not "binary"\)/,
      ),
      expect.stringMatching(/^17:13 .*\.get-file\.maxBinarySize: maxBinarySize needs ikanos 1\.0\.0-beta1 or later/),
    ]);
  });

  it("without that field, a newer Ikanos file goes back to the oldest as the same capability", async () => {
    const dir = writeTree({ "cap.yml": beta5.replace("    ttlMs: 60000\n", "") });
    const migrated = await loadCapability(await migrateTo(path.join(dir, "cap.yml"), ikanos("1.0.0-alpha3"), path.join(dir, "out.yml")));
    expect(migrated.specVersion).toBe("ikanos 1.0.0-alpha3");
    expect(modelView(migrated)).toEqual(modelView(await loadCapability(path.join(dir, "cap.yml"))));
    expect(readFileSync(path.join(dir, "out.yml"), "utf8")).toBe(
      beta5.replace("    ttlMs: 60000\n", "").replace("1.0.0-beta5", "1.0.0-alpha3"),
    );
  });
});

describe("naftiko migrate (CLI)", () => {
  const flagship = path.join(ROOT, "metal-interconnections.naftiko.yaml");

  it("prints the migrated file on stdout by default, in the default version", async () => {
    const r = await runCli(["migrate", flagship]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ikanos: 1\.0\.0-beta4\ninfo:\n {2}display: Metal API — Interconnections\n/);
    expect(r.stdout).toBe((await migrateFile(flagship, DEFAULT)).text);
  });

  it("--write rewrites the file in place; validate then says which version it read", async () => {
    const dir = tempDir("naftiko-migrate-");
    const file = path.join(dir, "flagship.naftiko.yaml");
    cpSync(flagship, file);
    chmodSync(file, 0o640);
    const r = await runCli(["migrate", file, "--write", "--to", "1.0.0-beta5"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`wrote ${file} (ikanos 1.0.0-beta5, from naftiko 1.0.0-alpha2)`);
    expect(readdirSync(dir)).toEqual(["flagship.naftiko.yaml"]);
    expect(statSync(file).mode & 0o777).toBe(0o640);
    const v = await runCli(["validate", file]);
    expect(v.stdout).toBe(`${file}: ok (ikanos 1.0.0-beta5)\n`);
  });

  it("a file already in the target version is left alone, and it says so", async () => {
    const file = path.join(ROOT, "test/fixtures/shipyard-beta5/tutorial/step-1-shipyard-mock.yml");
    const r = await runCli(["migrate", file, "--to", "1.0.0-beta5"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("step-1-shipyard-mock.yml is already ikanos 1.0.0-beta5; nothing to do");
  });

  it("an unknown --to version is a usage error listing the known ones", async () => {
    const r = await runCli(["migrate", flagship, "--to", "2.0.0"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`unknown --to version "2.0.0" (known: ${IKANOS.map((v) => v.version).join(", ")})`);
  });

  it("-o and --write together, or no file, are usage errors", async () => {
    expect((await runCli(["migrate", flagship, "-o", "x.yml", "--write"])).code).toBe(2);
    expect((await runCli(["migrate"])).code).toBe(2);
  });

  it("a file that does not load gets its problems, exit 1, and nothing is written", async () => {
    const dir = writeTree({ "bad.yml": 'naftiko: "1.0.0-alpha2"\ncapability:\n  exposes:\n    - type: mcp\n      port: 3000\n' });
    const r = await runCli(["migrate", path.join(dir, "bad.yml"), "-o", path.join(dir, "out.yml")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.yml:\d+:\d+ capability\.exposes\[0\]: missing required field "namespace"/);
    expect(r.stderr).toContain("has problems; fix them");
    expect(existsSync(path.join(dir, "out.yml"))).toBe(false);
  });

  it("says that the files it imports keep their own version", async () => {
    const step = path.join(ROOT, "test/fixtures/shipyard/tutorial/step-5-shipyard-multi-source.yml");
    const r = await runCli(["migrate", step]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/the files it imports keep their own version .*step5-registry-consumes\.yaml/);
    expect(r.stdout).toContain('from: "./shared/step5-registry-consumes.yaml"');
  });

  it("names only imported spec documents as imports, not the scripts a step runs", async () => {
    const cap = scriptCapability({
      routes: [{ name: "totals", step: "file: totals.js", calls: true }],
      scripts: {},
      scripting: 'defaultLocation: "file:///./scripts"\ndefaultLanguage: javascript',
    });
    const r = await runCli(["migrate", cap.file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain("the files it imports");
    expect(r.stdout).toContain("file: totals.js");
  });
});
