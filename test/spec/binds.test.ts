/**
 * Binds: values from the environment and from `file:///` locations (JSON, YAML, .env), visible as
 * `{{VAR}}` and `{{namespace.VAR}}` in authentication and parameter values. Checked on what a real
 * upstream receives; failures must name the variable and file and never print a value.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveBinds } from "../../src/spec/binds.js";
import { serveYaml } from "../support/serve.js";
import { writeTree } from "../support/temp.js";
import { startUpstream, type Upstream } from "../rest/harness.js";

/** A capability whose one GET sends the bound values as bearer token, header and query. */
function capability(binds: string): string {
  return `naftiko: 1.0.0-alpha2
info:
  label: Binds
  description: Binds test
binds:
${binds}
capability:
  consumes:
  - type: http
    namespace: api
    baseUri: http://upstream.invalid/v1
    authentication:
      type: bearer
      token: "{{TOKEN}}"
    resources:
    - name: things
      path: /things
      operations:
      - name: list-things
        method: GET
        inputParameters:
        - name: X-Version
          in: header
          value: "{{VERSION}}"
        - name: tenant
          in: query
          value: "t-{{creds.TENANT}}"
  exposes:
  - type: rest
    namespace: api-rest
    port: 8080
    resources:
    - path: /things
      operations:
      - method: GET
        call: api.list-things
        outputParameters:
        - type: object
          mapping: $.
`;
}

const FILE_BINDS = (location: string) => `- namespace: creds
  location: "${location}"
  keys:
    TOKEN: api-token
    VERSION: api-version
    TENANT: tenant-id`;

let upstream: Upstream;
beforeAll(async () => {
  upstream = await startUpstream();
});
afterAll(() => upstream.stop());

/** Serves `yaml`, makes one call, returns what the upstream saw. */
async function oneCall(yaml: string, files: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}) {
  const running = await serveYaml(yaml, { upstream: upstream.url, files, env });
  try {
    const before = upstream.requests.length;
    const res = await fetch(`${running.rest}/things`);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(upstream.requests.length).toBe(before + 1);
    return upstream.requests[before];
  } finally {
    await running.close();
  }
}

function expectBound(seen: { headers: Record<string, unknown>; query: string }, token: string, version: string, tenant: string) {
  expect(seen.headers.authorization).toBe(`Bearer ${token}`);
  expect(seen.headers["x-version"]).toBe(version);
  expect(new URLSearchParams(seen.query).get("tenant")).toBe(`t-${tenant}`);
}

describe("bind sources", () => {
  it("reads environment variables (no location)", async () => {
    const yaml = capability(`- namespace: creds
  keys:
    TOKEN: MY_TOKEN
    VERSION: MY_VERSION
    TENANT: MY_TENANT`);
    const seen = await oneCall(yaml, {}, { MY_TOKEN: "env-token-1", MY_VERSION: "2024-01", MY_TENANT: "acme" });
    expectBound(seen, "env-token-1", "2024-01", "acme");
  });

  it("reads a JSON file at an absolute file:/// location", async () => {
    const dir = writeTree({ "secrets.json": JSON.stringify({ "api-token": "json-token", "api-version": "v9", "tenant-id": "j1" }) });
    const seen = await oneCall(capability(FILE_BINDS(`file://${path.join(dir, "secrets.json")}`)));
    expectBound(seen, "json-token", "v9", "j1");
  });

  it("reads a YAML file at the tutorial's relative file:///./shared/… location (relative to the capability file)", async () => {
    const files = { "shared/secrets.yaml": 'api-token: "yaml-token"\napi-version: "1.0.0-alpha2"\ntenant-id: y1\n' };
    const seen = await oneCall(capability(FILE_BINDS("file:///./shared/secrets.yaml")), files);
    expectBound(seen, "yaml-token", "1.0.0-alpha2", "y1");
  });

  it("reads a .env file", async () => {
    const files = { "conf/app.env": '# comment\napi-token=env-file-token\napi-version="v 2"\ntenant-id=e1\n' };
    const seen = await oneCall(capability(FILE_BINDS("file:///./conf/app.env")), files);
    expectBound(seen, "env-file-token", "v 2", "e1");
  });

  it("makes a value visible as {{namespace.VAR}} too", () => {
    const values = resolveBinds([{ namespace: "env", keys: { EQUINIX_API_KEY: "K" }, file: "/x/cap.yaml" }], "/x/cap.yaml", { K: "v" });
    expect(values.get("EQUINIX_API_KEY")).toBe("v");
    expect(values.get("env.EQUINIX_API_KEY")).toBe("v");
  });

  it("fills {{namespace.VAR}} in an auth value", async () => {
    const yaml = capability(`- namespace: creds
  keys:
    TOKEN: MY_TOKEN
    VERSION: MY_VERSION
    TENANT: MY_TENANT`).replace('token: "{{TOKEN}}"', 'token: "{{creds.TOKEN}}"');
    const seen = await oneCall(yaml, {}, { MY_TOKEN: "qualified-token", MY_VERSION: "1", MY_TENANT: "q" });
    expectBound(seen, "qualified-token", "1", "q");
  });
});

describe("bind failures", () => {
  const SECRET = "planted-secret-value-91f3";

  it("a missing environment variable stops serve, naming the variable and the file, printing no value", async () => {
    const yaml = capability(`- namespace: creds
  keys:
    TOKEN: MY_TOKEN
    VERSION: MY_VERSION
    TENANT: MY_TENANT`);
    const err = await serveYaml(yaml, { upstream: upstream.url, env: { MY_TOKEN: SECRET, MY_VERSION: "v1-other-value" } }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toContain("TENANT");
    expect(err!.message).toContain("MY_TENANT");
    expect(err!.message).toContain("capability.naftiko.yaml");
    expect(err!.message).not.toContain(SECRET);
    expect(err!.message).not.toContain("v1-other-value");
  });

  it("a key missing from a bind file names the variable, the key and the file, printing no value", async () => {
    const files = { "shared/secrets.yaml": `api-token: "${SECRET}"\napi-version: "v-other-value"\n` };
    const err = await serveYaml(capability(FILE_BINDS("file:///./shared/secrets.yaml")), { upstream: upstream.url, files }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err!.message).toContain("TENANT");
    expect(err!.message).toContain("tenant-id");
    expect(err!.message).toContain("secrets.yaml");
    expect(err!.message).toContain("capability.naftiko.yaml");
    expect(err!.message).not.toContain(SECRET);
    expect(err!.message).not.toContain("v-other-value");
  });

  it.each([
    ["secrets.json", `{"api-token": "${SECRET}", "api-version": `],
    ["secrets.yaml", `api-token: "${SECRET}\napi-version: [unclosed ${SECRET}\n`],
    ["secrets.yaml", `- ${SECRET}\n- second\n`],
  ])("a bind file %s that does not parse is an error that shows none of its content", async (name, text) => {
    const err = await serveYaml(capability(FILE_BINDS(`file:///./${name}`)), { upstream: upstream.url, files: { [name]: text } }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toContain(name);
    expect(err!.message).not.toContain(SECRET);
    expect(err!.message).not.toContain("api-version");
  });

  it("an unreadable bind file names the file", async () => {
    const err = await serveYaml(capability(FILE_BINDS("file:///./nope/secrets.yaml")), { upstream: upstream.url }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err!.message).toMatch(/nope[/\\]secrets\.yaml/);
    expect(err!.message).toContain("ENOENT");
  });
});
