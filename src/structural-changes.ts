import type { Capability, Exposes } from "./spec/model.js";

/**
 * What differs between two versions of a capability in what a reload cannot apply, only a restart:
 * the listeners (an exposes block's type, namespace, port, address, transport, added or removed)
 * and the control block, which is built once with the process (its endpoints, observability,
 * tracing). Empty when a reload can swap the new version in.
 */
export function structuralChanges(before: Capability, after: Capability): string[] {
  const a = before.exposes;
  const b = after.exposes;
  const out: string[] = [];
  const name = (x: Exposes) => (x.type === "control" ? "the control block" : `exposes "${x.namespace}"`);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (!x) out.push(`${name(y)} was added`);
    else if (!y) out.push(`${name(x)} was removed`);
    else if (x.type !== y.type || x.namespace !== y.namespace) out.push(`exposes[${i}] is now ${name(y)} (was ${name(x)})`);
    else if (x.type === "control") {
      if (JSON.stringify(x) !== JSON.stringify(y)) out.push("the control block changed");
    } else {
      if (x.port !== y.port) out.push(`${name(x)}: port ${x.port} → ${y.port}`);
      if (x.address !== y.address) out.push(`${name(x)}: address ${x.address ?? "(default)"} → ${y.address ?? "(default)"}`);
      if (x.type === "mcp" && y.type === "mcp" && x.transport !== y.transport)
        out.push(`${name(x)}: transport ${x.transport} → ${y.transport}`);
    }
  }
  return out;
}
