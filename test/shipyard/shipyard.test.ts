/**
 * The reference engine's own acceptance suite, all 33 cases, in both of its editions: the alpha2
 * tutorial with the reference's old client (a bare JSON-RPC `tools/call` POSTed to `/` without
 * `initialize` or `Accept`), and the Ikanos beta5 tutorial with the client of the reference's
 * current workflow (curl sending MCP 2026-07-28: a `tools/list` probe, then the `tools/call`). Run
 * against the real CLI exactly as the reference's workflow runs them (see test/support/shipyard.ts);
 * REST cases are a plain request, and every assertion is evaluated by a real `jq`. The alpha2 MCP
 * cases run once more with the 2026-07-28 client. Without jq or curl the cases are reported as not
 * run (test/support/prerequisites.ts); .ci/run installs both.
 */
import { execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it, type TestContext } from "vitest";
import { findProgram, need } from "../support/prerequisites.js";
import { readCases, runShipyard, type ShipyardRun } from "../support/shipyard.js";

const JQ = findProgram("jq", "apt-get install -y jq");
const CURL = findProgram("curl", "apt-get install -y curl");
/** A real jq and a real curl are part of the contract, as in the reference's workflow. */
const needTools = (ctx: TestContext) => {
  need(ctx, JQ);
  need(ctx, CURL);
};
const haveTools = () => JQ.path !== undefined && CURL.path !== undefined;

describe.each(["alpha2", "beta5"] as const)("Shipyard suite, %s edition (reference engine acceptance tests)", (edition) => {
  const cases = readCases(edition);
  let run: ShipyardRun;

  beforeAll(async () => {
    if (!haveTools()) return;
    expect(execFileSync(JQ.path!, ["--version"]).toString()).toMatch(/^jq-1\./);
    expect(execFileSync(CURL.path!, ["--version"]).toString()).toMatch(/^curl /);
    run = await runShipyard(edition, undefined, (line) => console.log(line));
  }, 300_000);

  it("has the 33 cases and 256 jq assertions of the reference", () => {
    expect(cases).toHaveLength(33);
    expect(cases.reduce((n, c) => n + c.validations.length, 0)).toBe(256);
  });

  it.for(cases.map((c) => c.name))("%s", (name, ctx) => {
    needTools(ctx);
    const r = run.results.find((x) => x.name === name);
    expect(r, `case ${name} did not run`).toBeDefined();
    expect(r!.passed ? "passed" : `${r!.reason}\n${r!.data ?? ""}`).toBe("passed");
  });

  it("reports 33 passed, 0 failed", (ctx) => {
    needTools(ctx);
    expect(run.report).toBe("33 passed, 0 failed");
  });
});

describe("Shipyard suite, alpha2 edition, MCP cases with the reference workflow's 2026-07-28 client (curl)", () => {
  const mcpCases = readCases("alpha2").filter((c) => !c.skip && (c.type ?? "mcp") === "mcp");
  let run: ShipyardRun;

  beforeAll(async () => {
    if (!haveTools()) return;
    run = await runShipyard(
      "alpha2",
      (c) => (c.type ?? "mcp") === "mcp",
      (line) => console.log(line),
      "2026-07-28",
    );
  }, 300_000);

  it.for(mcpCases.map((c) => c.name))("%s", (name, ctx) => {
    needTools(ctx);
    const r = run.results.find((x) => x.name === name);
    expect(r, `case ${name} did not run`).toBeDefined();
    expect(r!.passed ? "passed" : `${r!.reason}\n${r!.data ?? ""}`).toBe("passed");
  });

  it(`reports ${mcpCases.length} passed, 0 failed`, (ctx) => {
    needTools(ctx);
    expect(run.report).toBe(`${mcpCases.length} passed, 0 failed`);
  });
});
