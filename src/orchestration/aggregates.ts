import type { AggregateFunction, McpTool } from "../spec/model.js";

type Hints = NonNullable<McpTool["hints"]>;

/**
 * MCP hints derived from an aggregate function's transport-neutral `semantics`: `safe` → read-only
 * and not destructive (a safe call is also idempotent), `idempotent` → idempotent. `cacheable` has
 * no MCP counterpart. Hints the tool gives itself win, key by key.
 */
export function hintsFromSemantics(semantics: AggregateFunction["semantics"], own?: McpTool["hints"]): Hints | undefined {
  const derived: Hints = {};
  if (semantics?.safe !== undefined) {
    derived.readOnly = semantics.safe;
    if (semantics.safe) {
      derived.destructive = false;
      derived.idempotent = true;
    }
  }
  if (semantics?.idempotent !== undefined) derived.idempotent = semantics.idempotent || derived.idempotent === true;
  const merged = { ...derived, ...Object.fromEntries(Object.entries(own ?? {}).filter(([, v]) => v !== undefined)) };
  return Object.keys(merged).length ? merged : undefined;
}
