/**
 * An exposed input's `value` works as the reference engine reads it only where it can: `$…` is
 * JSONPath over the request body, so only an `in: body` input may have one (on a query, header or
 * path input the reference engine ignores it); a fixed value must be of the input's type.
 */
import { pathProblem } from "../mapping/jsonpath.js";
import { hasPlaceholders } from "../mapping/template.js";
import type { Capability, ExposedParam } from "./model.js";
import type { DocPath, Problem } from "./problems.js";
import { isJsonObject } from "../json.js";

type Report = (node: object, below: DocPath, message: string, severity?: Problem["severity"]) => void;

export function checkInputValues(cap: Capability, report: Report): void {
  for (const block of cap.exposes) {
    if (block.type !== "rest") continue;
    for (const resource of block.resources) {
      for (const p of [...resource.inputParameters, ...resource.operations.flatMap((o) => o.inputParameters)]) check(p, report);
    }
  }
}

function check(p: ExposedParam, report: Report): void {
  if (p.value === undefined) return;
  const value = p.value.trim();
  if (value.startsWith("$")) {
    if (p.in !== "body") {
      report(
        p,
        ["value"],
        `"${p.value}" reads the JSON request body, but input "${p.name}" is in: ${p.in ?? "query"}; only an in: body input can take its value from the body`,
      );
      return;
    }
    const bad = pathProblem(value);
    if (bad) report(p, ["value"], bad);
    return;
  }
  if (hasPlaceholders(p.value)) return;
  const wrong = typeProblem(p.value, p.type);
  if (wrong) report(p, ["value"], `fixed value "${p.value}" of input "${p.name}" ${wrong}`);
}

function typeProblem(text: string, type: ExposedParam["type"]): string | undefined {
  switch (type) {
    case "integer":
      return /^-?\d+$/.test(text.trim()) ? undefined : "is not an integer";
    case "number":
      return text.trim() !== "" && Number.isFinite(Number(text)) ? undefined : "is not a number";
    case "boolean":
      return text === "true" || text === "false" ? undefined : "is not true or false";
    case "object":
      try {
        const v: unknown = JSON.parse(text);
        return isJsonObject(v) ? undefined : "is not a JSON object";
      } catch {
        return "is not a JSON object";
      }
    default:
      return undefined;
  }
}
