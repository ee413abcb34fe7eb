/**
 * Input validation answers exactly as ajv would: same problems, same order, same messages. The
 * runtime checks the input schemas it builds itself (loading ajv would lengthen every cold start);
 * this compares it with ajv on random schemas of that shape and random inputs.
 */
import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ParameterProblem } from "../../src/errors.js";
import type { InputSpec } from "../../src/exposes/invocation.js";
import { compileValidator, inputsSchema } from "../../src/exposes/validate.js";

const ajv = new Ajv2020({ allErrors: true, strict: false, coerceTypes: false });

const compiled = new Map<string, ReturnType<typeof ajv.compile>>();

/** The reference: ajv itself, its errors mapped to problems. */
function reference(schema: object, where: (name: string) => string | undefined) {
  const key = JSON.stringify(schema);
  const validate = compiled.get(key) ?? ajv.compile(schema);
  compiled.set(key, validate);
  return (value: unknown): ParameterProblem[] => {
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e: ErrorObject) => {
      const segments = e.instancePath
        .split("/")
        .slice(1)
        .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
      if (e.keyword === "required") segments.push((e.params as { missingProperty: string }).missingProperty);
      if (e.keyword === "additionalProperties") segments.push((e.params as { additionalProperty: string }).additionalProperty);
      const parameter = segments.join(".") || "(input)";
      const message =
        e.keyword === "required"
          ? "is required"
          : e.keyword === "additionalProperties"
            ? "is not a known parameter"
            : (e.message ?? "is invalid");
      return { parameter, in: where(segments[0] ?? ""), message };
    });
  };
}

const names = fc.constantFrom("id", "connection-id", "include", "a.b", "x/y", "t~1", "Search string", "created[after]", "limit", "body");
const types = fc.constantFrom<InputSpec["type"]>("string", "number", "integer", "boolean", "array", "object");
const patterns = fc.constantFrom(undefined, "^[a-z]+$", "^\\d{3}$", "é", "^\\p{L}+$");
const input = fc.record({
  name: names,
  type: types,
  required: fc.boolean(),
  in: fc.constantFrom<InputSpec["in"]>("path", "query", "header", "body"),
  pattern: patterns,
  description: fc.option(fc.string(), { nil: undefined }),
});
const scalar = fc.oneof(
  fc.string({ maxLength: 5 }),
  fc.constantFrom("abc", "ABC", "123", "é", "", "x y"),
  fc.integer(),
  fc.double(),
  fc.constantFrom(1.5, -0, 0, Number.MAX_SAFE_INTEGER + 2, Infinity, -Infinity, NaN),
  fc.boolean(),
  fc.constant(null),
);
const value = fc.oneof(
  scalar,
  fc.array(scalar, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 3 }), scalar, { maxKeys: 2 }),
  fc.constant(undefined),
);

describe("input validation", () => {
  it("gives the problems ajv gives, in ajv's order", () => {
    fc.assert(
      fc.property(
        fc.array(input, { maxLength: 5 }),
        fc.boolean(),
        fc.dictionary(names, value),
        fc.dictionary(fc.constantFrom("extra", "id", "zz"), value),
        (inputs, open, values, extra) => {
          const unique = [...new Map(inputs.map((i) => [i.name, i])).values()];
          const schema = inputsSchema(unique, undefined, open);
          const where = (n: string) => unique.find((i) => i.name === n)?.in;
          const data = { ...extra, ...values };
          expect(compileValidator(schema, where)(data)).toEqual(reference(schema, where)(data));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("checks a value that is not an object at all", () => {
    const schema = inputsSchema([{ name: "id", type: "string", required: true, in: "path" }]);
    for (const v of [null, [], "x", 3]) expect(compileValidator(schema)(v as never)).toEqual(reference(schema, () => undefined)(v));
  });

  it("still validates schemas of another shape, with ajv", () => {
    const schema = { type: "object" as const, properties: { n: { type: "integer", minimum: 3 } }, additionalProperties: false };
    expect(compileValidator(schema)({ n: 1 })).toEqual([{ parameter: "n", in: undefined, message: "must be >= 3" }]);
  });
});
