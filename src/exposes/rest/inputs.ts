import type { ParameterProblem } from "../../errors.js";
import { normalizeName } from "../../mapping/names.js";
import type { InputSpec } from "../invocation.js";

/** Reads a string from the URL or a header into the input's declared type, or reports why not. */
export function coerce(input: InputSpec, raw: string[], location: string): { value?: unknown; problem?: ParameterProblem } {
  const bad = (message: string) => ({ problem: { parameter: input.name, in: location, message } });
  switch (input.type) {
    case "array":
      // `include=a,b` (form, explode: false) and `include=a&include=b` both arrive as a list.
      return { value: raw.flatMap((r) => (r === "" ? [] : r.split(","))) };
    case "integer":
    case "number": {
      const text = raw[raw.length - 1];
      const n = Number(text);
      if (text.trim() === "" || !Number.isFinite(n)) return bad(`must be ${input.type === "integer" ? "an integer" : "a number"}`);
      if (input.type === "integer" && !Number.isInteger(n)) return bad("must be an integer");
      return { value: n };
    }
    case "boolean": {
      const text = raw[raw.length - 1];
      if (text === "true") return { value: true };
      if (text === "false") return { value: false };
      return bad("must be true or false");
    }
    case "object": {
      try {
        return { value: JSON.parse(raw[raw.length - 1]) };
      } catch {
        return bad("must be a JSON object");
      }
    }
    default:
      return { value: raw[raw.length - 1] };
  }
}

/**
 * Finds the caller's query parameters for each declared input. Matching ignores case and treats
 * `-` and `_` alike; query parameters that match no input are dropped, never forwarded.
 */
export function readQuery(url: string, inputs: InputSpec[]): Map<InputSpec, string[]> {
  const found = new Map<InputSpec, string[]>();
  const q = url.indexOf("?");
  if (q < 0) return found;
  const byNorm = new Map(inputs.map((i) => [normalizeName(i.name), i]));
  for (const [k, v] of new URLSearchParams(url.slice(q + 1))) {
    const input = byNorm.get(normalizeName(k)) ?? byNorm.get(normalizeName(k.replace(/\[\]$/, "")));
    if (!input) continue;
    const list = found.get(input);
    if (list) list.push(v);
    else found.set(input, [v]);
  }
  return found;
}
