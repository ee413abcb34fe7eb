/**
 * An exposed input's `value`, as the reference engine reads it: a fixed value overrides whatever the
 * caller sends (and the caller is not asked for it); `$…` reads the JSON request body.
 */
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { writeTree } from "../support/temp.js";
import { json, servedForTests } from "./harness.js";

const YAML = `naftiko: 1.0.0-alpha2
binds:
- namespace: env
  keys:
    PORTAL: PORTAL
capability:
  consumes:
  - type: http
    namespace: api
    baseUri: http://upstream.invalid/api
    resources:
    - name: ships
      path: /ships
      operations:
      - name: register
        method: POST
        inputParameters:
        - name: imo
          in: query
        - name: flag
          in: query
        - name: source
          in: query
        - name: X-Api-Version
          in: header
  exposes:
  - type: rest
    namespace: api-rest
    port: 8080
    resources:
    - path: /ships
      inputParameters:
      - name: version
        in: header
        type: integer
        description: Fixed API version
        value: "3"
      operations:
      - method: POST
        name: register
        inputParameters:
        - name: imo
          in: body
          type: string
          description: IMO number, inside the ship
          value: $.ship.imo
        - name: flag
          in: body
          type: string
          description: Flag state
        - name: source
          in: query
          type: string
          description: Where the registration comes from
          value: "{{PORTAL}}"
        call: api.register
        with:
          imo: rest.imo
          flag: rest.flag
          source: rest.source
          X-Api-Version: rest.version
`;

const rig = servedForTests(YAML, { env: { PORTAL: "harbour-portal" } });

describe("exposed input value", () => {
  it("a fixed value overrides the caller's, and $… reads the body", async () => {
    const seen = await rig.ok("/ships?source=evil", {
      method: "POST",
      headers: { "content-type": "application/json", version: "99" },
      body: JSON.stringify({ ship: { imo: "IMO-9" }, flag: "NO", imo: "not this one" }),
    });
    expect([...new URLSearchParams(seen.query)]).toEqual([
      ["imo", "IMO-9"],
      ["flag", "NO"],
      ["source", "harbour-portal"],
    ]);
    expect(seen.headers["x-api-version"]).toBe("3");
  });

  it("a $… value that finds nothing leaves the input absent", async () => {
    const seen = await rig.ok("/ships", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ flag: "SG" }),
    });
    expect([...new URLSearchParams(seen.query)]).toEqual([
      ["flag", "SG"],
      ["source", "harbour-portal"],
    ]);
  });

  it("the OpenAPI document asks for neither fixed input, and places the $… input where it is read", async () => {
    const doc = await json(await fetch(`${rig.url}/openapi.json`));
    const op = doc.paths["/ships"].post;
    expect(op.parameters).toBeUndefined();
    expect(op.requestBody.content["application/json"].schema).toEqual({
      type: "object",
      properties: {
        ship: { type: "object", properties: { imo: { type: "string", description: "IMO number, inside the ship" } } },
        flag: { type: "string", description: "Flag state" },
      },
    });
  });
});

describe("validate", () => {
  const broken = async (from: string, to: string) => {
    const dir = writeTree({ "capability.naftiko.yaml": YAML.replace(from, to) });
    return runCli(["validate", `${dir}/capability.naftiko.yaml`]);
  };

  it("refuses a $… value on an input that is not in the body", async () => {
    const r = await broken('value: "{{PORTAL}}"', "value: $.source");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /capability\.exposes\[0\]\.resources\[0\]\.operations\[0\]\.inputParameters\[2\]\.value: "\$\.source" reads the JSON request body, but input "source" is in: query; only an in: body input can take its value from the body/,
    );
  });

  it("refuses a fixed value that is not of the input's type", async () => {
    const r = await broken('value: "3"', 'value: "three"');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/inputParameters\[0\]\.value: fixed value "three" of input "version" is not an integer/);
  });
});
