/**
 * The reference engine's own acceptance suite, all 33 cases of test/fixtures/shipyard/tests.yml,
 * run against the real CLI exactly as the reference's workflow runs it (see test/support/shipyard.ts):
 * MCP cases are a bare JSON-RPC `tools/call` POSTed to `/` without `initialize` or `Accept`, REST
 * cases a plain request, and every assertion is evaluated by a real `jq`. The MCP cases run once
 * more with the client of the reference's current workflow: curl sending 2026-07-28 requests.
 */
import { execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { readCases, runShipyard, type ShipyardRun } from "../support/shipyard.js";

const cases = readCases();
const mcpCases = cases.filter((c) => !c.skip && (c.type ?? "mcp") === "mcp");

describe("Shipyard suite (reference engine acceptance tests)", () => {
  let run: ShipyardRun;

  beforeAll(async () => {
    // A real jq is part of the contract: .ci/run installs it when missing.
    expect(execFileSync("jq", ["--version"]).toString()).toMatch(/^jq-1\./);
    run = await runShipyard(undefined, (line) => console.log(line));
  }, 300_000);

  it("has the 33 cases and 256 jq assertions of the reference", () => {
    expect(cases).toHaveLength(33);
    expect(cases.reduce((n, c) => n + c.validations.length, 0)).toBe(256);
  });

  it.each(cases.map((c) => [c.name]))("%s", (name) => {
    const r = run.results.find((x) => x.name === name);
    expect(r, `case ${name} did not run`).toBeDefined();
    expect(r!.passed ? "passed" : `${r!.reason}\n${r!.data ?? ""}`).toBe("passed");
  });

  it("reports 33 passed, 0 failed", () => {
    expect(run.report).toBe("33 passed, 0 failed");
  });
});

describe("Shipyard suite, MCP cases with the reference workflow's 2026-07-28 client (curl)", () => {
  let run: ShipyardRun;

  beforeAll(async () => {
    // A real curl too: .ci/run installs it when missing.
    expect(execFileSync("curl", ["--version"]).toString()).toMatch(/^curl /);
    run = await runShipyard(
      (c) => (c.type ?? "mcp") === "mcp",
      (line) => console.log(line),
      "2026-07-28",
    );
  }, 300_000);

  it.each(mcpCases.map((c) => [c.name]))("%s", (name) => {
    const r = run.results.find((x) => x.name === name);
    expect(r, `case ${name} did not run`).toBeDefined();
    expect(r!.passed ? "passed" : `${r!.reason}\n${r!.data ?? ""}`).toBe("passed");
  });

  it(`reports ${mcpCases.length} passed, 0 failed`, () => {
    expect(run.report).toBe(`${mcpCases.length} passed, 0 failed`);
  });
});
