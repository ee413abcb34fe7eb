import { placeholders } from "../mapping/template.js";
import type { Document } from "./model.js";
import { formatPath, type DocPath, type Locator, type Problem } from "./problems.js";

/**
 * The `type: control` block, beyond what the schema checks: one per capability (as the reference
 * engine's rules say), no `management.scripting` (it governs script steps, which this runtime
 * refuses), and an OTLP endpoint whose `{{…}}` name bound variables.
 */
export function checkControl(doc: Document, file: string, locate: Locator): Problem[] {
  const out: Problem[] = [];
  const report = (at: DocPath, message: string, key = false) =>
    out.push({ file, ...locate(at, key), path: formatPath(at), message, severity: "error" });
  const exposes = doc.capability?.exposes ?? [];
  let first: number | undefined;
  exposes.forEach((block, i) => {
    if (block?.type !== "control") return;
    const at: DocPath = ["capability", "exposes", i];
    if (first !== undefined) {
      report([...at, "type"], `only one control block is allowed per capability; exposes[${first}] is already one`);
      return;
    }
    first = i;
    if (block.management && "scripting" in block.management) {
      report(
        [...at, "management", "scripting"],
        "management.scripting governs script steps, which this runtime does not run (a script step is refused too); remove it",
        true,
      );
    }
    const endpoint = (block.observability as { exporters?: { otlp?: { endpoint?: unknown } } } | undefined)?.exporters?.otlp?.endpoint;
    if (typeof endpoint === "string") {
      const bound = new Set<string>();
      for (const bind of [...(doc.binds ?? []), ...(doc.capability?.binds ?? [])]) {
        for (const name of Object.keys(bind?.keys ?? {})) bound.add(name).add(`${bind.namespace}.${name}`);
      }
      for (const name of placeholders(endpoint)) {
        if (!bound.has(name))
          report(
            [...at, "observability", "exporters", "otlp", "endpoint"],
            `{{${name}}} is not a bound variable (binds declare: ${[...bound].filter((n) => !n.includes(".")).join(", ") || "none"})`,
          );
      }
    }
  });
  return out;
}
