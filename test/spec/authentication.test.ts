/**
 * `naftiko validate` on authentication the schema accepts but the runtime cannot honour: each is
 * refused with file:line:col and its path, `serve` refuses the same file the same way, and the
 * settings that work pass.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, runCli } from "../support/cli.js";
import { writeTree } from "../support/temp.js";

const resources = `
      resources:
        - name: things
          path: /things
          operations:
            - name: list
              method: GET`;
const routes = `
      resources:
        - path: /things
          operations:
            - method: GET
              call: good.list`;

const consumes = (ns: string, auth: string) => `
    - namespace: ${ns}
      type: http
      baseUri: https://api.example.test/${ns}
      authentication:
${auth}${resources}`;

let port = 3000;
const rest = (ns: string, auth: string) => `
    - type: rest
      port: ${port++}
      namespace: ${ns}
      authentication:
${auth}${routes}`;

const GOOD = `naftiko: "1.0.0-alpha2"
capability:
  consumes:${consumes(
    "good",
    `        type: oauth2
        authorizationServerUri: https://as.example.test
        resource: https://api.example.test
        clientId: "{{CLIENT_ID}}"
        clientSecret: "{{CLIENT_SECRET}}"
        tokenEndpointAuthMethod: client_secret_post`,
  )}
  exposes:${rest(
    "jwt",
    `        type: oauth2
        authorizationServerUri: https://as.example.test
        resource: https://front.example.test
        tokenValidation: jwks
        scopes: [things.read]`,
  )}${rest("digest", `        type: digest\n        username: "{{USER}}"\n        password: "{{PASS}}"`)}
`;

const BAD = `naftiko: "1.0.0-alpha2"
capability:
  consumes:${consumes(
    "good",
    `        type: oauth2
        authorizationServerUri: https://as.example.test
        resource: https://api.example.test
        tokenValidation: jwks
        clientId: "{{CLIENT_ID}}"
        clientSecret: "{{CLIENT_SECRET}}"`,
  )}${consumes(
    "noclient",
    `        type: oauth2
        authorizationServerUri: http://as.example.test
        resource: https://api.example.test
        clientId: ""`,
  )}
    - import: shared
      location: ./shared.yaml
  exposes:${rest(
    "introspect",
    `        type: oauth2
        authorizationServerUri: https://as.example.test
        resource: https://front.example.test
        tokenValidation: introspection
        clientSecret: "{{CLIENT_SECRET}}"`,
  )}${rest("digest", `        type: digest\n        username: "{{USER}}"`)}${rest("bearer", `        type: bearer\n        token: ""`)}
`;

const SHARED = `naftiko: "1.0.0-alpha2"
consumes:${consumes("shared", `        type: oauth2\n        authorizationServerUri: https://as.example.test\n        resource: https://api.example.test`)}
`;

/**
 * `line:col` of the first `key: value` line containing `needle` after `after`: the value's column
 * (a field's problem), or with `object` the line's first (the object that field starts).
 */
function at(text: string, needle: string, after = "", object = false): string {
  const from = after ? text.indexOf(after) : 0;
  const i = text.indexOf(needle, from);
  const line = text.slice(0, i).split("\n").length;
  const lineText = text.split("\n")[line - 1];
  const col = object ? lineText.search(/\S/) + 1 : lineText.indexOf(": ") + 3;
  return `${line}:${col}`;
}

describe("validate refuses authentication the runtime cannot honour", () => {
  const dir = writeTree({ "good.yml": GOOD, "bad.yml": BAD, "shared.yaml": SHARED });

  it("passes oauth2 (resource server and client credentials) and digest set up as they work", async () => {
    const r = await runCli(["validate", path.join(dir, "good.yml")]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("lists every problem with its position and path; serve refuses the same file", async () => {
    const file = path.join(dir, "bad.yml");
    const r = await runCli(["validate", file]);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split("\n");
    // The CLI names an imported file relative to its working directory, the project root.
    const shared = path.relative(ROOT, path.join(dir, "shared.yaml"));
    expect(lines.sort()).toEqual(
      [
        `${file}:${at(BAD, "tokenValidation: jwks")} capability.consumes[0].authentication.tokenValidation: tokenValidation says how an exposes block checks incoming tokens; a consumes block requests tokens and checks none`,
        `${file}:${at(BAD, 'clientId: ""')} capability.consumes[1].authentication.clientId: clientId is required: oauth2 on a consumes block gets its tokens with the client credentials grant`,
        `${file}:${at(BAD, "type: oauth2", "namespace: noclient", true)} capability.consumes[1].authentication: clientSecret is required: oauth2 on a consumes block gets its tokens with the client credentials grant`,
        `${file}:${at(BAD, "http://as.example.test")} capability.consumes[1].authentication.authorizationServerUri: warning: http://as.example.test is plain HTTP: the client secret and tokens travel unprotected; use https`,
        `${file}:${at(BAD, "tokenValidation: introspection")} capability.exposes[0].authentication.tokenValidation: tokenValidation introspection is not supported: an introspection endpoint (RFC 7662) wants the resource server's own credentials, which this authentication has no field for; use jwks (signed JWTs checked against the issuer's keys)`,
        `${file}:${at(BAD, "clientSecret", "namespace: introspect")} capability.exposes[0].authentication.clientSecret: clientSecret belongs on a consumes block (it requests tokens); an exposes block only checks them`,
        `${file}:${at(BAD, "type: digest", "", true)} capability.exposes[1].authentication: password is required: without it the server would let anyone in`,
        `${file}:${at(BAD, 'token: ""')} capability.exposes[2].authentication.token: token is empty: without it the server would let anyone in`,
        `${shared}:${at(SHARED, "type: oauth2", "", true)} consumes[0].authentication: clientId is required: oauth2 on a consumes block gets its tokens with the client credentials grant`,
        `${shared}:${at(SHARED, "type: oauth2", "", true)} consumes[0].authentication: clientSecret is required: oauth2 on a consumes block gets its tokens with the client credentials grant`,
      ].sort(),
    );
    const served = await runCli(["serve", file], {}, 20_000);
    expect(served.code).toBe(1);
    expect(served.stderr).toContain("tokenValidation introspection is not supported");
    expect(served.stderr).toContain("clientSecret is required");
  });
});
