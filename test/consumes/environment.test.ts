/**
 * Consumed `inputParameters` with `in: environment`: read from the environment into the templates of
 * the operations that declare them (path, headers, authentication), never sent as themselves, never
 * asked of callers, never echoed back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { serveYaml, type Serving } from "../support/serve.js";
import { writeTree } from "../support/temp.js";
import { json, startUpstream, type Upstream } from "../rest/harness.js";

const YAML = `naftiko: 1.0.0-alpha2
binds:
- namespace: env
  keys:
    TENANT: TENANT
capability:
  consumes:
  - type: http
    namespace: api
    baseUri: http://upstream.invalid/api
    inputParameters:
    - name: API_TOKEN
      in: environment
    authentication:
      type: bearer
      token: "{{API_TOKEN}}"
    resources:
    - name: items
      path: /tenants/{{TENANT_ID}}/items
      operations:
      - name: list-items
        method: GET
        inputParameters:
        - name: REGION
          in: environment
        - name: TENANT_ID
          in: environment
          value: "{{env.TENANT}}"
        - name: X-Region
          in: header
          value: "{{REGION}}"
        - name: q
          in: query
          type: string
  exposes:
  - type: rest
    namespace: api-rest
    port: 8080
    resources:
    - path: /items
      operations:
      - method: GET
        call: api.list-items
        with:
          q: rest.q
`;

const ENV = { API_TOKEN: "tok-environment-123", REGION: "eu-west", TENANT: "acme" };

let upstream: Upstream;
let running: Serving;
beforeAll(async () => {
  upstream = await startUpstream((req) =>
    req.query.includes("echo")
      ? { status: 401, body: JSON.stringify({ error: `bad token ${String(req.headers.authorization)}` }) }
      : { body: "[]" },
  );
  running = await serveYaml(YAML, { upstream: upstream.url, env: ENV });
});
afterAll(async () => {
  await running?.close();
  await upstream?.stop();
});

describe("in: environment", () => {
  it("fills the path, a header and the authentication, and is never sent itself", async () => {
    const res = await fetch(`${running.rest}/items?q=boats`);
    expect(res.status, await res.clone().text()).toBe(200);
    const seen = upstream.requests.at(-1)!;
    expect(seen.path).toBe("/api/tenants/acme/items");
    expect(seen.query).toBe("q=boats");
    expect(seen.headers.authorization).toBe("Bearer tok-environment-123");
    expect(seen.headers["x-region"]).toBe("eu-west");
    for (const name of ["api_token", "region", "tenant_id"]) expect(seen.headers[name]).toBeUndefined();
  });

  it("is not an input a caller is asked for", async () => {
    const doc = await json(await fetch(`${running.rest}/openapi.json`));
    const names = (doc.paths["/items"].get.parameters as Array<{ name: string }>).map((p) => p.name);
    expect(names).toEqual(["q"]);
  });

  it("a caller cannot set it: a query parameter of the same name is not used", async () => {
    await (await fetch(`${running.rest}/items?API_TOKEN=mine&REGION=evil`)).text();
    const seen = upstream.requests.at(-1)!;
    expect(seen.headers.authorization).toBe("Bearer tok-environment-123");
    expect(seen.headers["x-region"]).toBe("eu-west");
    expect(seen.query).toBe("");
  });

  it("a value an upstream echoes back is redacted", async () => {
    const res = await fetch(`${running.rest}/items?q=echo`);
    expect(res.status).toBe(401);
    const text = await res.text();
    expect(text).not.toContain(ENV.API_TOKEN);
    expect(text).toContain("[REDACTED]");
  });

  it("a missing variable stops serve with its name, before anything listens", async () => {
    const dir = writeTree({ "capability.naftiko.yaml": YAML });
    const r = await runCli(["serve", `${dir}/capability.naftiko.yaml`, "--port", "api-rest=0"], { TENANT: "acme", REGION: "x" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("missing environment input (in: environment): API_TOKEN (set the environment variable API_TOKEN");
    expect(r.stderr).not.toContain("listening");
  });
});
