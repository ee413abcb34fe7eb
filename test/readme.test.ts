/**
 * The two examples of README.md's "Writing a capability" section are real: each YAML block is
 * loaded, served and called against a recording upstream.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "./support/cli.js";
import { callTool } from "./support/official.js";
import { serveFiles } from "./support/serve.js";
import { startRecordingUpstream, type RecordingUpstream } from "./support/recording-upstream.js";

const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
const section = /^## Writing a capability\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? "";
const blocks = [...section.matchAll(/^```yaml\n([\s\S]*?)^```/gm)].map((m) => m[1]);

let upstream: RecordingUpstream;
beforeAll(async () => {
  upstream = await startRecordingUpstream(() => ({
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ imo_number: "IMO-9321483", vessel_name: "Northern Star", flag_code: "NO" }),
  }));
});
afterAll(async () => upstream?.stop());
const last = () => upstream.requests[upstream.requests.length - 1];

describe("README: Writing a capability", () => {
  it("has one official-dialect and one generated-dialect example", () => {
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toMatch(/^naftiko: "1\.0\.0-alpha2"/);
    expect(blocks[1]).toMatch(/^naftiko: 1\.0\.0-alpha2/);
  });

  it("the official example serves REST and MCP (behind its bearer token)", async () => {
    const s = await serveFiles(
      { "capability.yml": blocks[0] },
      { baseUris: { registry: `${upstream.url}/v1` }, env: { REGISTRY_TOKEN: "readme-token-1", MCP_TOKEN: "readme-mcp-2" } },
    );
    try {
      const rest = await fetch(`${s.url["shipyard-api"]}/ships/IMO-9321483`);
      expect(rest.status).toBe(200);
      expect(await rest.json()).toEqual({ imo_number: "IMO-9321483", vessel_name: "Northern Star", flag_code: "NO" });
      expect(last().url).toBe("/v1/ships/IMO-9321483");
      expect(last().headers.authorization).toBe("Bearer readme-token-1");
      const tool = await callTool(s.url["shipyard-tools"], "get-ship", { imo: "IMO-9321483" }, { Authorization: "Bearer readme-mcp-2" });
      expect(tool.value).toEqual({ imo: "IMO-9321483", name: "Northern Star" });
      expect((await callTool(s.url["shipyard-tools"], "get-ship", { imo: "IMO-9321483" })).status).toBe(401);
    } finally {
      await s.close();
    }
  });

  it("the generated example serves REST and MCP", async () => {
    const s = await serveFiles(
      { "capability.yml": blocks[1] },
      { baseUris: { registry: `${upstream.url}/v1` }, env: { REGISTRY_TOKEN: "readme-key-3" } },
    );
    try {
      const rest = await fetch(`${s.url["registry-rest"]}/v1/ships/IMO-1`);
      expect(rest.status).toBe(200);
      expect(((await rest.json()) as { vessel_name: string }).vessel_name).toBe("Northern Star");
      expect(last().url).toBe("/v1/ships/IMO-1");
      expect(last().headers["x-api-key"]).toBe("readme-key-3");
      const tool = await callTool(s.url["registry-mcp"], "get-ship", { imo_number: "IMO-2" });
      expect(tool.isError).toBe(false);
      expect(last().url).toBe("/v1/ships/IMO-2");
    } finally {
      await s.close();
    }
  });
});
