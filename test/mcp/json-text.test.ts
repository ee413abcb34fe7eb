/**
 * A tool answer's JSON is checked and escaped from the upstream's bytes (src/exposes/mcp/json-text.ts)
 * instead of with `JSON.parse` and `JSON.stringify`: on every text, it must take what `JSON.parse`
 * takes, refuse what it refuses, and write exactly what `JSON.stringify` writes.
 */
import { isUtf8 } from "node:buffer";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapedExtra, isObjectText, writeEscaped } from "../../src/exposes/mcp/json-text.js";

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
