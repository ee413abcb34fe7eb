import type { ConsumedOperation, ConsumedOutput } from "../spec/model.js";
import { compilePath } from "./jsonpath.js";
import { isJsonObject } from "../json.js";

/**
 * A consumed operation's `outputParameters`: what a step calling it leaves for later steps, as the
 * reference engine reads them (OperationStepExecutor.resolveStepOutput). Each entry names a value
 * taken from the response by its JSONPath `value` (a `value` that is not JSONPath is that text).
 *
 * - Without outputParameters, the step's result is the response.
 * - An object response becomes an object of the declared names only (`null` where nothing matched).
 * - A list response stays a list: each element keeps its fields and gains the declared names, read
 *   relative to the element (so a lookup can `match` a renamed field, `imo-number`).
 */
export type StepOutput = (response: unknown) => unknown;

const AS_IS: StepOutput = (response) => response;

export function compileStepOutput(operation: ConsumedOperation): StepOutput {
  if (!operation.outputParameters.length) return AS_IS;
  const fields = operation.outputParameters.map((p) => [p.name, reader(p)] as const);
  const project = (node: unknown, into: Record<string, unknown>) => {
    for (const [name, read] of fields) into[name] = read(node) ?? null;
    return into;
  };
  return (response) => {
    if (response === undefined || response === null) return null;
    if (Array.isArray(response)) {
      return response.map((el) => project(el, isJsonObject(el) ? { ...el } : {}));
    }
    return project(response, {});
  };
}

function reader(param: ConsumedOutput): (node: unknown) => unknown {
  const value = param.value.trim();
  if (!value.startsWith("$")) return () => param.value;
  const read = compilePath(value);
  // A list is what an `array` output is for; anything else there is no value.
  if (param.type === "array")
    return (node) => {
      const v = read(node);
      return Array.isArray(v) ? v : undefined;
    };
  return read;
}
