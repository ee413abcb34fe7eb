import type { Invocable, McpHints } from "../spec/model.js";

/** What a unit does to the world, as MCP annotations say it; every unit has all four. */
export interface Hints {
  readOnly: boolean;
  destructive: boolean;
  idempotent: boolean;
  openWorld: boolean;
}

/**
 * A unit's hints: its own `hints` first, then its aggregate flow's transport-neutral `semantics`
 * (`safe` → read-only, not destructive and idempotent; `idempotent` → idempotent), then the upstream
 * method (GET read-only, PUT/DELETE idempotent, DELETE destructive). Always open-world: it calls an
 * external API. A unit that calls nothing upstream (mock mode) changes nothing.
 */
export function hintsOf(unit: Invocable & { hints?: McpHints }): Hints {
  const own = unit.hints ?? {};
  const semantics = unit.semantics;
  const method = unit.call?.method ?? "";
  const readOnly = own.readOnly ?? semantics?.safe ?? (method === "GET" || (!unit.call && !unit.steps?.length));
  const fromSemantics = semantics?.safe ? true : semantics?.idempotent;
  return {
    readOnly,
    destructive: own.destructive ?? (semantics?.safe ? false : undefined) ?? (!readOnly && method === "DELETE"),
    idempotent: own.idempotent ?? fromSemantics ?? (readOnly || method === "PUT" || method === "DELETE"),
    openWorld: own.openWorld ?? true,
  };
}

/** The file says calling this unit twice is not the same as once: its upstream call is never retried. */
export function declaredNonIdempotent(unit: Invocable & { hints?: McpHints }): boolean {
  return unit.hints?.idempotent === false || unit.semantics?.idempotent === false;
}
