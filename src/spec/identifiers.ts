/**
 * Names beyond the Naftiko patterns. Generated files in the wild name resources `v1-Invoice Items`
 * and namespaces `stripe:invoices`; the project schema lets any text without control characters
 * through (relaxations R2, R7, R8 in schema/README.md) and this decides, for each name, from where
 * it is used: a name every use of which is unambiguous is accepted with a warning (the reference
 * engine refuses it), a name some use could not tell apart is refused, saying which use.
 */
import type { Capability } from "./model.js";
import type { DocPath, Problem } from "./problems.js";
import { NAME } from "./record.js";

type Report = (node: object, below: DocPath, message: string, severity?: Problem["severity"], key?: boolean) => void;

/** How each kind of namespace is written where it is used, and what would make that ambiguous. */
const NAMESPACE_USES = {
  consumes: { uses: ["call: <namespace>.<operation>", "--base-uri <namespace>=<url>"], ambiguous: /[.=]/ },
  exposes: { uses: ["with: <namespace>.<input>", "--port <namespace>=<port>"], ambiguous: /[.=]/ },
  aggregates: { uses: ["ref: <namespace>.<flow>"], ambiguous: /\./ },
  binds: { uses: ["{{<namespace>.VARIABLE}}"], ambiguous: /[.{}]/ },
} as const;

const KEBAB = /^[A-Za-z0-9-]+$/;
const CONSUMED_RESOURCE = /^[A-Za-z0-9_-]+$/;

export function checkIdentifiers(cap: Capability, report: Report): void {
  const namespace = (node: object, name: string | undefined, kind: keyof typeof NAMESPACE_USES) => {
    if (name === undefined || name === "" || KEBAB.test(name)) return;
    const { uses, ambiguous } = NAMESPACE_USES[kind];
    const bad = ambiguous.exec(name)?.[0] ?? (name.trim() !== name ? "a leading or trailing space" : undefined);
    if (bad) {
      const what = bad.length === 1 ? `"${bad}"` : bad;
      report(
        node,
        ["namespace"],
        `${kind} namespace "${name}" contains ${what}: where it is used (${uses.join(", ")}) it could not be told apart from what follows it`,
      );
    } else {
      report(
        node,
        ["namespace"],
        `${kind} namespace "${name}" has characters outside [A-Za-z0-9-]; accepted, as every use of it (${uses.join(", ")}) is unambiguous, but the Naftiko schema and its reference engine refuse it`,
        "warning",
      );
    }
  };
  for (const c of cap.consumes) {
    namespace(c, c.namespace, "consumes");
    for (const r of c.resources) {
      if (!CONSUMED_RESOURCE.test(r.name))
        report(
          r,
          NAME,
          `resource name "${r.name}" has characters outside [A-Za-z0-9_-]; accepted, as nothing refers to a resource by its name, but the Naftiko schema and its reference engine refuse it`,
          "warning",
        );
    }
  }
  for (const x of cap.exposes) {
    if (x.type === "control") continue;
    namespace(x, x.namespace, "exposes");
    if (x.type !== "rest") continue;
    for (const r of x.resources) {
      if (r.name !== undefined && !KEBAB.test(r.name))
        report(
          r,
          NAME,
          `resource name "${r.name}" has characters outside [A-Za-z0-9-]; accepted, as nothing refers to a resource by its name, but the Naftiko schema and its reference engine refuse it`,
          "warning",
        );
    }
  }
  for (const a of cap.aggregates) namespace(a, a.namespace, "aggregates");
  for (const b of cap.binds) namespace(b, b.namespace, "binds");
}
