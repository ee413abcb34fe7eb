/**
 * Load-time JSONPath checks: a plain member chain (`$.a.b[0].c`) is read directly and accepted
 * without asking jsonpath-plus, so only this agreement makes that safe: every such chain is one
 * jsonpath-plus also takes, and reads the same value from the same document. Anything else is
 * still checked by jsonpath-plus, and a malformed expression is a load error naming it.
 */
import { JSONPath } from "jsonpath-plus";
import { describe, expect, it } from "vitest";
import { compilePath, pathProblem } from "../../src/mapping/jsonpath.js";

const doc = {
  id: "c1",
  metro: { code: "da" },
  ports: [{ name: "port-1" }, { name: "port-2" }],
  "a b": 1,
  "a-b": { c1: [null, { d: false }] },
  café: "crème",
  0: "zero",
};

const PLAIN = [
  "$",
  "$.",
  "$.id",
  "$.metro.code",
  "$.ports[0].name",
  "$.ports[1]",
  "$['a b']",
  '$["id"]',
  "$.a-b.c1[1].d",
  "$.café",
  "$.missing.deeper",
  "$.ports[5].name",
];

describe("JSONPath checks at load", () => {
  it.each(PLAIN)("accepts %s without jsonpath-plus, which reads it alike", (expr) => {
    expect(pathProblem(expr)).toBeUndefined();
    const theirs = JSONPath({ path: expr, json: doc, wrap: true, eval: "safe" }) as unknown[];
    const ours = compilePath(expr)(doc);
    expect(ours).toEqual(theirs.length ? theirs[0] : undefined);
  });

  it("still checks everything else with jsonpath-plus, and names a malformed expression", () => {
    expect(pathProblem("$.ports[*].name")).toBeUndefined();
    expect(pathProblem("$..name")).toBeUndefined();
    expect(pathProblem("$.ports[?(@.name=='port-1')]")).toBeUndefined();
    expect(pathProblem("$[(@.length-1)]")).toMatch(/^invalid JSONPath "\$\[\(@\.length-1\)\]": /);
  });
});
