/**
 * Contract test against an upstream nobody here wrote: the flagship, served by the real CLI, in front
 * of Stoplight Prism mocking the Equinix Metal Interconnections OpenAPI document. A 2xx through the
 * runtime means Prism accepted the method, path, uuids, query, auth header and body that the runtime
 * sent; Prism's own 4xx for a missing key or a bad uuid must come back to the caller unchanged.
 * The flagship migrated by `naftiko migrate` (the real CLI) is probed too, with the same results.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { METAL_IDS, METAL_REQUESTS, metalQueryString, type MetalRequest } from "../support/metal-requests.js";
import { startPrism, type PrismHandle } from "../support/prism.js";
import { ROOT, runCli, spawnServe, type ServeProcess } from "../support/cli.js";
import { MIGRATED_VERSION } from "../support/migrated.js";
import { tempDir } from "../support/temp.js";

const FLAGSHIP = path.join(ROOT, "metal-interconnections.naftiko.yaml");
const MIGRATED = path.join(tempDir("naftiko-migrated-"), "metal-interconnections.naftiko.yaml");
const doc = parse(readFileSync(FLAGSHIP, "utf8"));
const rest = doc.capability.exposes.find((x: { type: string }) => x.type === "rest");
const consumesNs: string = doc.capability.consumes[0].namespace;
const norm = (s: string) => s.toLowerCase().replace(/-/g, "_");

interface Route {
  title: string;
  method: string;
  url: string;
  body?: unknown;
  success: readonly number[];
}

/** Every REST route of the flagship, paired with the upstream request shape Prism accepts. */
const routes: Route[] = rest.resources.flatMap((r: { path: string; operations: Array<{ method: string; call: string }> }) =>
  r.operations.map((op) => {
    const opName = op.call.split(".")[1];
    const entry = Object.entries(METAL_REQUESTS).find(([id]) => id.toLowerCase() === opName);
    if (!entry) throw new Error(`no known Prism request for ${op.call}`);
    const req: MetalRequest = entry[1];
    const url = r.path.replace(/\{([^}]+)\}/g, (_m, name: string) =>
      encodeURIComponent(Object.entries(req.pathParams).find(([k]) => norm(k) === norm(name))![1]),
    );
    return {
      title: `${op.method} ${r.path} (${entry[0]})`,
      method: op.method,
      url: url + metalQueryString(req.query),
      body: req.body,
      success: req.success,
    };
  }),
);

function call(base: string, route: { method: string; url: string; body?: unknown }, url = route.url) {
  return fetch(`${base}${url}`, {
    method: route.method,
    headers: route.body !== undefined ? { "content-type": "application/json" } : {},
    body: route.body !== undefined ? JSON.stringify(route.body) : undefined,
  });
}

describe("flagship against Prism", () => {
  let prism: PrismHandle;
  beforeAll(async () => {
    prism = await startPrism();
    const migrated = await runCli(["migrate", FLAGSHIP, "--to", MIGRATED_VERSION, "-o", MIGRATED]);
    expect(migrated.code, migrated.stderr).toBe(0);
  });
  afterAll(async () => {
    await prism?.stop();
  });

  it("covers all 15 operations", () => {
    expect(routes).toHaveLength(15);
  });

  describe.each([
    ["as written", FLAGSHIP],
    [`migrated to ikanos ${MIGRATED_VERSION}`, MIGRATED],
  ])("%s", (_title, file) => {
    let served: ServeProcess;
    let noKey: ServeProcess;
    beforeAll(async () => {
      const args = [file, "--base-uri", `${consumesNs}=${prism.url}`, "--port", `${rest.namespace}=0`];
      for (const x of doc.capability.exposes) if (x.namespace !== rest.namespace && x.port) args.push("--port", `${x.namespace}=0`);
      [served, noKey] = await Promise.all([spawnServe(args, { EQUINIX_API_KEY: "demo-key" }), spawnServe(args, { EQUINIX_API_KEY: "" })]);
    });
    afterAll(async () => {
      await Promise.all([served?.stop(), noKey?.stop()]);
    });

    it.each(routes.map((r): [string, Route] => [r.title, r]))("%s → 2xx from Prism", async (_t, route) => {
      const res = await call(served.urls[rest.namespace], route);
      const text = await res.text();
      expect(route.success, `${res.status} ${text.slice(0, 300)}`).toContain(res.status);
    });

    it("an empty EQUINIX_API_KEY gets Prism's 401, passed through", async () => {
      const get = routes.find((r) => r.method === "GET")!;
      const res = await call(noKey.urls[rest.namespace], get);
      expect(res.status).toBe(401);
    });

    it("a bad uuid gets Prism's 422 naming the parameter, passed through", async () => {
      const get = routes.find((r) => r.method === "GET" && r.url.includes(METAL_IDS.connection))!;
      const res = await call(served.urls[rest.namespace], get, get.url.replace(METAL_IDS.connection, "not-a-uuid"));
      expect(res.status).toBe(422);
      const body = await res.text();
      expect(body).toMatch(/connection_id/);
    });

    it("the API key never reaches the runtime's logs", () => {
      expect(served.stderr()).not.toContain("demo-key");
    });
  });
});
