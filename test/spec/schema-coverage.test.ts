/**
 * Nothing accepted and silently ignored: every property of every definition in the schema of every
 * version the runtime reads is either shown to act by a test that uses it, or shown to be refused by
 * a test of the refusal (test/spec/schema-coverage.ledger.ts says which). A field added to a schema
 * without either fails here; so does a ledger entry for a field no schema has, or one whose test no
 * longer uses the field.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { VERSIONS } from "../../src/spec/versions/index.js";
import { ROOT } from "../support/cli.js";
import { LEDGER, type Entry } from "./schema-coverage.ledger.js";

type Schema = Record<string, unknown>;

/**
 * `Definition.property` for every property a version's schema accepts (`(root).x` at the top), and
 * `Definition.property.sub` for the properties of an object written inline under a property.
 */
function schemaProperties(schemaFile: string): Set<string> {
  const schema = JSON.parse(readFileSync(path.join(ROOT, "schema", schemaFile), "utf8")) as Schema;
  const out = new Set<string>();
  const isObject = (n: unknown): n is Schema => !!n && typeof n === "object" && !Array.isArray(n);
  // `closed`: the properties of an enclosing level with additionalProperties: false; a property an
  // alternative declares beyond them can never validate, so the schema does not accept it.
  const walk = (name: string, node: unknown, closed?: Set<string>) => {
    if (!isObject(node)) return;
    const own = Object.keys(isObject(node.properties) ? node.properties : {});
    const shut = node.additionalProperties === false ? new Set(own) : closed;
    for (const p of own) {
      if (closed && !closed.has(p)) continue;
      out.add(`${name}.${p}`);
      if (name !== "(root)") inline(`${name}.${p}`, (node.properties as Schema)[p]);
    }
    // Alternatives and conjuncts written inline (not references) declare the definition's own properties too.
    for (const kw of ["allOf", "anyOf", "oneOf"]) for (const sub of (node[kw] as unknown[] | undefined) ?? []) walk(name, sub, shut);
  };
  // An object written in place under a property (not a reference to a definition), or as its items or values.
  const inline = (name: string, node: unknown) => {
    if (!isObject(node) || node.$ref) return;
    if (isObject(node.properties)) walk(name, node);
    for (const kw of ["items", "additionalProperties"]) if (isObject(node[kw])) inline(name, node[kw]);
    for (const kw of ["allOf", "anyOf", "oneOf"]) for (const sub of (node[kw] as unknown[] | undefined) ?? []) inline(name, sub);
  };
  walk("(root)", { properties: schema.properties });
  for (const [name, def] of Object.entries((schema.$defs as Schema | undefined) ?? {})) walk(name, def);
  return out;
}

const accepted = new Map<string, string[]>();
for (const v of VERSIONS) {
  for (const key of schemaProperties(v.schemaFile)) accepted.set(key, [...(accepted.get(key) ?? []), `${v.spec} ${v.version}`]);
}

/**
 * The file uses the property as a key: `prop:` in YAML or an object literal, or `"prop":` in JSON,
 * also right after a `\n` written inside a string literal.
 */
function usesKey(text: string, property: string): boolean {
  const name = property.replace(/[-[\]\\^$.*+?()|{}]/g, "\\$&");
  return new RegExp(`(^|[\\s{,"']|\\\\n)${name}["']?\\s*:`, "m").test(text);
}

const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");

/**
 * The test names the fixture, by its path, its file name or a folder of test/fixtures it is in,
 * itself or through a helper of test/support it imports (suites that serve a whole folder).
 */
function loads(test: string, fixture: string): boolean {
  const names = [fixture, path.basename(fixture)];
  for (let dir = path.dirname(fixture); dir.startsWith("test/fixtures/"); dir = path.dirname(dir)) names.push(dir);
  const helpers = [...read(test).matchAll(/from "\.\.\/support\/([\w-]+)\.js"/g)].map((m) => `test/support/${m[1]}.ts`);
  return [test, ...helpers].some((file) => existsSync(path.join(ROOT, file)) && names.some((n) => read(file).includes(n)));
}

describe("every field the schemas accept acts or is refused", () => {
  it("reads the schemas of every version", () => {
    expect(accepted.size).toBeGreaterThan(300);
  });

  it.each([...accepted.keys()].sort().map((k) => [k]))("%s", (key) => {
    const entry: Entry | undefined = LEDGER[key];
    expect(entry, `${key} (in ${accepted.get(key)!.join(", ")}) has no ledger entry: show it acts, or refuse it`).toBeDefined();
    const test = "acts" in entry ? entry.acts : entry.refused;
    expect(existsSync(path.join(ROOT, test)), `${test} does not exist`).toBe(true);
    // The field is written where the test reads it: in the test itself, or in the file it loads.
    const where = "acts" in entry && entry.fixture ? entry.fixture : test;
    expect(existsSync(path.join(ROOT, where)), `${where} does not exist`).toBe(true);
    const property = key.split(".").at(-1)!;
    expect(usesKey(read(where), property), `${where} does not use ${property}`).toBe(true);
    if ("acts" in entry && entry.fixture) expect(loads(test, entry.fixture), `${test} does not load ${entry.fixture}`).toBe(true);
    if ("refused" in entry) expect(read(test), `${test} does not assert the refusal`).toContain(entry.message);
  });

  it("has no entry for a field no schema has", () => {
    expect(Object.keys(LEDGER).filter((k) => !accepted.has(k))).toEqual([]);
  });

  it("is sorted, so that a new field lands where a reader looks for it", () => {
    const keys = Object.keys(LEDGER);
    expect(keys).toEqual([...keys].sort());
  });
});
