import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import addFormatsPlugin from "ajv-formats";
import type { ParameterProblem } from "../errors.js";
import { nestedDeeperThan as deeper } from "../depth.js";
import type { InputSpec } from "./invocation.js";

export interface JsonSchemaObject {
  type: "object";
  properties: Record<string, Record<string, unknown>>;
  required?: string[];
  additionalProperties: boolean;
  /** Shared definitions of input schemas (recursive parts of an upstream's body schema). */
  $defs?: Record<string, unknown>;
}

/** One ajv for every input validator: compiled once per operation at start, reused per call. */
const ajv = new Ajv2020({ allErrors: true, strict: false, coerceTypes: false });
// Formats matter only for schemas taken from an upstream's OpenAPI document (uuid, date-time, …).
addFormatsPlugin.default(ajv);

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
export function inputsSchema(inputs: InputSpec[], names: (i: InputSpec) => string = (i) => i.name, additionalProperties = false): JsonSchemaObject {
  const properties: JsonSchemaObject["properties"] = {};
  const required: string[] = [];
  for (const i of inputs) {
    properties[names(i)] = inputProperty(i);
    if (i.required) required.push(names(i));
  }
  // `#/$defs/X` references in an input's own schema are resolved from the root of the combined schema.
  const defs = Object.assign({}, ...inputs.map((i) => (i.schema?.$defs as Record<string, unknown> | undefined) ?? {}));
  return { type: "object", properties, ...(required.length ? { required } : {}), additionalProperties, ...(Object.keys(defs).length ? { $defs: defs } : {}) };
}

export type Validator = (value: Record<string, unknown>) => ParameterProblem[];

export function compileValidator(schema: JsonSchemaObject, where: (name: string) => string | undefined = () => undefined): Validator {
  const validate = ajv.compile(schema);
  return (value) => {
    if (validate(value)) return [];
    // Alternatives (anyOf, e.g. from an upstream's body schema) repeat the same finding per branch.
    const seen = new Set<string>();
    return (validate.errors ?? []).map((e) => problemOf(e, where)).filter((p) => {
      const key = `${p.parameter}\u0000${p.message}`;
      return seen.has(key) ? false : (seen.add(key), true);
    });
  };
}

function problemOf(e: ErrorObject, where: (name: string) => string | undefined): ParameterProblem {
  const segments = e.instancePath.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (e.keyword === "required") segments.push((e.params as { missingProperty: string }).missingProperty);
  if (e.keyword === "additionalProperties") segments.push((e.params as { additionalProperty: string }).additionalProperty);
  const parameter = segments.join(".") || "(input)";
  const message =
    e.keyword === "required" ? "is required" : e.keyword === "additionalProperties" ? "is not a known parameter" : (e.message ?? "is invalid");
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
