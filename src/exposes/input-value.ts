import { compileTemplate, type Lookup } from "../mapping/template.js";
import type { ExposedParam } from "../spec/model.js";
import { coerce } from "./rest/inputs.js";
import type { InputSpec } from "./unit.js";

/**
 * An exposed input's `value`, as the reference engine reads it (Resolver.resolveInputParameterFromRequest):
 * a value that does not start with `$` is fixed, overriding whatever the caller sends (a `{{…}}`
 * in it is filled from the binds once, at start); `$…` is JSONPath over the JSON request body, for
 * an `in: body` input (the loader refuses it elsewhere).
 */
export function inputValue(param: ExposedParam, spec: InputSpec, binds: Lookup): Pick<InputSpec, "fixed" | "bodyPath"> {
  const value = param.value;
  if (value === undefined) return {};
  if (value.trim().startsWith("$")) return { bodyPath: value.trim() };
  const text = compileTemplate(value).renderText(binds);
  // Typed as declared, as a caller's text would be; text that is not of the type stays text and
  // is refused by the input's schema, which names it.
  const typed = coerce(spec, [text], "value");
  return { fixed: { value: typed.problem ? text : typed.value } };
}
