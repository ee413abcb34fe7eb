/**
 * The OpenAPI export: every shipped capability's document passes `redocly lint` (recommended rules,
 * 0 errors), and every route the document lists answers when called as the document describes it.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeCapability } from "../../src/describe.js";
import { openApiDocument } from "../../src/exposes/rest/openapi.js";
import type { Served } from "../../src/serve.js";
import { loadCapability } from "../../src/spec/load.js";
import { childEnv, ROOT, runCli } from "../support/cli.js";
import { startRecordingUpstream, type RecordingUpstream } from "../support/recording-upstream.js";
import { loadCases, serveAgainst, SHIPPED } from "../support/spec-cases.js";

type Json = Record<string, any>;
const OUT = path.join(ROOT, "test-output", "openapi");
const UPSTREAM_OPENAPI = "test/fixtures/upstream/metal-interconnections.openapi.yaml";
const REDOCLY = path.join(ROOT, "node_modules", "@redocly", "cli", "bin", "cli.js");

describe("OpenAPI export of every shipped capability", () => {
  it("passes redocly lint with 0 errors", async () => {
    mkdirSync(OUT, { recursive: true });
    const files: string[] = [];
    for (const file of SHIPPED) {
      const capability = await loadCapability(file);
      const { rest, runtime } = describeCapability(capability);
      await runtime.close();
      for (const { block, routes } of rest) {
        const doc = openApiDocument(capability, block, routes);
        const out = path.join(OUT, `${path.basename(file).replace(/\.naftiko\.ya?ml$/, "")}.${block.namespace}.json`);
        writeFileSync(out, JSON.stringify(doc, null, 2));
        files.push(out);
        // Never a credential: the flagship's bind appears by name nowhere, and no template survives.
        expect(JSON.stringify(doc)).not.toMatch(/\{\{|EQUINIX_API_KEY/);
      }
    }
    expect(files.length).toBeGreaterThanOrEqual(SHIPPED.length);
    // The flagship with its upstream's OpenAPI document: body and response schemas, shared parts in components.
    const withSchemas = await runCli(["openapi", "metal-interconnections.naftiko.yaml", "--format", "json", "--openapi", UPSTREAM_OPENAPI]);
    expect(withSchemas.code, withSchemas.stderr).toBe(0);
    const rich = JSON.parse(withSchemas.stdout) as Json;
    const put = rich.paths["/v1/connections/{connection-id}"].put;
    expect(Object.keys(put.requestBody.content["application/json"].schema.properties)).toContain("contact_email");
    expect(
      rich.paths["/v1/connections/{connection-id}"].get.responses["200"].content["application/json"].schema.properties.facility,
    ).toEqual({ $ref: "#/components/schemas/Facility" });
    expect(withSchemas.stdout).not.toContain("#/$defs/");
    const richFile = path.join(OUT, "metal-interconnections.with-upstream-schemas.json");
    writeFileSync(richFile, withSchemas.stdout);
    files.push(richFile);
    const lint = spawnSync(process.execPath, [REDOCLY, "lint", "--format=summary", ...files], {
      cwd: ROOT,
      encoding: "utf8",
      env: childEnv({ REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" }),
      timeout: 60_000,
    });
    const output = `${lint.stdout}\n${lint.stderr}`;
    expect(output, output).not.toMatch(/^error\s/m);
    expect(lint.status, output).toBe(0);
    expect(output).toMatch(/Your API descriptions are valid/);
  });

  it("naftiko openapi prints YAML by default and JSON with --format json; a bad format says which exist", async () => {
    const yaml = await runCli(["openapi", "metal-interconnections.naftiko.yaml"]);
    expect(yaml.code, yaml.stderr).toBe(0);
    const json = await runCli(["openapi", "metal-interconnections.naftiko.yaml", "--format", "json"]);
    expect(JSON.parse(json.stdout)).toEqual(parse(yaml.stdout));
    const doc = JSON.parse(json.stdout) as Json;
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.values(doc.paths as Json).flatMap((p) => Object.keys(p as Json))).toHaveLength(15);
    // The file's own path variables, typed parameters from the consumed operations, JSON bodies.
    const get = doc.paths["/v1/connections/{connection-id}"].get;
    expect(get.parameters[0]).toMatchObject({ name: "connection-id", in: "path", required: true, schema: { type: "string" } });
    expect(get.parameters.find((p: Json) => p.name === "include")).toMatchObject({
      in: "query",
      schema: { type: "array" },
      style: "form",
      explode: false,
    });
    expect(doc.paths["/v1/connections/{connection-id}"].put.requestBody.content["application/json"].schema.type).toBe("object");
    expect(doc.paths["/v1/projects/{project-id}/connections"].get.parameters.find((p: Json) => p.name === "per_page").schema.type).toBe(
      "integer",
    );
    const bad = await runCli(["openapi", "metal-interconnections.naftiko.yaml", "--format", "xml"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--format must be yaml or json/);
  });

  it("a REST block's authentication becomes a security scheme by kind and name, never its value", async () => {
    const capability = await loadCapability(path.join(ROOT, "metal-interconnections.naftiko.yaml"));
    const { rest, runtime } = describeCapability(capability);
    await runtime.close();
    const block = {
      ...rest[0].block,
      authentication: { type: "apikey" as const, key: "X-Api-Key", value: "{{env.EQUINIX_API_KEY}}", placement: "header" as const },
    };
    const doc = openApiDocument(capability, block, rest[0].routes) as Json;
    expect(doc.components.securitySchemes).toEqual({ apiKey: { type: "apiKey", in: "header", name: "X-Api-Key" } });
    expect(doc.security).toEqual([{ apiKey: [] }]);
    expect(JSON.stringify(doc)).not.toContain("EQUINIX_API_KEY");
    const bearer = openApiDocument(
      capability,
      { ...block, authentication: { type: "bearer", token: "sekrit-token" } },
      rest[0].routes,
    ) as Json;
    expect(bearer.components.securitySchemes).toEqual({ bearerAuth: { type: "http", scheme: "bearer" } });
    expect(JSON.stringify(bearer)).not.toContain("sekrit-token");
    const digest = openApiDocument(
      capability,
      { ...block, authentication: { type: "digest", username: "u", password: "digest-pw" } },
      rest[0].routes,
    ) as Json;
    expect(digest.components.securitySchemes).toEqual({ digestAuth: { type: "http", scheme: "digest" } });
    expect(JSON.stringify(digest)).not.toContain("digest-pw");
  });

  it("oauth2: a client credentials flow to the token endpoint (else the issuer), with the scopes every operation needs", async () => {
    const capability = await loadCapability(path.join(ROOT, "metal-interconnections.naftiko.yaml"));
    const { rest, runtime } = describeCapability(capability);
    await runtime.close();
    const oauth2 = {
      type: "oauth2" as const,
      authorizationServerUri: "https://as.example.test",
      resource: "https://api.example.test",
      scopes: ["things.read", "things.write"],
    };
    const withEndpoint = openApiDocument(
      capability,
      { ...rest[0].block, authentication: { ...oauth2, tokenEndpoint: "https://as.example.test/oauth/token" } },
      rest[0].routes,
    ) as Json;
    expect(withEndpoint.components.securitySchemes.oauth2.flows).toEqual({
      clientCredentials: {
        tokenUrl: "https://as.example.test/oauth/token",
        scopes: { "things.read": "Required by every operation", "things.write": "Required by every operation" },
      },
    });
    expect(withEndpoint.security).toEqual([{ oauth2: ["things.read", "things.write"] }]);
    const issuerOnly = openApiDocument(capability, { ...rest[0].block, authentication: oauth2 }, rest[0].routes) as Json;
    expect(issuerOnly.components.securitySchemes.oauth2.flows.clientCredentials.tokenUrl).toBe("https://as.example.test");
    expect(issuerOnly.components.securitySchemes.oauth2.description).toContain(
      "the token endpoint is the one named in the issuer's metadata",
    );
  });
});

/** A value the document's schema accepts. */
function sample(schema: Json | undefined, name: string): unknown {
  switch (schema?.type) {
    case "integer":
      return 3;
    case "number":
      return 1.5;
    case "boolean":
      return true;
    case "array":
      return ["a", "b"];
    case "object": {
      const out: Json = {};
      for (const req of (schema.required as string[] | undefined) ?? []) out[req] = sample(schema.properties?.[req], req);
      return out;
    }
    default:
      return `${name}-1`;
  }
}

/** A request built from the document alone: path variables, required query and header parameters, body. */
function requestFor(pathTemplate: string, op: Json): { url: string; init: RequestInit } {
  let url = pathTemplate;
  const query = new URLSearchParams();
  const headers: Record<string, string> = {};
  for (const p of (op.parameters ?? []) as Json[]) {
    const schema = p.schema ?? p.content?.["application/json"]?.schema;
    const v = sample(schema, p.name);
    const text = Array.isArray(v) ? v.join(",") : typeof v === "object" ? JSON.stringify(v) : String(v);
    if (p.in === "path") url = url.replace(`{${p.name}}`, encodeURIComponent(text));
    else if (p.in === "query" && p.required) query.set(p.name, text);
    else if (p.in === "header" && p.required) headers[p.name] = text;
  }
  const body = op.requestBody ? sample(op.requestBody.content["application/json"].schema, "body") : undefined;
  if (body !== undefined) headers["content-type"] = "application/json";
  const qs = query.toString();
  return { url: qs ? `${url}?${qs}` : url, init: { headers, body: body === undefined ? undefined : JSON.stringify(body) } };
}

for (const file of SHIPPED) {
  const spec = loadCases(file);
  if (spec.rest.length === 0) continue;
  describe(`every route of /openapi.json answers: ${path.relative(ROOT, file)}`, () => {
    let upstream: RecordingUpstream;
    let served: Served;
    beforeAll(async () => {
      upstream = await startRecordingUpstream();
      served = await serveAgainst(spec, upstream);
    });
    afterAll(async () => {
      await served?.close();
      await upstream?.stop();
    });
    it("each path and method in the served document reaches the upstream and answers 200", async () => {
      for (const listener of served.listeners.filter((l) => l.type === "rest")) {
        const res = await fetch(`${listener.url}/openapi.json`);
        expect(res.status).toBe(200);
        const doc = (await res.json()) as Json;
        expect(doc.servers[0].url).toBe(listener.url);
        let count = 0;
        for (const [p, item] of Object.entries(doc.paths as Json)) {
          for (const [method, op] of Object.entries(item as Json)) {
            const { url, init } = requestFor(p, op as Json);
            const before = upstream.requests.length;
            const answer = await fetch(`${listener.url}${url}`, { ...init, method: method.toUpperCase() });
            const text = await answer.text();
            expect(answer.status, `${method.toUpperCase()} ${url}: ${text}`).toBe(200);
            expect(upstream.requests.length, `${method.toUpperCase()} ${url} reached the upstream`).toBe(before + 1);
            count++;
          }
        }
        expect(count).toBe(listener.routes!.length);
      }
    });
  });
}
