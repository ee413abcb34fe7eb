/** `serve --openapi`: the upstream's request-body and response schemas, attached by method and path. */
import { copyFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { readFileSync } from "node:fs";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readOpenApi } from "../../src/openapi/document.js";
import { loadCapability } from "../../src/spec/load.js";
import { attachSchemas } from "../../src/spec/openapi-schemas.js";
import { flagshipOptions, ROOT, spawnServe, type ServeProcess } from "../support/cli.js";
import { startRecordingUpstream, type RecordingUpstream } from "../support/recording-upstream.js";
import { tempDir } from "../support/temp.js";

const FLAGSHIP = path.join(ROOT, "metal-interconnections.naftiko.yaml");
const OPENAPI = path.join(ROOT, "test/fixtures/upstream/metal-interconnections.openapi.yaml");
const FULL = path.join(ROOT, "test/fixtures/upstream/metal-openapi.full.yaml");
const CREATE_VC = "metal-interconnections.createinterconnectionportvirtualcircuit";
const VC_PATH = "/v1/connections/3fa85f64-5717-4562-b3fc-2c963f66afa6/ports/9e3b2a44-0000-4000-8000-000000000001/virtual-circuits";

describe("schemas from the upstream's OpenAPI document", () => {
  it("matches all 15 flagship operations, in the tag's document and in the whole Metal document", async () => {
    const capability = await loadCapability(FLAGSHIP);
    for (const doc of [OPENAPI, FULL]) {
      const attached = attachSchemas(capability, await readOpenApi(doc));
      expect(attached.unmatched).toEqual([]);
      expect(attached.byOperation.size).toBe(15);
    }
  });

  it("gives self-contained JSON Schema 2020-12: $refs resolved (recursion via $defs), object-rooted responses", async () => {
    const capability = await loadCapability(FLAGSHIP);
    const attached = attachSchemas(capability, await readOpenApi(OPENAPI));
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    for (const [key, s] of attached.byOperation) {
      for (const schema of [s.body, s.response]) {
        if (!schema) continue;
        expect(() => ajv.compile(schema), key).not.toThrow();
        const refs = JSON.stringify(schema).match(/"\$ref":"[^"]+"/g) ?? [];
        for (const r of refs) expect(r, key).toMatch(/"\$ref":"#\/\$defs\//);
      }
      if (s.response) expect(s.response.type, key).toBe("object");
    }
    const create = attached.byOperation.get(CREATE_VC)!;
    expect(create.source).toBe("POST /connections/{connection_id}/ports/{port_id}/virtual-circuits");
    const branches = create.body!.anyOf as Array<{ properties: Record<string, unknown>; required?: string[] }>;
    expect(branches).toHaveLength(2);
    expect(branches[0].required).toEqual(["project_id"]);
    expect(Object.keys(branches[0].properties)).toContain("nni_vlan");
    expect(create.response).toBeDefined();
    // Every operation documents a JSON success response here, and none is bloated by inlining.
    for (const [key, s] of attached.byOperation) {
      expect(s.response, key).toBeDefined();
      expect(JSON.stringify(s.response).length, key).toBeLessThan(40_000);
    }
  });

  describe("naftiko serve --openapi", () => {
    let upstream: RecordingUpstream;
    let proc: ServeProcess;
    let base: string;
    beforeAll(async () => {
      upstream = await startRecordingUpstream();
      proc = await spawnServe([FLAGSHIP, "--openapi", OPENAPI, ...flagshipOptions(upstream.url)], { EQUINIX_API_KEY: "schema-key" });
      base = proc.urls["metal-interconnections-rest"];
    });
    afterAll(async () => {
      if (upstream) upstream.reply = (await import("../support/recording-upstream.js")).echo;
      await proc?.stop();
      await upstream?.stop();
    });

    it("says which document it used and how many operations matched", () => {
      expect(proc.stderr()).toContain(`naftiko: schemas from ${OPENAPI} for 15 of 15 operations`);
    });

    it("refuses a body that violates the virtual-circuit create schema with 400, before any upstream call", async () => {
      const before = upstream.requests.length;
      const res = await fetch(`${base}${VC_PATH}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ nni_vlan: 1, speed: 5 }),
      });
      const body = (await res.json()) as { error: string; problems: Array<{ parameter: string }> };
      expect(res.status).toBe(400);
      expect(body.error).toBe("invalid_request");
      const named = body.problems.map((p: { parameter: string }) => p.parameter);
      expect(named).toContain("body.project_id");
      expect(named).toContain("body.nni_vlan");
      expect(upstream.requests.length).toBe(before);
    });

    it("passes a body that fits the schema through unchanged", async () => {
      const vc = { project_id: "52000fb2-ee46-4673-93a8-de2c2bdba33c", nni_vlan: 1056, name: "vc-1", tags: ["a"] };
      const before = upstream.requests.length;
      const res = await fetch(`${base}${VC_PATH}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(vc),
      });
      expect(res.status, await res.text()).toBe(200);
      expect(upstream.requests.length).toBe(before + 1);
      expect(JSON.parse(upstream.requests[before].body)).toEqual(vc);
    });

    it("MCP: create-new-virtual-circuit advertises the real body schema, every tool an object outputSchema", async () => {
      const client = new Client({ name: "schema-test", version: "1" });
      await client.connect(new StreamableHTTPClientTransport(new URL(proc.urls["metal-interconnections-mcp"])));
      try {
        const { tools } = await client.listTools();
        expect(tools).toHaveLength(15);
        const create = tools.find((t) => t.name === "create-new-virtual-circuit")!;
        const body = create.inputSchema.properties!.body as { anyOf: Array<{ required: string[]; properties: Record<string, unknown> }> };
        expect(body.anyOf[0].required).toEqual(["project_id"]);
        expect(Object.keys(body.anyOf[1].properties)).toEqual(expect.arrayContaining(["vrf", "peer_asn", "subnet"]));
        expect(create.inputSchema.required).toEqual(["connection_id", "port_id", "body"]);
        for (const t of tools) expect(t.outputSchema?.type, t.name).toBe("object");

        // A body the schema refuses is a tool error, and nothing reaches the upstream.
        const before = upstream.requests.length;
        const bad = await client.callTool({
          name: "create-new-virtual-circuit",
          arguments: { connection_id: "c", port_id: "p", body: { nni_vlan: 1 } },
        });
        expect(bad.isError).toBe(true);
        expect(JSON.stringify(bad.content)).toMatch(/body\.project_id is required/);
        expect(upstream.requests.length).toBe(before);

        // A real API answer (which drifts from the document: name and description are null) still passes
        // the SDK client's check of structuredContent against the advertised outputSchema.
        const real = readFileSync(path.join(ROOT, "test/fixtures/upstream/examples/vlan-virtual-circuit.get.json"), "utf8");
        upstream.reply = () => ({ body: real });
        const got = await client.callTool({ name: "get-virtual-circuit", arguments: { id: "61ba1a73-8a8c-4f1f-9c0b-5fd1a5d2f4a1" } });
        expect(got.isError).toBeFalsy();
        expect(got.structuredContent).toEqual(JSON.parse(real));
      } finally {
        await client.close();
      }
    });
  });

  it("without --openapi the same body is forwarded; a sidecar <name>.openapi.yaml or an x-openapi comment is picked up", async () => {
    const upstream = await startRecordingUpstream();
    const dir = tempDir("naftiko-sidecar-");
    const args = [...flagshipOptions(upstream.url)];
    const bad = JSON.stringify({ nni_vlan: 1 });
    try {
      const plain = await spawnServe([FLAGSHIP, ...args], { EQUINIX_API_KEY: "k" });
      try {
        const res = await fetch(`${plain.urls["metal-interconnections-rest"]}${VC_PATH}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: bad,
        });
        expect(res.status).toBe(200);
        expect(plain.stderr()).not.toContain("schemas from");
      } finally {
        await plain.stop();
      }
      copyFileSync(FLAGSHIP, path.join(dir, "metal-interconnections.naftiko.yaml"));
      copyFileSync(OPENAPI, path.join(dir, "metal-interconnections.openapi.yaml"));
      const side = await spawnServe([path.join(dir, "metal-interconnections.naftiko.yaml"), ...args], { EQUINIX_API_KEY: "k" });
      try {
        expect(side.stderr()).toContain("metal-interconnections.openapi.yaml for 15 of 15 operations");
        const res = await fetch(`${side.urls["metal-interconnections-rest"]}${VC_PATH}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: bad,
        });
        expect(res.status).toBe(400);
      } finally {
        await side.stop();
      }
      // A `# x-openapi:` comment at the top of the file names the document, relative to the file.
      const hinted = path.join(dir, "hinted.naftiko.yaml");
      writeFileSync(hinted, `# x-openapi: ${path.relative(dir, OPENAPI)}\n${readFileSync(FLAGSHIP, "utf8")}`);
      const hint = await spawnServe([hinted, ...args], { EQUINIX_API_KEY: "k" });
      try {
        expect(hint.stderr()).toContain(`schemas from ${OPENAPI} for 15 of 15 operations`);
      } finally {
        await hint.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await upstream.stop();
    }
  });
});
