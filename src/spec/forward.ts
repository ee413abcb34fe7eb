/**
 * What the schema lets through in a `forward` but the runtime could not honour: a header the runtime
 * must set itself in `trustedHeaders`, a `{path}` variable that is not the rest of the path, and
 * input parameters on a resource that only forwards (forward passes the request as it is; they
 * would do nothing).
 */
import { HOP_BY_HOP } from "../consumes/http/hop-by-hop.js";
import { pathVariables } from "../mapping/path-template.js";
import type { Capability } from "./model.js";
import type { DocPath, Problem } from "./problems.js";

type Report = (node: object, below: DocPath, message: string, severity?: Problem["severity"]) => void;

/** Headers of the connection or of the message's framing: the runtime sets them for the upstream request. */
const NOT_FORWARDABLE = new Set([...HOP_BY_HOP, "host", "content-length"]);

const REST_AT_END = /\/?\{\{?\s*path\s*\}?\}$/;

export function checkForwards(cap: Capability, report: Report): void {
  for (const block of cap.exposes) {
    if (block.type !== "rest") continue;
    for (const resource of block.resources) {
      const forward = resource.forward;
      if (!forward) continue;
      forward.trustedHeaders.forEach((name, i) => {
        if (NOT_FORWARDABLE.has(name.toLowerCase()))
          report(
            forward,
            ["trustedHeaders", i],
            `"${name}" belongs to the connection or the body's framing; the runtime sets it for the upstream request and cannot forward the caller's`,
          );
      });
      if (pathVariables(resource.path).includes("path") && !REST_AT_END.test(resource.path))
        report(resource, ["path"], `{path} in a forward resource's path stands for the rest of the path; it must end the path`);
      if (!resource.operations.length && resource.inputParameters.length)
        report(
          resource,
          ["inputParameters"],
          "this resource only forwards, and forward passes the request through as it came: its inputParameters would do nothing",
        );
    }
  }
}
