/**
 * `naftiko import openapi`: the Equinix Metal document, imported, gives back the generated files we
 * found in the wild (the flagship for `Interconnections`, and every `capabilities/metal-*` file), field by
 * field; every imported tag loads and serves.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { importOpenApi, type ImportedCapability } from "../../src/import/openapi.js";
import { readOpenApi } from "../../src/openapi/document.js";
import { serveCapability } from "../../src/serve.js";
import { loadCapability } from "../../src/spec/load.js";
import { ROOT, runCli } from "../support/cli.js";
import { differences } from "../support/diff.js";
import { startRecordingUpstream, type RecordingUpstream } from "../support/recording-upstream.js";
import { tempDir } from "../support/temp.js";

const DOC = path.join(ROOT, "test/fixtures/upstream/metal-openapi.full.yaml");
const FLAGSHIP = path.join(ROOT, "metal-interconnections.naftiko.yaml");

/** Generation dates are the only fields that may differ. */
function comparable(doc: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(doc));
  delete copy.info?.created;
  delete copy.info?.modified;
  return copy;
}

describe("naftiko import openapi", () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir("naftiko-import-");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("--tag Interconnections writes a capability equal to the flagship, field by field", async () => {
    const r = await runCli(["import", "openapi", DOC, "--tag", "Interconnections", "--out", dir]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("metal-interconnections.naftiko.yaml: Interconnections, 15 operations");
    const written = parse(readFileSync(path.join(dir, "metal-interconnections.naftiko.yaml"), "utf8"));
    const flagship = parse(readFileSync(FLAGSHIP, "utf8"));
    expect(differences(comparable(flagship), comparable(written))).toEqual([]);
    // The file it wrote is a capability this runtime loads.
    await loadCapability(path.join(dir, "metal-interconnections.naftiko.yaml"));
    // A second run refuses to overwrite without --force.
    const again = await runCli(["import", "openapi", DOC, "--tag", "Interconnections", "--out", dir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists; pass --force/);
  });

  it("an unknown tag or a document that is not OpenAPI 3 is refused with a reason", async () => {
    const r = await runCli(["import", "openapi", DOC, "--tag", "Nope", "--out", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no operations tagged "Nope" \(tags with operations: .*Interconnections/);
    const bad = await runCli(["import", "openapi", FLAGSHIP, "--out", dir]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/not an OpenAPI document/);
  });

  describe("every tag of the document", () => {
    let caps: ImportedCapability[];
    let upstream: RecordingUpstream;
    beforeAll(async () => {
      caps = importOpenApi(await readOpenApi(DOC), { date: "2026-05-19" });
      upstream = await startRecordingUpstream();
      for (const cap of caps) writeFileSync(path.join(dir, cap.fileName), stringify(cap.doc, { lineWidth: 120 }));
    });
    afterAll(() => upstream?.stop());

    it("reproduces each capabilities/metal-*.naftiko.yaml file exactly", () => {
      const found = caps.filter((c) => c.fileName !== "metal-interconnections.naftiko.yaml");
      expect(found.length).toBe(39);
      const diffs = found.flatMap((cap) => {
        const original = parse(readFileSync(path.join(ROOT, "capabilities", cap.fileName), "utf8"));
        return differences(comparable(original), comparable(cap.doc)).map((d) => `${cap.fileName} ${d}`);
      });
      expect(diffs).toEqual([]);
    });

    it("each imported capability loads, and serves its first operation through a recording upstream", async () => {
      for (const cap of caps) {
        const capability = await loadCapability(path.join(dir, cap.fileName));
        const exposes = capability.exposes;
        const served = await serveCapability(capability, {
          baseUris: { [cap.namespace]: `${upstream.url}/metal/v1` },
          ports: Object.fromEntries(exposes.map((x) => [x.namespace!, 0])),
          env: { EQUINIX_API_KEY: "import-key" },
          log: () => {},
        });
        try {
          const rest = served.listeners.find((l) => l.type === "rest")!;
          const route = rest.routes![0];
          const query = route.invocation.inputs
            .filter((i) => i.in === "query" && i.required)
            .map(
              (i) =>
                `${encodeURIComponent(i.name)}=${i.type === "integer" || i.type === "number" ? 1 : i.type === "boolean" ? "true" : "x"}`,
            );
          const url =
            route.path.replace(/\{[^}]+\}/g, "3fa85f64-5717-4562-b3fc-2c963f66afa6") + (query.length ? `?${query.join("&")}` : "");
          const before = upstream.requests.length;
          const res = await fetch(`${rest.url}${url}`, {
            method: route.method,
            headers: { "content-type": "application/json" },
            body: route.method === "GET" || route.method === "DELETE" ? undefined : "{}",
          });
          expect(res.status, `${cap.fileName} ${route.method} ${url}: ${await res.text()}`).toBe(200);
          const seen = upstream.requests[before];
          expect(seen.method).toBe(route.method);
          expect(seen.url).toBe(`/metal${url}`);
          expect(seen.headers["x-auth-token"]).toBe("import-key");
        } finally {
          await served.close();
        }
      }
    });
  });
});
