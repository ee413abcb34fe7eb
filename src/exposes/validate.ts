import type { ErrorObject } from "ajv/dist/2020.js";
import type { ParameterProblem } from "../errors.js";
import { nestedDeeperThan as deeper } from "../depth.js";
import { lazyRequire } from "../lazy.js";
import type { InputSpec } from "./invocation.js";
import { isJsonObject } from "../json.js";

export interface JsonSchemaObject {
  type: "object";
  properties: Record<string, Record<string, unknown>>;
  required?: string[];
  additionalProperties: boolean;
  /** Shared definitions of input schemas (recursive parts of an upstream's body schema). */
  $defs?: Record<string, unknown>;
}

/** JSON Schema of one input: its type, description and pattern; arrays get `items`. */
export function inputProperty(input: InputSpec): Record<string, unknown> {
  if (input.schema) {
    const { $defs: _defs, ...own } = input.schema;
    return input.description && !own.description ? { ...own, description: input.description } : own;
  }
  const prop: Record<string, unknown> = { type: input.type };
  if (input.description) prop.description = input.description;
  if (input.type === "array") prop.items = { type: "string" };
  if (input.pattern && input.type === "string") prop.pattern = input.pattern;
  return prop;
}

/** The JSON Schema of an operation's inputs, with `names` as the property names the caller uses. */
export function inputsSchema(
  inputs: InputSpec[],
  names: (i: InputSpec) => string = (i) => i.name,
  additionalProperties = false,
): JsonSchemaObject {
  const properties: JsonSchemaObject["properties"] = {};
  const required: string[] = [];
  for (const i of inputs) {
    properties[names(i)] = inputProperty(i);
    if (i.required) required.push(names(i));
  }
  // `#/$defs/X` references in an input's own schema are resolved from the root of the combined schema.
  const defs = Object.assign({}, ...inputs.map((i) => (i.schema?.$defs as Record<string, unknown> | undefined) ?? {}));
  return {
    type: "object",
    properties,
    ...(required.length ? { required } : {}),
    additionalProperties,
    ...(Object.keys(defs).length ? { $defs: defs } : {}),
  };
}

export type Validator = (value: Record<string, unknown>) => ParameterProblem[];

/**
 * Validates inputs against the schema {@link inputsSchema} builds. That schema uses a handful of
 * keywords (type, items, pattern, required, additionalProperties), checked here directly, with
 * ajv's errors in ajv's order (test/exposes/validate.test.ts compares the two on random schemas
 * and inputs). Loading ajv and compiling a schema per tool would be a third of a cold start. A
 * schema with anything else (an upstream's OpenAPI body schema, with
 * formats and $defs) still goes to ajv, loaded on first need.
 */
export function compileValidator(schema: JsonSchemaObject, where: (name: string) => string | undefined = () => undefined): Validator {
  const key = JSON.stringify(schema);
  let check = compiled.get(key);
  if (!check) {
    check = compileDirect(schema) ?? compileWithAjv(schema);
    compiled.set(key, check);
  }
  const found = check;
  return (value) => {
    const errors = found(value);
    if (!errors.length) return [];
    // Alternatives (anyOf, e.g. from an upstream's body schema) repeat the same finding per branch.
    const seen = new Set<string>();
    return errors
      .map((e) => problemOf(e, where))
      .filter((p) => {
        const key = `${p.parameter}\u0000${p.message}`;
        return seen.has(key) ? false : (seen.add(key), true);
      });
  };
}

/** What {@link problemOf} needs of an error: ajv's `ErrorObject`, or the same fields made here. */
type InputError = Pick<ErrorObject, "keyword" | "instancePath" | "params" | "message">;
type Check = (value: unknown) => InputError[];

/**
 * Checks by schema text. Operations of one file mostly share a handful of input shapes: a
 * 1,500-operation file would otherwise build the same few checks again and again at start.
 */
const compiled = new Map<string, Check>();

/** ajv's type tests without strictNumbers (off when `strict: false`): NaN is a number, Infinity an integer. */
const TYPE_TESTS: Record<string, (v: unknown) => boolean> = {
  string: (v) => typeof v === "string",
  number: (v) => typeof v === "number",
  integer: (v) => typeof v === "number" && !((v as number) % 1) && !Number.isNaN(v),
  boolean: (v) => typeof v === "boolean",
  array: (v) => Array.isArray(v),
  object: isJsonObject,
  null: (v) => v === null,
};

const ROOT_KEYS = new Set(["type", "properties", "required", "additionalProperties"]);
const PROPERTY_KEYS = new Set(["type", "description", "items", "pattern"]);

/** A direct check for the schemas {@link inputsSchema} builds; undefined for anything else. */
function compileDirect(schema: JsonSchemaObject): Check | undefined {
  if (schema.type !== "object" || typeof schema.additionalProperties !== "boolean" || Object.keys(schema).some((k) => !ROOT_KEYS.has(k)))
    return undefined;
  const properties: Array<{
    name: string;
    path: string;
    test: (v: unknown) => boolean;
    type: string;
    items?: boolean;
    pattern?: RegExp;
    source?: string;
  }> = [];
  for (const [name, prop] of Object.entries(schema.properties)) {
    if (Object.keys(prop).some((k) => !PROPERTY_KEYS.has(k)) || typeof prop.type !== "string" || !TYPE_TESTS[prop.type]) return undefined;
    if (prop.items !== undefined && (prop.type !== "array" || JSON.stringify(prop.items) !== '{"type":"string"}')) return undefined;
    if (prop.pattern !== undefined && (prop.type !== "string" || typeof prop.pattern !== "string")) return undefined;
    properties.push({
      name,
      path: `/${pointerEscape(name)}`,
      type: prop.type,
      test: TYPE_TESTS[prop.type],
      items: prop.items !== undefined,
      // ajv compiles patterns with the `u` flag; an invalid one fails here, at start, as with ajv.
      pattern: typeof prop.pattern === "string" ? new RegExp(prop.pattern, "u") : undefined,
      source: prop.pattern as string | undefined,
    });
  }
  const known = new Set(properties.map((p) => p.name));
  const required = schema.required ?? [];
  const closed = !schema.additionalProperties;
  return (value) => {
    if (!TYPE_TESTS.object(value)) return [{ keyword: "type", instancePath: "", params: { type: "object" }, message: "must be object" }];
    const data = value as Record<string, unknown>;
    const errors: InputError[] = [];
    // ajv's order: required, then additionalProperties, then properties in schema order.
    for (const name of required) {
      if (data[name] === undefined)
        errors.push({
          keyword: "required",
          instancePath: "",
          params: { missingProperty: name },
          message: `must have required property '${name}'`,
        });
    }
    if (closed) {
      for (const name in data) {
        if (!known.has(name))
          errors.push({
            keyword: "additionalProperties",
            instancePath: "",
            params: { additionalProperty: name },
            message: "must NOT have additional properties",
          });
      }
    }
    for (const p of properties) {
      const v = data[p.name];
      if (v === undefined) continue;
      if (!p.test(v)) {
        errors.push({ keyword: "type", instancePath: p.path, params: { type: p.type }, message: `must be ${p.type}` });
        continue;
      }
      if (p.pattern && !p.pattern.test(v as string)) {
        errors.push({
          keyword: "pattern",
          instancePath: p.path,
          params: { pattern: p.source },
          message: `must match pattern "${p.source}"`,
        });
      }
      if (p.items) {
        (v as unknown[]).forEach((item, i) => {
          if (typeof item !== "string")
            errors.push({ keyword: "type", instancePath: `${p.path}/${i}`, params: { type: "string" }, message: "must be string" });
        });
      }
    }
    return errors;
  };
}

function pointerEscape(name: string): string {
  return name.replace(/~/g, "~0").replace(/\//g, "~1");
}

type AjvValidate = ((value: unknown) => boolean) & { errors?: ErrorObject[] | null };
let ajv: { compile(schema: object): AjvValidate } | undefined;

/** Any other schema: ajv, loaded the first time one is needed. */
function compileWithAjv(schema: object): Check {
  if (!ajv) {
    const { Ajv2020 } = lazyRequire<typeof import("ajv/dist/2020.js")>("ajv/dist/2020.js");
    const addFormats = lazyRequire<typeof import("ajv-formats").default>("ajv-formats");
    const instance = new Ajv2020({ allErrors: true, strict: false, coerceTypes: false });
    // Formats matter only for schemas taken from an upstream's OpenAPI document (uuid, date-time, …).
    addFormats(instance);
    ajv = instance;
  }
  const validate = ajv.compile(schema);
  return (value) => (validate(value) ? [] : (validate.errors ?? []));
}

function problemOf(e: InputError, where: (name: string) => string | undefined): ParameterProblem {
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
}

/**
 * Deepest nesting accepted in a caller's JSON (REST body, MCP arguments). Real API documents stay far
 * below it; far deeper ones exist only to exhaust the stack of whatever walks them recursively.
 */
export const MAX_JSON_DEPTH = 64;

/** Whether `value` nests arrays/objects deeper than `max` (default MAX_JSON_DEPTH). */
export function nestedDeeperThan(value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  return deeper(value, max);
}
