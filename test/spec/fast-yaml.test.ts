/**
 * The fast YAML path (src/spec/fast-yaml.ts) must read every document it accepts exactly as `yaml`
 * does, and accept none that `yaml` reports an error or warning for; anything else falls back.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { serialize } from "node:v8";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseDocument, stringify } from "yaml";
import { fastParseYaml } from "../../src/spec/fast-yaml.js";
import { parseSource } from "../../src/spec/source.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const norm = (v: unknown) =>
  JSON.stringify(v, (_k, x) => (typeof x === "number" && !Number.isFinite(x) ? `#${x}` : Object.is(x, -0) ? "#-0" : x));

/** True when the fast path declines `text`, or reads it exactly as `yaml` does. */
function agrees(text: string): boolean {
  const fast = fastParseYaml(text);
  if (!fast) return true;
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, strict: true });
  if (doc.errors.length || doc.warnings.length) return false;
  return norm(doc.toJS({ maxAliasCount: 100 })) === norm(fast.data);
}

describe("fast YAML path", () => {
  const files = execFileSync("git", ["ls-files", "*.yaml", "*.yml"], { cwd: ROOT, encoding: "utf8" }).trim().split("\n");

  it("reads the flagship, and agrees with yaml on every YAML file in the repository", () => {
    expect(fastParseYaml(readFileSync(path.join(ROOT, "metal-interconnections.naftiko.yaml"), "utf8"))).toBeDefined();
    for (const f of files) expect(agrees(readFileSync(path.join(ROOT, f), "utf8")), f).toBe(true);
  });

  it("keeps key order and the core schema's scalars", () => {
    const text = "b: 1\na: -2.5\nc: 1e3\nd: ~\ne: True\nf: '007'\ng: 007\nh: x: y\n";
    expect(fastParseYaml(text)).toBeUndefined(); // `x: y` nested in a compact value is an error
    const ok = fastParseYaml("b: 1\na: -2.5\nc: 1e3\nd: ~\ne: True\nf: '0''7'\ng: 007\nh: x|y #c\nl:\n- 1\n-\n- 'a\n\n  b'\n");
    expect(ok?.data).toEqual({ b: 1, a: -2.5, c: 1000, d: null, e: true, f: "0'7", g: 7, h: "x|y", l: [1, null, "a\nb"] });
    expect(Object.keys(ok?.data as object)).toEqual(["b", "a", "c", "d", "e", "f", "g", "h", "l"]);
  });

  it("a file with characters beyond Latin-1 reads the same data, on the fast path and the full one", () => {
    // The loader copies the strings out of such a text (spec/source.ts): the copies must be exact.
    const texts = [
      "label: Metal API — Interconnections\nname: get-interconnection\n'ключ': [\"\\ud800 lone\", 'é', x]\n",
      'label: API — x\nn: plain\nq: "a\\u2014b"\n',
      "label: API — x\nv: .inf\nw: -0\n", // values JSON cannot carry: read as yaml reads them
      "label: API — x\n__proto__: {polluted: true}\n",
    ];
    for (const text of texts) {
      const expected = norm(parseDocument(text, { prettyErrors: false, uniqueKeys: true, strict: true }).toJS());
      expect(norm(parseSource("f.yaml", text).data), text).toBe(expected);
      expect(norm(parseSource("f.yaml", `${text}z: [1]\n`).data), text).toBe(norm({ ...JSON.parse(expected), z: [1] }));
    }
    const proto = parseSource("f.yaml", texts[3]).data as Record<string, unknown>;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.keys(proto)).toEqual(["label", "__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("stores the keys of such a file one byte per character, on the fast path and the full one", () => {
    // V8 stores a string one or two bytes per character; its value serializer says which.
    const oneByteStored = (s: string) =>
      serialize(s)
        .subarray(2)
        .find((b) => b !== 0) === 0x22;
    expect([oneByteStored("abc"), oneByteStored("a—c")]).toEqual([true, false]);
    // A key keeps how V8 first stored it (src/spec/one-byte.ts): names nothing has used before.
    const fresh = () => `k${Math.random().toString(36).slice(2, 10)}`;
    for (const tail of ["", "z: [1]\n"]) {
      const [a, b] = [fresh(), fresh()];
      const text = `label: API — x\n${a}:\n  ${b}: v\n${tail}`;
      expect(fastParseYaml(text) === undefined).toBe(tail !== "");
      const data = parseSource("f.yaml", text).data as Record<string, Record<string, unknown>>;
      expect(Object.keys(data).slice(0, 2)).toEqual(["label", a]);
      expect(Object.keys(data[a])).toEqual([b]);
      expect([oneByteStored(Object.keys(data)[1]), oneByteStored(Object.keys(data[a])[0])], text).toEqual([true, true]);
    }
  });

  it("declines what it does not read: anchors, tags, flow, block scalars, duplicates, __proto__", () => {
    for (const text of [
      "a: &x 1\nb: *x\n",
      "a: !t 1\n",
      "a: [1]\n",
      "a: |\n  x\n",
      "a: 1\na: 2\n",
      "__proto__: 1\n",
      "'__proto__': 1\n",
      "a:\tb\n",
      "a: 0x1f\n",
      "---\na: 1\n",
      "a: 1\r\n",
    ]) {
      expect(fastParseYaml(text), text).toBeUndefined();
    }
  });

  it("gives the same positions as a full parse", () => {
    const text = readFileSync(path.join(ROOT, "metal-interconnections.naftiko.yaml"), "utf8");
    const fast = parseSource("f.yaml", text);
    const full = parseSource("f.yaml", `${text}\n# a comment\nzz: [1]\n`); // flow: not the fast path
    for (const p of [
      ["capability", "consumes", 0, "resources", 1],
      ["capability", "exposes", 1, "namespace"],
      ["info", "label"],
      ["nope"],
    ]) {
      expect(fast.locate(p)).toEqual(full.locate(p));
      expect(fast.locate(p, true)).toEqual(full.locate(p, true));
    }
  });

  it("agrees with yaml on generated and mutated documents", () => {
    const chars = fc.constantFrom(..."ab Z09-_.:#'\"\n  x\\/{}[],?!&*|>%@`~+eE$");
    const str = fc.oneof(
      fc.string({ unit: chars, maxLength: 30 }),
      fc.constantFrom(
        "null",
        "true",
        "False",
        "1",
        "-2",
        "1.5",
        "1e3",
        ".inf",
        "0x1f",
        "0o7",
        "~",
        "",
        " a",
        "a ",
        "a: b",
        "a #b",
        "'q'",
        "x''y",
      ),
    );
    const key = fc.oneof(
      fc.string({ unit: fc.constantFrom(..."abc-_/.{} :'\"$1"), maxLength: 8 }),
      fc.constantFrom("name", "type", "__proto__", "null", "1"),
    );
    const value = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: "small" },
        str,
        fc.integer(),
        fc.double(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie("v"), { maxLength: 4 }),
        fc.dictionary(key, tie("v"), { maxKeys: 4 }),
      ),
    })).v;
    const opts = fc.record({
      lineWidth: fc.constantFrom(0, 20, 40, 80),
      indentSeq: fc.boolean(),
      defaultStringType: fc.constantFrom("PLAIN" as const, "QUOTE_SINGLE" as const, "QUOTE_DOUBLE" as const),
      defaultKeyType: fc.constantFrom(null, "PLAIN" as const, "QUOTE_SINGLE" as const),
      indent: fc.constantFrom(2, 3, 4),
    });
    fc.assert(
      fc.property(fc.dictionary(key, value, { minKeys: 1, maxKeys: 5 }), opts, (v, o) => agrees(stringify(v, o))),
      { numRuns: 1500 },
    );
    const base = ["metal-interconnections.naftiko.yaml", "capabilities/metal-bgp.naftiko.yaml"].map((f) =>
      readFileSync(path.join(ROOT, f), "utf8").slice(0, 6000),
    );
    const ins = fc.constantFrom(
      " ",
      "  ",
      "\n",
      ": ",
      ":",
      "#",
      " #",
      "-",
      "- ",
      "'",
      "''",
      '"',
      "\n\n",
      "a",
      "\n  ",
      "\n    x",
      "{",
      "[",
      "&a ",
      "*a",
      "!t ",
      "|",
      ">",
      "1",
      "\\",
    );
    fc.assert(
      fc.property(fc.constantFrom(...base), fc.array(fc.tuple(fc.nat(), fc.nat(3), ins), { minLength: 1, maxLength: 3 }), (t, muts) => {
        for (const [at, del, s] of muts) {
          const p = at % (t.length + 1);
          t = t.slice(0, p) + s + t.slice(p + del);
        }
        return agrees(t);
      }),
      { numRuns: 1500 },
    );
  });
});
