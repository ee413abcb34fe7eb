/**
 * The upstream's JSON is read from its bytes (src/json-text.ts) instead of with `JSON.parse` and
 * `JSON.stringify`: a tool answer checks and escapes it, a mapped output parses only the members
 * it reads. On every text, that must take what `JSON.parse` takes, refuse what it refuses, write
 * exactly what `JSON.stringify` writes, and give a mapping exactly what the whole document gives.
 */
import { isUtf8 } from "node:buffer";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapedExtra, isObjectText, readSparse, readTree, writeEscaped } from "../../src/json-text.js";
import { compileOutput } from "../../src/mapping/output.js";
import type { OutputParam } from "../../src/spec/model.js";

/** What the runtime would make of `text` with JSON.parse: its data, or undefined when it is not JSON. */
function parsed(text: string): { data: unknown } | undefined {
  try {
    return { data: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

/** Checks one text against JSON.parse and JSON.stringify; returns whether it was JSON. */
function agrees(text: string): boolean {
  const bytes = Buffer.from(text);
  expect(isUtf8(bytes)).toBe(true);
  const extra = escapedExtra(bytes);
  const expected = parsed(text);
  expect(extra >= 0, JSON.stringify(text)).toBe(expected !== undefined);
  if (!expected) return false;
  const escaped = Buffer.from(JSON.stringify(text).slice(1, -1));
  expect(extra).toBe(escaped.length - bytes.length);
  const out = Buffer.alloc(bytes.length + extra + 2, 0x7e);
  expect(writeEscaped(bytes, out, 1)).toBe(out.length - 1);
  expect(out.subarray(1, -1).toString()).toBe(escaped.toString());
  // Nothing written outside its place.
  expect([out[0], out[out.length - 1]]).toEqual([0x7e, 0x7e]);
  const { data } = expected;
  expect(isObjectText(bytes)).toBe(typeof data === "object" && data !== null && !Array.isArray(data));
  return true;
}

/** Texts that are mostly not JSON, but close to it: JSON's own characters and words, in any order. */
const nearJson = fc
  .array(
    fc.constantFrom(
      ...'{}[],:"\\/ \t\n\r0123456789.eE+-abfnrtu'.split(""),
      "true",
      "false",
      "null",
      '"a"',
      '"\\u00e9"',
      "\u00e9",
      "東",
      "\u2028",
      "\x01",
      "\ufeff",
      "{}",
      "[]",
      '{"k":',
    ),
    { maxLength: 24 },
  )
  .map((parts) => parts.join(""));

/** A JSON text with one of its characters removed, doubled or replaced. */
const edited = fc
  .tuple(fc.json({ maxDepth: 3 }), fc.nat(), fc.constantFrom("remove", "double", "replace"), fc.constantFrom(...'{}[],:"\\ 0-.eE'))
  .map(([text, at, edit, c]) => {
    const i = text.length ? at % text.length : 0;
    if (edit === "remove") return text.slice(0, i) + text.slice(i + 1);
    if (edit === "double") return text.slice(0, i + 1) + text.slice(i);
    return text.slice(0, i) + c + text.slice(i + 1);
  });

describe("JSON text, read from its bytes", () => {
  it("agrees with JSON.parse and JSON.stringify on generated JSON, compact and indented", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom(undefined, 2, "\t", "\r\n "), (value, indent) => {
        const text = indent === "\r\n " ? JSON.stringify(value, null, 1).replaceAll("\n", "\r\n ") : JSON.stringify(value, null, indent);
        expect(agrees(text)).toBe(true);
        expect(agrees(` \n${text}\t `)).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  it("agrees with JSON.parse on texts that are nearly JSON, and on JSON with one character edited", () => {
    fc.assert(
      fc.property(fc.oneof(nearJson, edited), (text) => {
        agrees(text);
      }),
      { numRuns: 4000 },
    );
  });

  it("takes and refuses what JSON.parse does, case by case", () => {
    const json = [
      "0",
      "-0",
      "-0.5e+3",
      "1E-2",
      "1e5",
      '""',
      '"\\/\\b\\f\\n\\r\\t\\u00Af"',
      '"\\"quoted\\""',
      "[[],{}]",
      '{"a":{"b":[1,{"c":null}]},"d":true,"e":false}',
      ' {\t"a" :\r\n [ 1 , 2 ] } ',
      '"naïve 東京 \u2028 \u{1f600}"',
    ];
    const notJson = [
      "",
      " ",
      "01",
      "-",
      "1.",
      ".5",
      "1e",
      "+1",
      "0x10",
      "NaN",
      "tru",
      "nul",
      "True",
      '"open',
      '"\\x"',
      '"\\u12G4"',
      '"\\u12"',
      '"tab\there"',
      "[1,]",
      "[,1]",
      '{"a":1,}',
      '{"a" 1}',
      "{a:1}",
      "{'a':1}",
      '{"a":1}}',
      "[1]]",
      "[1}",
      '{"a":1]',
      "{}x",
      "1 2",
      "\ufeff{}",
      "\f1",
      "\u00a01",
    ];
    for (const text of json) expect(agrees(text), text).toBe(true);
    for (const text of notJson) expect(agrees(text), text).toBe(false);
  });

  it("reads documents nested deeper than it first makes room for", () => {
    for (const depth of [255, 256, 257, 5000]) {
      expect(agrees(`${"[".repeat(depth)}1${"]".repeat(depth)}`)).toBe(true);
      expect(agrees(`${'{"a":'.repeat(depth)}[]${"}".repeat(depth)}`)).toBe(true);
      expect(agrees(`${"[".repeat(depth)}1${"]".repeat(depth - 1)}`)).toBe(false);
    }
  });
});

/** Member names that JSON and JavaScript treat specially, or that need escapes, UTF-8 or nothing. */
const NAMES = ["a", "b", "id", "__proto__", "constructor", "toString", "", "caf\u00e9", "東京", 'say "hi"', "back\\slash", "n\nl"];

/** A member name as a document may write it: plain, or with its first character as a \u escape. */
const writtenName = fc
  .tuple(fc.constantFrom(...NAMES), fc.boolean())
  .map(([name, escape]) =>
    escape && name.length
      ? `"\\u${name.charCodeAt(0).toString(16).padStart(4, "0")}${JSON.stringify(name).slice(2)}`
      : JSON.stringify(name),
  );

/** An object text written member by member: names may repeat, values any JSON, spacing varies. */
const objectText: fc.Arbitrary<string> = fc.letrec<{ value: string; object: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.jsonValue({ maxDepth: 1 }).map((v) => JSON.stringify(v)),
    tie("object"),
    fc.array(tie("value"), { maxLength: 3 }).map((items) => `[${items.join(", ")}]`),
  ),
  object: fc
    .tuple(fc.array(fc.tuple(writtenName, tie("value")), { maxLength: 6 }), fc.constantFrom("", " ", "\n  ", "\t"))
    .map(([members, gap]) => `{${gap}${members.map(([name, value]) => `${name}${gap}:${gap}${value}`).join(`,${gap}`)}${gap}}`),
})).object;

/** Member chains into such documents: names, array indexes (as mappings write them) and `length`. */
const chains = fc.array(fc.array(fc.constantFrom(...NAMES, "0", "1", "length"), { minLength: 1, maxLength: 3 }), {
  minLength: 1,
  maxLength: 4,
});

/** What a mapping's plain member chain finds in a document (src/mapping/jsonpath.ts reads them so). */
function follow(data: unknown, chain: readonly string[]): unknown {
  let node = data;
  for (const step of chain) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[step];
  }
  return node;
}

/** What `readSparse` must give: a document in which every chain finds what it finds in JSON.parse's. */
function expectSparse(text: string, read: string[][]): void {
  const sparse = readSparse(Buffer.from(text), readTree(read));
  const whole = parsed(text);
  expect(sparse !== undefined, text).toBe(whole !== undefined);
  if (!whole) return;
  for (const chain of read) {
    expect(follow(sparse, chain), `${text} ${chain.join(".")}`).toEqual(follow(whole.data, chain));
    // An own member where JSON.parse made one, inherited where it did not.
    const parent = chain.slice(0, -1);
    const [a, b] = [follow(sparse, parent), follow(whole.data, parent)];
    if (a !== null && typeof a === "object" && b !== null && typeof b === "object")
      expect(Object.hasOwn(a, chain.at(-1)!), `${text} ${chain.join(".")}`).toBe(Object.hasOwn(b, chain.at(-1)!));
  }
}

describe("a document read only where a mapping reads it", () => {
  it("gives every chain what JSON.parse's document gives: duplicates, __proto__, escaped and UTF-8 names, arrays", () => {
    fc.assert(
      fc.property(objectText, chains, (text, read) => expectSparse(text, read)),
      { numRuns: 2500 },
    );
    expectSparse('{"a":1,"a":{"x":[2]},"__proto__":{"polluted":true}}', [
      ["a", "x", "0"],
      ["__proto__", "polluted"],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expectSparse('{"list":[{"id":1},{"id":2},{"id":3}]}', [
      ["list", "1", "id"],
      ["list", "length"],
    ]);
    expectSparse('[{"id":1},{"id":2}]', [["1", "id"]]);
    // Every kind of value a chain can end at, each read without JSON.parse but the escaped string.
    const leaves = '{"s":"a\\"b\\u00e9","u":"é東 \u2028","n":-0,"e":1E+2,"d":-12.5e-3,"t":true,"f":false,"z":null}';
    expectSparse(
      leaves,
      ["s", "u", "n", "e", "d", "t", "f", "z"].map((k) => [k]),
    );
    expect(Object.is((readSparse(Buffer.from(leaves), readTree([["n"]])) as { n: number }).n, -0)).toBe(true);
  });

  it("leaves to JSON.parse every text that is not JSON", () => {
    fc.assert(
      fc.property(fc.oneof(nearJson, edited, fc.json({ maxDepth: 2 })), chains, (text, read) => expectSparse(text, read)),
      { numRuns: 3000 },
    );
    for (const text of ["", "[]", "null", '"{}"', '{"a":1,}', '{"a":1}x', '{"a":01}', "\ufeff{}", '{"a":"\t"}', '{"a":[1,]}'])
      expectSparse(text, [["a", "0"]]);
    const latin1 = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d]); // {"a":"<é in Latin-1>"}
    expect(readSparse(latin1, readTree([["a"]]))).toBeUndefined();
  });

  /** Output parameters that read plain member chains (and `const`, `value`, nested objects, lists). */
  const param: fc.Memo<OutputParam> = fc.memo((depth) => {
    const chain = fc
      .array(fc.constantFrom("a", "b", "id", "__proto__", "constructor", "toString", "0"), { minLength: 1, maxLength: 3 })
      .map((steps) => `$${steps.map((s) => (/^\d+$/.test(s) ? `[${s}]` : `['${s}']`)).join("")}`);
    const scalar = fc.record({
      type: fc.constantFrom("string", "number", "boolean", "object"),
      mapping: chain,
    }) as fc.Arbitrary<OutputParam>;
    if (depth <= 1) return scalar;
    return fc.oneof(
      scalar,
      fc.record({ type: fc.constant("string"), const: fc.constant("fixed") }) as fc.Arbitrary<OutputParam>,
      fc.record({
        type: fc.constant("object"),
        mapping: fc.option(chain, { nil: undefined }),
        properties: fc.dictionary(fc.constantFrom("p", "q", "r"), param(depth - 1), { minKeys: 1, maxKeys: 3 }),
      }) as fc.Arbitrary<OutputParam>,
      fc.record({ type: fc.constant("array"), mapping: chain, items: param(depth - 1) }) as fc.Arbitrary<OutputParam>,
    );
  });

  it("gives a mapped output the same result as the whole document does", () => {
    fc.assert(
      fc.property(objectText, fc.array(param(3), { minLength: 1, maxLength: 4 }), fc.boolean(), (text, params, named) => {
        const plan = compileOutput(named ? params.map((p, i) => ({ ...p, name: `f${i}` })) : [params[0]]);
        if (!plan.reads) return;
        const sparse = readSparse(Buffer.from(text), readTree(plan.reads));
        expect(sparse).toBeDefined();
        const inputs = () => undefined;
        expect(plan.project(sparse, inputs)).toEqual(plan.project(JSON.parse(text), inputs));
      }),
      { numRuns: 2000 },
    );
  });

  it("names what a mapped output reads, and nothing when it may read more", () => {
    const reads = (params: OutputParam[]) => compileOutput(params).reads;
    expect(
      reads([
        { name: "x", type: "string", mapping: "$.a.b[0]" },
        { name: "y", type: "number", mapping: "$['id']" },
      ]),
    ).toEqual([["a", "b", "0"], ["id"]]);
    expect(
      reads([
        {
          type: "object",
          properties: {
            x: { type: "string", mapping: "$.a" },
            y: { type: "object", properties: { z: { type: "string", mapping: "$.b.c" } } },
            k: { type: "string", const: "fixed" },
            v: { type: "string", value: "{{who}}" },
            l: { type: "array", mapping: "$.list", items: { type: "string", mapping: "$.whole" } },
          },
        },
      ]),
    ).toEqual([["a"], ["b", "c"], ["list"]]);
    for (const params of [
      [{ name: "all", type: "object", mapping: "$" }],
      [{ name: "deep", type: "string", mapping: "$..id" }],
      [{ name: "each", type: "array", mapping: "$.list[*].id" }],
      [{ type: "array", items: { type: "string", mapping: "$.id" } }],
      [{ type: "object", properties: { node: { type: "string" } } }],
    ] as OutputParam[][])
      expect(reads(params), JSON.stringify(params)).toBeUndefined();
  });
});
