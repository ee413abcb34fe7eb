/**
 * A consumed path variable nothing feeds is an authoring error found by `naftiko validate` (and so
 * refused by `serve`) at the path's file:line:col, never a 400 blaming the caller on every request.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { tempDir } from "../support/temp.js";

const dir = tempDir("naftiko-feeds-");
function write(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

const lineOf = (text: string, needle: string, nth = 1) => {
  let at = -1;
  for (let i = 0; i < nth; i++) at = text.indexOf(needle, at + 1);
  return text.slice(0, at).split("\n").length;
};

/** The tutorial's registry, with the path variable and the parameter spelled as each test needs. */
function registry(pathVariable: string, extra = "") {
  return `naftiko: "1.0.0-alpha2"
binds:
  - namespace: env
    keys:
      TENANT: TENANT
capability:
  consumes:
    - namespace: registry
      type: http
      baseUri: "https://registry.example.com/v1"
      resources:
        - name: ship
          path: "/ships/{{${pathVariable}}}"
          operations:
            - name: get-ship
              method: GET
              inputParameters:
                - name: imo_number
                  in: path
  exposes:
    - type: mcp
      port: 3001
      namespace: tools
      tools:
        - name: get-ship
          description: "A ship by IMO number"
          inputParameters:
            - name: imo
              type: string
              description: "IMO number"
          call: registry.get-ship
          with:
            imo_number: tools.imo
${extra}`;
}

async function validate(text: string, name: string) {
  const file = write(name, text);
  const r = await runCli(["validate", file]);
  return { file, code: r.code, lines: r.stderr.trim().split("\n").filter(Boolean), stdout: r.stdout };
}

describe("consumed path variables", () => {
  it("a variable no parameter, bind or with feeds is refused where the path is written", async () => {
    const text = registry("imo_nmber");
    const r = await validate(text, "typo.yaml");
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `${r.file}:${lineOf(text, 'path: "/ships')}:17 capability.consumes[0].resources[0].path: path variable {imo_nmber} of registry.get-ship is fed by nothing: no path parameter of that name (path parameters: imo_number), no bound variable, no with of a call`,
    ]);
  });

  it("serve refuses the same file before listening, with the same message", async () => {
    const file = write("typo-serve.yaml", registry("imo_nmber"));
    const r = await runCli(["serve", file, "--port", "tools=0"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("path variable {imo_nmber} of registry.get-ship is fed by nothing");
    expect(r.stderr).not.toContain("listening");
  });

  it("a variable declared as a path parameter is fed", async () => {
    expect((await validate(registry("imo_number"), "declared.yaml")).code).toBe(0);
  });

  it("a variable that is a bound variable is fed", async () => {
    const text = registry("imo_number").replace('path: "/ships/{{imo_number}}"', 'path: "/tenants/{{TENANT}}/ships/{{imo_number}}"');
    const r = await validate(text, "bound.yaml");
    expect(r.lines).toEqual([]);
    expect(r.code).toBe(0);
  });

  it("an undeclared variable every call feeds through with is fed", async () => {
    const text = registry("imo_number")
      .replace('path: "/ships/{{imo_number}}"', 'path: "/fleets/{{fleet}}/ships/{{imo_number}}"')
      .replace(
        "          with:\n            imo_number: tools.imo\n",
        "          with:\n            imo_number: tools.imo\n            fleet: north\n",
      );
    const r = await validate(text, "with.yaml");
    expect(r.lines).toEqual([]);
    expect(r.code).toBe(0);
  });

  it("an operation nothing calls is not checked (a forward-only block lists one for form's sake)", async () => {
    const text = registry("imo_number").replace(
      "  exposes:\n",
      `    - namespace: notion
      type: http
      baseUri: "https://api.notion.com/v1"
      resources:
        - name: all
          path: "/{path}"
          operations:
            - name: any
              method: GET
  exposes:
    - type: rest
      port: 3002
      namespace: proxy
      resources:
        - path: "/notion/{path}"
          forward:
            targetNamespace: notion
            trustedHeaders:
              - Notion-Version
`,
    );
    const r = await validate(text, "forward-only.yaml");
    expect(r.lines).toEqual([]);
    expect(r.code).toBe(0);
  });

  it("when some calls feed it and one does not, that call is named", async () => {
    const second = `        - name: get-ship-again
          description: "The same ship"
          inputParameters:
            - name: imo
              type: string
              description: "IMO number"
          call: registry.get-ship
          with:
            imo_number: tools.imo
`;
    const text = registry("imo_number", second)
      .replace('path: "/ships/{{imo_number}}"', 'path: "/fleets/{{fleet}}/ships/{{imo_number}}"')
      .replace(
        "          with:\n            imo_number: tools.imo\n",
        "          with:\n            imo_number: tools.imo\n            fleet: north\n",
      );
    const r = await validate(text, "mixed.yaml");
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `${r.file}:${lineOf(text, "imo_number: tools.imo", 2)}:13 capability.exposes[0].tools[1].with: path variable {fleet} of registry.get-ship is fed by nothing here: add "fleet" to with`,
    ]);
  });
});
