/**
 * The reference engine's own test workflow talks MCP 2026-07-28 with curl: a `tools/list` readiness
 * probe, then a `tools/call`, each with the standard headers and only the protocol version in
 * `_meta` (no client capabilities, no `initialize`, curl's `Accept: *\/*`). Sent exactly so to the
 * flagship, served by the real CLI, every tool answers as the file says. (The alpha2 Shipyard files
 * get the same client in test/shipyard/.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flagshipOptions, ROOT, spawnServe, type ServeProcess } from "../support/cli.js";
import { startRecordingUpstream, type RecordingUpstream } from "../support/recording-upstream.js";
import { jq, workflowCurl } from "../support/shipyard.js";
import { loadCases, SECRET } from "../support/spec-cases.js";
import { assertUpstreamSaw } from "../support/upstream-assertions.js";

const FLAGSHIP = `${ROOT}/metal-interconnections.naftiko.yaml`;
const TOOLS = loadCases(FLAGSHIP).mcp[0].cases;

describe("the reference workflow's 2026-07-28 client against the flagship", () => {
  let upstream: RecordingUpstream;
  let proc: ServeProcess;
  let port: string;
  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    proc = await spawnServe([FLAGSHIP, ...flagshipOptions(upstream.url)], { EQUINIX_API_KEY: SECRET });
    port = new URL(proc.urls["metal-interconnections-mcp"]).port;
  });
  afterAll(async () => {
    await proc.stop();
    await upstream.stop();
  });

  it("the readiness probe (tools/list) lists the 15 tools", async () => {
    const answer = await workflowCurl(port, "any-token", "tools/list");
    expect((await jq(["-e", ".result.tools | length == 15"], answer)).code, answer).toBe(0);
    expect(JSON.parse(answer).result).toMatchObject({ ttlMs: 0, cacheScope: "private", resultType: "complete" });
  });

  it.each(TOOLS.map((c) => [c.tool, c]))("tools/call %s", async (_name, c) => {
    const before = upstream.requests.length;
    const answer = await workflowCurl(port, "any-token", "tools/call", c.tool, c.args);
    // What the workflow reads: `.result.isError // false` and `.result.content[0].text`.
    expect((await jq(["-r", ".result.isError // false"], answer)).stdout.trim(), answer).toBe("false");
    const text = (await jq(["-r", ".result.content[0].text"], answer)).stdout;
    assertUpstreamSaw(upstream, before, c.expected);
    expect(JSON.parse(text).seen).toEqual({ method: c.expected.method, url: upstream.requests[before].url });
    expect(JSON.parse(answer).result.structuredContent).toEqual(JSON.parse(text));
  });
});
