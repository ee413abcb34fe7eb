import type { Lookup } from "../../mapping/template.js";
import { compileTemplate } from "../../mapping/template.js";
import { BindError } from "../../spec/binds.js";
import type { Capability, ConsumedOperation, ConsumedParam, ConsumesHttp } from "../../spec/model.js";

/**
 * Consumed `inputParameters` with `in: environment`: a value read from the process environment (the
 * variable of the parameter's name), or its `value` template over the binds, visible as `{{name}}`
 * to the templates of the operations that declare it (path, query, headers, body, and for a
 * block-level one the block's authentication). Never sent as a parameter itself, never advertised
 * to callers; the values go to the redactor like bound ones.
 *
 * Read once at start, as binds are: a missing variable stops `serve` naming it, instead of requests
 * going out with an empty value.
 */
export interface EnvironmentInputs {
  /** What templates of a consumes block read: binds, then its block-level environment inputs. */
  block(block: ConsumesHttp): Lookup;
  /** What templates of one operation read: its own environment inputs, then its block's. */
  operation(operation: ConsumedOperation): Lookup;
  /** Every value read, for the redactor. */
  readonly values: string[];
}

export function environmentInputs(capability: Capability, env: NodeJS.ProcessEnv, binds: Lookup): EnvironmentInputs {
  const values = new Map<ConsumedParam, string>();
  const missing: string[] = [];
  const read = (p: ConsumedParam, where: string) => {
    if (values.has(p)) return;
    const value = p.value !== undefined ? compileTemplate(p.value).renderText(binds) : env[p.name];
    if (value === undefined) {
      if (!missing.some((m) => m.startsWith(`${p.name} `))) missing.push(`${p.name} (set the environment variable ${p.name}; ${where})`);
      return;
    }
    values.set(p, value);
  };
  for (const c of capability.consumes) {
    for (const p of c.inputParameters) if (p.in === "environment") read(p, `consumes "${c.namespace}"`);
    for (const r of c.resources)
      for (const o of r.operations) for (const p of o.params) if (p.in === "environment") read(p, `operation ${o.key}`);
  }
  if (missing.length) {
    throw new BindError(
      `${capability.file}: missing environment input${missing.length > 1 ? "s" : ""} (in: environment): ${missing.join("; ")}`,
    );
  }

  const layer = (params: ConsumedParam[], under: Lookup): Lookup => {
    const own = new Map(params.filter((p) => values.has(p)).map((p) => [p.name, values.get(p)!]));
    return own.size ? (name) => (own.has(name) ? own.get(name) : under(name)) : under;
  };
  const blocks = new Map<ConsumesHttp, Lookup>();
  const block = (c: ConsumesHttp): Lookup => {
    let lookup = blocks.get(c);
    if (!lookup) blocks.set(c, (lookup = layer(c.inputParameters, binds)));
    return lookup;
  };
  return {
    block,
    // The block's own lookup when the operation adds nothing: every operation of a block then
    // shares one (an oauth2 token source is kept per block and lookup).
    operation: (o) =>
      layer(
        o.params.filter((p) => !o.consumes.inputParameters.includes(p)),
        block(o.consumes),
      ),
    values: [...values.values()],
  };
}
