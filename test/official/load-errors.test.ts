/**
 * Official-dialect mistakes the Shipyard suite does not show are load errors with the usual
 * `file:line:col path: message` quality, found by `naftiko validate` before anything is served.
 */
import { realpathSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { tempDir } from "../support/temp.js";

const dir = tempDir("naftiko-official-load-");

/** A valid official-dialect file with an aggregate, steps and a skill; tests break one thing. */
const GOOD = `naftiko: "1.0.0-alpha2"
capability:
  consumes:
    - namespace: registry
      type: http
      baseUri: "http://127.0.0.1:9/api"
      resources:
        - name: ship
          path: "/ships/{{imo_number}}"
          operations:
            - name: get-ship
              method: GET
              inputParameters:
                - name: imo_number
                  in: path
        - name: crew
          path: "/crew"
          operations:
            - name: list-crew
              method: GET
  aggregates:
    - label: Crew
      namespace: crew-resolver
      functions:
        - name: resolve
          description: "Ship with crew"
          semantics:
            safe: true
          inputParameters:
            - name: imo
              type: string
              description: "IMO number"
          steps:
            - name: get-ship
              type: call
              call: registry.get-ship
              with:
                imo_number: "{{imo}}"
            - name: list-crew
              type: call
              call: registry.list-crew
            - name: resolve-crew
              type: lookup
              index: list-crew
              match: crewId
              lookupValue: "$.get-ship.assignedCrew"
              outputParameters:
                - fullName
          mappings:
            - targetName: name
              value: "$.get-ship.vessel_name"
            - targetName: crew
              value: "$.resolve-crew"
  exposes:
    - type: mcp
      port: 3001
      namespace: tools
      description: "Tools"
      tools:
        - name: get-ship
          description: "One ship"
          inputParameters:
            - name: imo
              type: string
              description: "IMO number"
          call: registry.get-ship
          with:
            imo_number: tools.imo
        - name: ship-with-crew
          description: "Ship with crew"
          ref: crew-resolver.resolve
    - type: skill
      port: 3002
      namespace: skills
      skills:
        - name: fleet
          description: "Fleet"
          tools:
            - name: get-ship
              description: "One ship"
              from:
                sourceNamespace: tools
                action: get-ship
`;

let n = 0;
async function validate(text: string) {
  const file = path.join(dir, `cap-${n++}.yml`);
  writeFileSync(file, text);
  const r = await runCli(["validate", file]);
  return { ...r, file, lines: r.stderr.trim().split("\n").filter(Boolean) };
}

/** Line (1-based) of the first line of `text` containing `needle`. */
function lineOf(text: string, needle: string, from = 0): number {
  const i = text.indexOf(needle, from);
  if (i < 0) throw new Error(`"${needle}" not in test file`);
  return text.slice(0, i).split("\n").length;
}

function broken(search: string, replace: string): string {
  if (!GOOD.includes(search)) throw new Error(`"${search}" not in GOOD`);
  return GOOD.replace(search, replace);
}

describe("official dialect: load errors", () => {
  it("the base file is valid", async () => {
    const r = await validate(GOOD);
    expect(r.stdout + r.stderr).toContain(": ok");
    expect(r.code).toBe(0);
  });

  it("an unknown ref names the aggregate functions there are", async () => {
    const text = broken("ref: crew-resolver.resolve", "ref: crew-resolver.resolver");
    const r = await validate(text);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `${r.file}:${lineOf(text, "ref: crew-resolver.resolver")}:16 capability.exposes[0].tools[1].ref: ref "crew-resolver.resolver" names no aggregate function (known: crew-resolver.resolve)`,
    ]);
  });

  it("a lookup over a missing step, and a lookupValue reading a later one", async () => {
    const text = broken("index: list-crew", "index: list-crews").replace(
      'lookupValue: "$.get-ship.assignedCrew"',
      'lookupValue: "$.resolve-crew.x"',
    );
    const r = await validate(text);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `${r.file}:${lineOf(text, "index: list-crews")}:22 capability.aggregates[0].functions[0].steps[2].index: lookup index "list-crews" is not an earlier step (earlier: get-ship, list-crew)`,
      `${r.file}:${lineOf(text, "lookupValue:")}:28 capability.aggregates[0].functions[0].steps[2].lookupValue: lookupValue "$.resolve-crew.x" reads step "resolve-crew", which is not an earlier step (earlier: get-ship, list-crew)`,
    ]);
  });

  it("a lookup whose index is not a call step", async () => {
    const text = GOOD.replace(
      'lookupValue: "$.get-ship.assignedCrew"\n              outputParameters:\n                - fullName\n',
      'lookupValue: "$.get-ship.assignedCrew"\n              outputParameters:\n                - fullName\n            - name: again\n              type: lookup\n              index: resolve-crew\n              match: x\n              lookupValue: "$.get-ship.a"\n              outputParameters:\n                - y\n',
    );
    const r = await validate(text);
    expect(r.code).toBe(1);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/steps\[3\]\.index: lookup index "resolve-crew" is a lookup step; it must be a call step$/);
  });

  it("a with on an undeclared input: in a tool, and in a step of an aggregate function", async () => {
    const text = broken("imo_number: tools.imo", "imo_number: tools.imo_nr").replace('imo_number: "{{imo}}"', 'imo_number: "{{ship}}"');
    const r = await validate(text);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `${r.file}:${lineOf(text, '"{{ship}}"')}:29 capability.aggregates[0].functions[0].steps[0].with.imo_number: "{{ship}}" names input "ship", which is not declared in inputParameters (declared: imo)`,
      `${r.file}:${lineOf(text, "tools.imo_nr")}:25 capability.exposes[0].tools[0].with.imo_number: "tools.imo_nr" names input "imo_nr", which is not declared in inputParameters (declared: imo)`,
    ]);
  });

  it("a with key that is no parameter of the called operation", async () => {
    const text = broken('imo_number: "{{imo}}"', 'imo: "{{imo}}"');
    const r = await validate(text);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `${r.file}:${lineOf(text, 'imo: "{{imo}}"')}:17 capability.aggregates[0].functions[0].steps[0].with.imo: "imo" is not a parameter of registry.get-ship (parameters: imo_number)`,
    ]);
  });

  it("a mapping reading an unknown step", async () => {
    const text = broken('value: "$.get-ship.vessel_name"', 'value: "$.get-ships.vessel_name"');
    const r = await validate(text);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `${r.file}:${lineOf(text, "$.get-ships")}:22 capability.aggregates[0].functions[0].mappings[0].value: mapping "$.get-ships.vessel_name" reads step "get-ships", which is not a step (steps: get-ship, list-crew, resolve-crew)`,
    ]);
  });

  it("a skill tool from an unknown block or action", async () => {
    const text = broken("sourceNamespace: tools", "sourceNamespace: toolz");
    const r = await validate(text);
    expect(r.lines).toEqual([
      `${r.file}:${lineOf(text, "toolz")}:34 capability.exposes[1].skills[0].tools[0].from.sourceNamespace: "toolz" names no sibling rest or mcp exposes block (known: tools)`,
    ]);
    const t2 = broken("action: get-ship", "action: get-boat");
    const r2 = await validate(t2);
    expect(r2.lines).toEqual([
      `${r2.file}:${lineOf(t2, "get-boat")}:25 capability.exposes[1].skills[0].tools[0].from.action: "get-boat" is not a tool of "tools" (known: get-ship, ship-with-crew)`,
    ]);
  });

  it("a script step whose file is not in its location is refused", async () => {
    const scripts = tempDir("naftiko-official-scripts-");
    const text = broken(
      "            - name: list-crew\n              type: call\n              call: registry.list-crew\n",
      `            - name: list-crew\n              type: call\n              call: registry.list-crew\n            - name: compute\n              type: script\n              language: javascript\n              file: x.js\n              location: file://${scripts}\n`,
    );
    const r = await validate(text);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `${r.file}:${lineOf(text, "file: x.js")}:21 capability.aggregates[0].functions[0].steps[2].file: script step "compute": "x.js" cannot be read in ${realpathSync(scripts)} (ENOENT)`,
    ]);
  });
});
