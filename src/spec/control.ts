import { placeholders } from "../mapping/template.js";
import type { Capability } from "./model.js";
import type { Problem } from "./problems.js";
import { reporter, type LoadRecord } from "./record.js";

/**
 * The `type: control` block, beyond what the schema checks: one per capability (as the reference
 * engine's rules say), and an OTLP endpoint whose `{{…}}` name bound variables. Its
 * `management.scripting` is checked with the script steps it governs (scripts.ts).
 */
export function checkControl(cap: Capability, record: LoadRecord): Problem[] {
  const problems: Problem[] = [];
  const report = reporter({ record, problems, file: cap.file });
  const controls = cap.exposes.filter((b) => b.type === "control");
  for (const extra of controls.slice(1))
    report(
      extra,
      ["type"],
      `only one control block is allowed per capability; exposes[${cap.exposes.indexOf(controls[0])}] is already one`,
    );
  const block = controls[0];
  if (!block) return problems;
  const endpoint = (block.observability as { exporters?: { otlp?: { endpoint?: unknown } } } | undefined)?.exporters?.otlp?.endpoint;
  if (typeof endpoint === "string") {
    const bound = new Set<string>();
    for (const bind of cap.binds) for (const name of Object.keys(bind.keys)) bound.add(name).add(`${bind.namespace}.${name}`);
    for (const name of placeholders(endpoint)) {
      if (!bound.has(name))
        report(
          block,
          ["observability", "exporters", "otlp", "endpoint"],
          `{{${name}}} is not a bound variable (binds declare: ${[...bound].filter((n) => !n.includes(".")).join(", ") || "none"})`,
        );
    }
  }
  return problems;
}
