/**
 * The capability examples are real: the Ikanos one in README.md's "Writing a capability", the same
 * capability in alpha2's official dialect and the generated-dialect one in docs/CAPABILITIES.md are
 * loaded, served and called against a recording upstream.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "./support/cli.js";
import { callTool } from "./support/official.js";
import { serveFiles } from "./support/serve.js";
import { startRecordingUpstream, type RecordingUpstream } from "./support/recording-upstream.js";

/** The YAML blocks of one section of a Markdown file. */
function yamlBlocks(file: string, heading: string): string[] {
  const text = readFileSync(path.join(ROOT, file), "utf8");
  const section = new RegExp(`^${heading}\\n([\\s\\S]*?)(?=^#{1,2} |(?![\\s\\S]))`, "m").exec(text)?.[1] ?? "";
  return [...section.matchAll(/^```yaml\n([\s\S]*?)^```/gm)].map((m) => m[1]);
}
const ikanos = yamlBlocks("README.md", "## Writing a capability").find((b) => b.startsWith('ikanos: "1.0.0-beta4"'));
const official = yamlBlocks("docs/CAPABILITIES.md", "## Naftiko 1.0.0-alpha2, official dialect").find((b) =>
  b.startsWith('naftiko: "1.0.0-alpha2"'),
);
const generated = yamlBlocks("docs/CAPABILITIES.md", "## Naftiko 1.0.0-alpha2, generated dialect").find((b) =>
  b.startsWith("naftiko: 1.0.0-alpha2"),
);

let upstream: RecordingUpstream;
beforeAll(async () => {
  upstream = await startRecordingUpstream(() => ({
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ imo_number: "IMO-9321483", vessel_name: "Northern Star", flag_code: "NO" }),
  }));
});
afterAll(async () => upstream?.stop());
const last = () => upstream.requests[upstream.requests.length - 1];

describe("the capability examples of README.md and docs/CAPABILITIES.md", () => {
  it("are there: an Ikanos one in the README, the same in alpha2's official dialect, a generated-dialect one", () => {
    expect(ikanos).toBeDefined();
    expect(official).toBeDefined();
    expect(generated).toBeDefined();
  });

  it.each([
    ["README's Ikanos 1.0.0-beta4", () => ikanos!],
    ["alpha2 official-dialect", () => official!],
  ])("the %s example serves REST and MCP (behind its bearer token)", async (_, text) => {
    const s = await serveFiles(
      { "capability.yml": text() },
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
      { "capability.yml": generated! },
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
