/**
 * Every variable of a called consumed path must be fed by something: a path parameter of the
 * operation, a bound variable, an `in: environment` parameter, or the `with` of each call. A
 * variable nothing feeds (`/ships/{{imo_nmber}}` beside a parameter `imo_number`) would otherwise be
 * a 400 blaming the caller on every request; it is an authoring error, reported where the path is
 * written (or at the one call that does not feed it).
 */
import { pathVariables } from "../mapping/path-template.js";
import { uriVariables } from "./mcp-resources.js";
import type { Capability, ConsumedOperation, Invocable, WithMap } from "./model.js";
import type { DocPath, Problem } from "./problems.js";

type Report = (node: object, below: DocPath, message: string, severity?: Problem["severity"]) => void;

/** One place that calls a consumed operation: a unit's `call` or a step's, with what it passes. */
interface Caller {
  node: object;
  with?: WithMap;
  /** Names of the calling unit's inputs: without `with`, inputs go to parameters of the same name. */
  inputs: string[];
}

export function checkPathFeeds(cap: Capability, report: Report): void {
  const bound = new Set(cap.binds.flatMap((b) => Object.keys(b.keys).flatMap((k) => [k, `${b.namespace}.${k}`])));
  const callers = callersByOperation(cap);
  for (const operation of cap.operations.values()) {
    const declared = new Set(operation.params.filter((p) => p.in === "path" || p.in === "environment").map((p) => p.name));
    const unfed = pathVariables(operation.resource.path).filter((v) => !declared.has(v) && !bound.has(v));
    if (!unfed.length) continue;
    // An operation nothing calls sends nothing (a forward-only block lists one for form's sake).
    const calls = callers.get(operation) ?? [];
    if (!calls.length) continue;
    for (const v of unfed) {
      const missing = calls.filter((c) => !feeds(c, v));
      if (missing.length === calls.length) {
        const params = operation.params.filter((p) => p.in === "path").map((p) => p.name);
        report(
          operation.resource,
          ["path"],
          `path variable {${v}} of ${operation.key} is fed by nothing: no path parameter of that name (path parameters: ${params.join(", ") || "none"}), no bound variable, no with of a call`,
        );
      } else {
        for (const c of missing)
          report(
            c.node,
            c.with ? ["with"] : ["call"],
            `path variable {${v}} of ${operation.key} is fed by nothing here: add "${v}" to with`,
          );
      }
    }
  }
}

function feeds(caller: Caller, variable: string): boolean {
  if (caller.with && Object.keys(caller.with).length) return variable in caller.with;
  return caller.inputs.includes(variable);
}

function callersByOperation(cap: Capability): Map<ConsumedOperation, Caller[]> {
  const out = new Map<ConsumedOperation, Caller[]>();
  const add = (operation: ConsumedOperation, caller: Caller) => out.set(operation, [...(out.get(operation) ?? []), caller]);
  const visit = (unit: Invocable, extra: string[]) => {
    const inputs = [...extra, ...unit.inputParameters.map((p) => p.name)];
    if (unit.call) add(unit.call, { node: unit, with: unit.with, inputs });
    for (const step of unit.steps ?? []) if (step.type === "call" && step.call) add(step.call, { node: step, with: step.with, inputs });
  };
  for (const agg of cap.aggregates) for (const flow of agg.flows) visit(flow, []);
  for (const block of cap.exposes) {
    if (block.type === "rest") {
      for (const resource of block.resources) {
        const extra = [...pathVariables(resource.path), ...resource.inputParameters.map((p) => p.name)];
        for (const op of resource.operations) visit(op, extra);
      }
    } else if (block.type === "mcp") {
      for (const tool of block.tools) visit(tool, []);
      for (const resource of block.resources) visit(resource, uriVariables(resource.uri));
    }
  }
  return out;
}
