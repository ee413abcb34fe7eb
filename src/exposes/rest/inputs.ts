import type { ParameterProblem } from "../../errors.js";
import { normalizeName } from "../../mapping/names.js";
import type { InputSpec } from "../unit.js";

/** An object query input's members as the caller sent them in deepObject form (`created[gt]=5`). */
export type DeepObject = { readonly members: Record<string, string> };

/** Reads a string from the URL or a header into the input's declared type, or reports why not. */
export function coerce(input: InputSpec, raw: string[] | DeepObject, location: string): { value?: unknown; problem?: ParameterProblem } {
  const bad = (message: string) => ({ problem: { parameter: input.name, in: location, message } });
  if (!Array.isArray(raw)) return { value: raw.members };
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
 * `-` and `_` alike; query parameters that match no input are dropped, never forwarded. An object
 * input is read from deepObject form (`created[gt]=5&created[lt]=9`, OpenAPI's `style: deepObject`),
 * or from one JSON value (`created={"gt":5}`); a name that is an input itself (`created[after]`)
 * is that input, not a member.
 */
export function readQuery(
  url: string,
  inputs: InputSpec[],
): { found: Map<InputSpec, string[] | DeepObject>; problems: ParameterProblem[] } {
  const found = new Map<InputSpec, string[] | DeepObject>();
  const problems: ParameterProblem[] = [];
  const q = url.indexOf("?");
  if (q < 0) return { found, problems };
  const byNorm = new Map(inputs.map((i) => [normalizeName(i.name), i]));
  const deep = new Map<InputSpec, Record<string, string>>();
  for (const [k, v] of new URLSearchParams(url.slice(q + 1))) {
    let input = byNorm.get(normalizeName(k)) ?? byNorm.get(normalizeName(k.replace(/\[\]$/, "")));
    if (!input) {
      const member = /^([^[\]]+)\[(.*)\]$/.exec(k);
      input = member ? byNorm.get(normalizeName(member[1])) : undefined;
      if (!input || input.type !== "object") continue;
      if (/[[\]]/.test(member![2]) || member![2] === "") {
        problems.push({
          parameter: input.name,
          in: "query",
          message: `"${k}": deepObject members are one level deep (${member![1]}[key]=value)`,
        });
        continue;
      }
      const members = deep.get(input) ?? {};
      members[member![2]] = v;
      deep.set(input, members);
      continue;
    }
    const list = found.get(input);
    if (Array.isArray(list)) list.push(v);
    else found.set(input, [v]);
  }
  for (const [input, members] of deep) {
    if (found.has(input)) problems.push({ parameter: input.name, in: "query", message: "is given both as JSON and as deepObject members" });
    else found.set(input, { members });
  }
  return { found, problems };
}
