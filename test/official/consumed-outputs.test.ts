/**
 * A consumed operation's `outputParameters` decide what a step calling it leaves for later steps,
 * as the reference engine reads them; a lookup's `lookupValue` may be a `{{template}}`. In-process,
 * in front of a recording upstream that shows what each step sent.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { serveFiles, type Serving } from "../support/serve.js";
import { writeTree } from "../support/temp.js";
import { startRecordingUpstream, type RecordingUpstream } from "../support/recording-upstream.js";

const SHIP = { imo_number: "IMO-1", vessel_name: "Northern Star", captain: "C3", assignedCrew: ["C1", "C3"] };
const CREW = [
  { crewId: "C1", fullName: "Erik", role: "deckhand" },
  { crewId: "C3", fullName: "Lena", role: "captain" },
];

const CONSUMES = (base: string) => `
  consumes:
    - namespace: registry
      type: http
      baseUri: "${base}/api"
      resources:
        - name: ship
          path: "/ships/{{imo_number}}"
          operations:
            - name: get-ship
              method: GET
              inputParameters:
                - name: imo_number
                  in: path
              outputParameters:
                - name: imo
                  type: string
                  value: "$.imo_number"
                - name: skipper
                  type: string
                  value: "$.captain"
                - name: crew-ids
                  type: array
                  value: "$.assignedCrew"
                - name: nothing
                  type: string
                  value: "$.no_such_field"
                - name: source
                  type: string
                  value: "registry"
        - name: crew
          path: "/crew"
          operations:
            - name: list-crew
              method: GET
              inputParameters:
                - name: about
                  in: query
              outputParameters:
                - name: id
                  type: string
                  value: "$.crewId"
`;

let upstream: RecordingUpstream;
let s: Serving;

beforeAll(async () => {
  upstream = await startRecordingUpstream((req) => {
    const json = (body: unknown) => ({ headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    if (req.path === "/api/ships/IMO-1") return json(SHIP);
    if (req.path === "/api/crew") return json(CREW);
    return { status: 404, body: "{}" };
  });
  s = await serveFiles({
    "capability.yml": `naftiko: "1.0.0-alpha2"
capability:
${CONSUMES(upstream.url)}
  exposes:
    - type: rest
      port: 3002
      namespace: api
      resources:
        - path: "/ships/{{imo}}/captain"
          inputParameters:
            - name: imo
              in: path
              type: string
              description: "IMO"
          operations:
            - name: captain
              method: GET
              steps:
                - name: get-ship
                  type: call
                  call: registry.get-ship
                  with:
                    imo_number: "{{imo}}"
                - name: list-crew
                  type: call
                  call: registry.list-crew
                  with:
                    about: "{{get-ship.skipper}}"
                - name: find-captain
                  type: lookup
                  index: list-crew
                  match: id
                  lookupValue: "{{get-ship.skipper}}"
                  outputParameters:
                    - fullName
                    - role
                - name: find-crew
                  type: lookup
                  index: list-crew
                  match: crewId
                  lookupValue: "$.get-ship.crew-ids"
                  outputParameters:
                    - fullName
              mappings:
                - targetName: imo
                  value: "$.get-ship.imo"
                - targetName: rawName
                  value: "$.get-ship.vessel_name"
                - targetName: nothing
                  value: "$.get-ship.nothing"
                - targetName: source
                  value: "$.get-ship.source"
                - targetName: captain
                  value: "$.find-captain"
                - targetName: crew
                  value: "$.find-crew"
                - targetName: firstCrew
                  value: "$.list-crew[0]"
        - path: "/crew/{{who}}"
          inputParameters:
            - name: who
              in: path
              type: string
              description: "A crew id"
          operations:
            - name: one
              method: GET
              steps:
                - name: list-crew
                  type: call
                  call: registry.list-crew
                - name: pick
                  type: lookup
                  index: list-crew
                  match: crewId
                  lookupValue: "{{who}}"
                  outputParameters:
                    - fullName
`,
  });
});
afterAll(async () => {
  await s?.close();
  await upstream?.stop();
});

describe("consumed outputParameters in steps", () => {
  it("an object answer becomes the declared names only; a list keeps each element and gains them", async () => {
    const res = await fetch(`${s.url.api}/ships/IMO-1/captain`);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toEqual({
      imo: "IMO-1",
      // Not declared by get-ship's outputParameters: the step's result no longer has it.
      rawName: null,
      nothing: null,
      // A value that is not JSONPath is that text.
      source: "registry",
      captain: { fullName: "Lena", role: "captain" },
      crew: [{ fullName: "Erik" }, { fullName: "Lena" }],
      firstCrew: { crewId: "C1", fullName: "Erik", role: "deckhand", id: "C1" },
    });
  });

  it("a later step's {{step.name}} template reads the declared name", async () => {
    const before = upstream.requests.length;
    await (await fetch(`${s.url.api}/ships/IMO-1/captain`)).text();
    expect(upstream.requests.slice(before).map((r) => r.url)).toEqual(["/api/ships/IMO-1", "/api/crew?about=C3"]);
  });
});

describe("lookupValue as a template", () => {
  it("{{input}} is filled before the lookup", async () => {
    expect(await (await fetch(`${s.url.api}/crew/C3`)).json()).toEqual({ fullName: "Lena" });
    expect(await (await fetch(`${s.url.api}/crew/C9`)).json()).toBeNull();
  });

  it("a template naming no input or earlier step is refused by validate", async () => {
    const dir = writeTree({
      "capability.yml": `naftiko: "1.0.0-alpha2"
capability:
${CONSUMES("http://127.0.0.1:9")}
  exposes:
    - type: rest
      port: 3002
      namespace: api
      resources:
        - path: "/crew/{{who}}"
          inputParameters:
            - name: who
              in: path
              type: string
              description: "A crew id"
          operations:
            - name: one
              method: GET
              steps:
                - name: list-crew
                  type: call
                  call: registry.list-crew
                - name: pick
                  type: lookup
                  index: list-crew
                  match: crewId
                  lookupValue: "{{whom}}"
                  outputParameters:
                    - fullName
`,
    });
    const r = await runCli(["validate", `${dir}/capability.yml`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /capability\.yml:\d+:32 capability\.exposes\[0\]\.resources\[0\]\.operations\[0\]\.steps\[1\]\.lookupValue: "\{\{whom\}\}" names input "whom", which is not declared/,
    );
  });
});
