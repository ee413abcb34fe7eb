/**
 * A broken capability file is reported as `file:line:col path: message`, one line per problem, all
 * problems at once, exit code 1 — through the real CLI, as a user runs it.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, ROOT } from "../support/cli.js";
import { tempDir } from "../support/temp.js";

const dir = tempDir("naftiko-load-");
function write(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** A small valid generated-dialect capability; tests break one thing at a time. */
const GOOD = `naftiko: 1.0.0-alpha2
info:
  label: Things
  description: A small capability for tests.
binds:
- namespace: env
  keys:
    API_KEY: API_KEY
capability:
  consumes:
  - type: http
    namespace: things
    baseUri: https://api.example.com/v1
    resources:
    - name: things-id
      path: /things/{id}
      operations:
      - name: getthing
        method: GET
        inputParameters:
        - name: id
          in: path
          type: string
          required: true
    authentication:
      type: apikey
      key: X-Key
      value: '{{env.API_KEY}}'
      placement: header
  exposes:
  - type: rest
    namespace: things-rest
    port: 8080
    resources:
    - path: /v1/things/{id}
      name: things-id
      operations:
      - method: GET
        name: getthing
        call: things.getthing
        with:
          id: rest.id
        outputParameters:
        - type: object
          mapping: $.
  - type: mcp
    namespace: things-mcp
    port: 9090
    transport: http
    tools:
    - name: get-thing
      description: Get a thing
      call: things.getthing
      with:
        id: tools.id
`;

const lineOf = (text: string, needle: string, nth = 1) => {
  let at = -1;
  for (let i = 0; i < nth; i++) at = text.indexOf(needle, at + 1);
  return text.slice(0, at).split("\n").length;
};

async function validate(file: string) {
  const r = await runCli(["validate", file]);
  return { ...r, lines: r.stderr.trim().split("\n").filter(Boolean) };
}

describe("naftiko validate", () => {
  it("accepts a good file", async () => {
    const r = await validate(write("good.yaml", GOOD));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("ok");
  });

  it("reports bad YAML with line and column", async () => {
    const text = GOOD.replace("  label: Things", "  label: [Things");
    const file = write("bad-yaml.yaml", text);
    const r = await validate(file);
    expect(r.code).toBe(1);
    expect(r.lines[0]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:\\d+:\\d+ `));
  });

  it("reports an unknown field at its key", async () => {
    const text = GOOD.replace(
      "      name: things-id\n      operations:\n      - method: GET",
      "      name: things-id\n      colour: blue\n      operations:\n      - method: GET",
    );
    const file = write("unknown.yaml", text);
    const r = await validate(file);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([`${file}:${lineOf(text, "colour:")}:7 capability.exposes[0].resources[0].colour: unknown field "colour"`]);
  });

  it("reports a call to a missing operation", async () => {
    const text = GOOD.replace(
      "call: things.getthing\n      with:\n        id: tools.id",
      "call: things.getthings\n      with:\n        id: tools.id",
    );
    const file = write("missing-op.yaml", text);
    const r = await validate(file);
    expect(r.code).toBe(1);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(
      new RegExp(
        `:${lineOf(text, "call: things.getthings")}:\\d+ capability\\.exposes\\[1\\]\\.tools\\[0\\]\\.call: consumes "things" has no operation "getthings"`,
      ),
    );
  });

  it("reports a with key the operation does not have", async () => {
    const text = GOOD.replace("          id: rest.id", "          id: rest.id\n          colour: rest.colour");
    const file = write("bad-with.yaml", text);
    const r = await validate(file);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `${file}:${lineOf(text, "colour: rest.colour")}:11 capability.exposes[0].resources[0].operations[0].with.colour: "colour" is not a parameter of things.getthing (parameters: id)`,
    ]);
  });

  it("reports a duplicate namespace", async () => {
    const text = GOOD.replace("namespace: things-mcp", "namespace: things-rest");
    const file = write("dup-ns.yaml", text);
    const r = await validate(file);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `${file}:${lineOf(text, "namespace: things-rest", 2)}:16 capability.exposes[1].namespace: duplicate namespace "things-rest" (already used by exposes[0])`,
    ]);
  });

  it("reports two exposes on one port", async () => {
    const text = GOOD.replace("port: 9090", "port: 8080");
    const file = write("dup-port.yaml", text);
    const r = await validate(file);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `${file}:${lineOf(text, "port: 8080", 2)}:11 capability.exposes[1].port: port 8080 is already used by exposes[0] (things-rest)`,
    ]);
  });

  it("reports all problems at once, one line each", async () => {
    const text = GOOD.replace("port: 9090", "port: 8080")
      .replace("call: things.getthing\n      with:\n        id: tools.id", "call: things.nope\n      with:\n        id: tools.id")
      .replace(
        "      name: things-id\n      operations:\n      - method: GET",
        "      name: things-id\n      colour: blue\n      operations:\n      - method: GET",
      );
    const file = write("many.yaml", text);
    const r = await validate(file);
    expect(r.code).toBe(1);
    expect(r.lines).toHaveLength(3);
    expect(r.lines[0]).toMatch(/resources\[0\]\.colour: unknown field "colour"/);
    expect(r.lines.join("\n")).toMatch(/tools\[0\]\.call: consumes "things" has no operation "nope"/);
    expect(r.lines.join("\n")).toMatch(/exposes\[1\]\.port: port 8080 is already used/);
  });

  it("validates every shipped capability", async () => {
    const r = await runCli([
      "validate",
      "metal-interconnections.naftiko.yaml",
      ...(await import("node:fs"))
        .readdirSync(path.join(ROOT, "capabilities"))
        .filter((f) => f.endsWith(".yaml"))
        .map((f) => `capabilities/${f}`),
    ]);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("50 valid, 0 invalid");
  });
});
