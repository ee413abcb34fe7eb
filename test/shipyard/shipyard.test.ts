/**
 * The reference engine's own acceptance suite, all 33 cases, in both of its editions: the alpha2
 * tutorial with the reference's old client (a bare JSON-RPC `tools/call` POSTed to `/` without
 * `initialize` or `Accept`), and the Ikanos beta5 tutorial with its MCP 2026-07-28 client. Run
 * against the real CLI exactly as the reference's workflow runs them (see test/support/shipyard.ts);
 * REST cases are a plain request, and every assertion is evaluated by a real `jq`. Without jq the
 * cases are reported as not run (test/support/prerequisites.ts); .ci/run installs it.
 */
import { execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { findProgram, need } from "../support/prerequisites.js";
import { readCases, runShipyard, type ShipyardRun } from "../support/shipyard.js";

const JQ = findProgram("jq", "apt-get install -y jq");

describe.each(["alpha2"] as const)("Shipyard suite, %s edition (reference engine acceptance tests)", (edition) => {
  const cases = readCases(edition);
  let run: ShipyardRun;

  beforeAll(async () => {
    if (!JQ.path) return;
    expect(execFileSync(JQ.path, ["--version"]).toString()).toMatch(/^jq-1\./);
    run = await runShipyard(edition, undefined, (line) => console.log(line));
  }, 300_000);

  it("has the 33 cases and 256 jq assertions of the reference", () => {
    expect(cases).toHaveLength(33);
    expect(cases.reduce((n, c) => n + c.validations.length, 0)).toBe(256);
  });

  it.for(cases.map((c) => c.name))("%s", (name, ctx) => {
    need(ctx, JQ);
    const r = run.results.find((x) => x.name === name);
    expect(r, `case ${name} did not run`).toBeDefined();
    expect(r!.passed ? "passed" : `${r!.reason}\n${r!.data ?? ""}`).toBe("passed");
  });

  it("reports 33 passed, 0 failed", (ctx) => {
    need(ctx, JQ);
    expect(run.report).toBe("33 passed, 0 failed");
  });
});
