/**
 * The `type: skill` exposes block: catalog, detail (derived and instruction tools), contents, one
 * file, and the ZIP download of a skill's `location` directory.
 */
import { execFileSync } from "node:child_process";
import { symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findProgram, need } from "../support/prerequisites.js";
import { serveFiles, type Serving } from "../support/serve.js";
import { tempDir } from "../support/temp.js";

const UNZIP = findProgram("unzip", "apt-get install -y unzip");

let s: Serving;
let base: string;

beforeAll(async () => {
  s = await serveFiles({
    "skills/fleet/SKILL.md": "---\nname: fleet\n---\n# Fleet\nUse list-ships first.\n",
    "skills/fleet/examples/usage.md": "list-ships then get-ship\n",
    "skills/fleet/data.json": '{"a":1}',
    "capability.yml": `naftiko: "1.0.0-alpha2"
capability:
  exposes:
    - type: mcp
      port: 3001
      namespace: tools
      tools:
        - name: list-ships
          description: "List"
          outputParameters:
            - name: ok
              type: boolean
              value: "true"
    - type: rest
      port: 3002
      namespace: api
      resources:
        - path: /ships
          operations:
            - name: list-ships-rest
              method: GET
              outputParameters:
                - type: object
                  properties:
                    ok:
                      type: boolean
                      value: "true"
    - type: skill
      port: 3003
      namespace: skills
      description: "Skills"
      skills:
        - name: fleet
          description: "Fleet management"
          license: Apache-2.0
          compatibility: "Needs network access to the fleet registry"
          argument-hint: "[ship name or IMO]"
          metadata:
            team: ops
          allowed-tools: "list-ships"
          user-invocable: true
          disable-model-invocation: false
          location: "file:///./skills/fleet"
          tools:
            - name: list-ships
              description: "List ships"
              from:
                sourceNamespace: tools
                action: list-ships
            - name: list-ships-rest
              description: "List ships over REST"
              from:
                sourceNamespace: api
                action: list-ships-rest
            - name: usage
              description: "How to use it"
              instruction: examples/usage.md
        - name: bare
          description: "No files"
`,
  });
  base = s.url.skills;
});
afterAll(() => s?.close());

const get = async (p: string) => {
  const res = await fetch(`${base}${p}`);
  return { status: res.status, type: res.headers.get("content-type") ?? "", res };
};

describe("skill exposes", () => {
  it("GET /skills lists every skill with its tool names", async () => {
    const r = await get("/skills");
    expect(r.status).toBe(200);
    expect(await r.res.json()).toEqual({
      count: 2,
      skills: [
        { name: "fleet", description: "Fleet management", license: "Apache-2.0", tools: ["list-ships", "list-ships-rest", "usage"] },
        { name: "bare", description: "No files", tools: [] },
      ],
    });
  });

  it("GET /skills/{name}: metadata (license, compatibility, argument-hint, allowed-tools, user-invocable, disable-model-invocation, metadata) and tools, derived ones with an invocationRef naming the block and its mode", async () => {
    const r = await get("/skills/fleet");
    expect(await r.res.json()).toEqual({
      name: "fleet",
      description: "Fleet management",
      license: "Apache-2.0",
      compatibility: "Needs network access to the fleet registry",
      "argument-hint": "[ship name or IMO]",
      "allowed-tools": "list-ships",
      "user-invocable": true,
      "disable-model-invocation": false,
      metadata: { team: "ops" },
      tools: [
        {
          name: "list-ships",
          description: "List ships",
          type: "derived",
          invocationRef: { targetNamespace: "tools", action: "list-ships", mode: "mcp" },
        },
        {
          name: "list-ships-rest",
          description: "List ships over REST",
          type: "derived",
          invocationRef: { targetNamespace: "api", action: "list-ships-rest", mode: "rest" },
        },
        { name: "usage", description: "How to use it", type: "instruction", instruction: "examples/usage.md" },
      ],
    });
    expect((await get("/skills/nope")).status).toBe(404);
  });

  it("GET /skills/{name}/contents lists the files of its location; one file by path", async () => {
    const r = await get("/skills/fleet/contents");
    expect(await r.res.json()).toEqual({
      name: "fleet",
      files: [
        { path: "SKILL.md", size: Buffer.byteLength("---\nname: fleet\n---\n# Fleet\nUse list-ships first.\n"), type: "text/markdown" },
        { path: "data.json", size: 7, type: "application/json" },
        { path: "examples/usage.md", size: 25, type: "text/markdown" },
      ],
    });
    const f = await get("/skills/fleet/contents/examples/usage.md");
    expect(f.status).toBe(200);
    expect(f.type).toBe("text/markdown");
    expect(await f.res.text()).toBe("list-ships then get-ship\n");
  });

  it("refuses paths outside the directory and reports missing ones", async () => {
    expect((await get("/skills/fleet/contents/..%2F..%2Fcapability.yml")).status).toBe(400);
    expect((await get("/skills/fleet/contents/a%20b.md")).status).toBe(400);
    expect((await get("/skills/fleet/contents/missing.md")).status).toBe(404);
    symlinkSync(path.join(s.dir, "capability.yml"), path.join(s.dir, "skills/fleet/escape.yml"));
    expect((await get("/skills/fleet/contents/escape.yml")).status).toBe(404);
    unlinkSync(path.join(s.dir, "skills/fleet/escape.yml"));
    const bare = await get("/skills/bare/contents");
    expect(bare.status).toBe(404);
    expect(await bare.res.json()).toEqual({ error: "not_found", message: "No location configured for skill: bare" });
  });

  it("GET /skills/{name}/download is a ZIP of the directory that unzip accepts", async (ctx) => {
    need(ctx, UNZIP);
    const r = await get("/skills/fleet/download");
    expect(r.status).toBe(200);
    expect(r.type).toBe("application/zip");
    expect(r.res.headers.get("content-disposition")).toBe('attachment; filename="fleet.zip"');
    const dir = tempDir("naftiko-zip-");
    const file = path.join(dir, "fleet.zip");
    writeFileSync(file, Buffer.from(await r.res.arrayBuffer()));
    execFileSync(UNZIP.path!, ["-q", "-t", file]);
    const listing = execFileSync(UNZIP.path!, ["-Z1", file]).toString().trim().split("\n");
    expect(listing).toEqual(["SKILL.md", "data.json", "examples/usage.md"]);
    expect(execFileSync(UNZIP.path!, ["-p", file, "examples/usage.md"]).toString()).toBe("list-ships then get-ship\n");
    expect((await get("/skills/bare/download")).status).toBe(404);
  });

  it("is read-only", async () => {
    const r = await fetch(`${base}/skills/fleet`, { method: "DELETE" });
    expect(r.status).toBe(405);
  });
});
