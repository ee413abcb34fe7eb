/**
 * `steps` (call, lookup), `mappings` and aggregates (`ref`, `semantics` → MCP hints), in-process
 * against a small fake registry, over REST and MCP.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callTool, mcp } from "../support/official.js";
import { serveFiles, type Serving } from "../support/serve.js";
import { startRecordingUpstream, type RecordingUpstream } from "../support/recording-upstream.js";

const SHIPS = [
  { imo_number: "IMO-1", vessel_name: "Northern Star", assignedCrew: ["C1", "C3", "C9"] },
  { imo_number: "IMO-2", vessel_name: "Blue Whale", assignedCrew: [] },
];
const CREW = [
  { crewId: "C1", fullName: "Erik", role: "captain", salary: 1 },
  { crewId: "C2", fullName: "Aiko", role: "cook", salary: 2 },
  { crewId: "C3", fullName: "Lena", role: "engineer", salary: 3 },
];

let upstream: RecordingUpstream;
let s: Serving;

beforeAll(async () => {
  upstream = await startRecordingUpstream((req) => {
    const json = (status: number, body: unknown) => ({
      status,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const m = /^\/api\/ships\/([^/]+)$/.exec(req.path);
    if (m) {
      const ship = SHIPS.find((x) => x.imo_number === decodeURIComponent(m[1]));
      return ship ? json(200, ship) : json(404, { error: "no such ship" });
    }
    if (req.path === "/api/ships") return json(200, SHIPS);
    if (req.path === "/api/crew") return json(200, CREW);
    return json(404, {});
  });
  const steps = `
          steps:
            - name: get-ship
              type: call
              call: registry.get-ship
              with:
                imo_number: "{{imo}}"
            - name: list-crew
              type: call
              call: registry.list-crew
            - name: resolve-crew
              type: lookup
              index: list-crew
              match: crewId
              lookupValue: "$.get-ship.assignedCrew"
              outputParameters:
                - fullName
                - role
            - name: list-ships
              type: call
              call: registry.list-ships
            - name: same-ship
              type: lookup
              index: list-ships
              match: imo
              lookupValue: "$.get-ship.imo_number"
              outputParameters:
                - vessel_name
          mappings:
            - targetName: imo
              value: "$.get-ship.imo_number"
            - targetName: ship.name
              value: "$.get-ship.vessel_name"
            - targetName: ship.again
              value: "$.same-ship.vessel_name"
            - targetName: crew
              value: "$.resolve-crew"
            - targetName: crewCount
              value: "$.get-ship.assignedCrew.length"
          outputParameters:
            - name: imo
              type: string
            - name: ship
              type: object
              properties:
                name:
                  name: name
                  type: string
                again:
                  name: again
                  type: string
                missing:
                  name: missing
                  type: string
            - name: crew
              type: array
              items:
                - name: fullName
                  type: string
                - name: role
                  type: string
            - name: absent
              type: string
`;
  s = await serveFiles({
    "capability.yml": `naftiko: "1.0.0-alpha2"
capability:
  consumes:
    - namespace: registry
      type: http
      baseUri: "${upstream.url}/api"
      resources:
        - name: ship
          path: "/ships/{{imo_number}}"
          operations:
            - name: get-ship
              method: GET
              inputParameters:
                - name: imo_number
                  in: path
        - name: ships
          path: "/ships"
          operations:
            - name: list-ships
              method: GET
              outputParameters:
                - name: imo
                  type: string
                  value: "$.imo_number"
        - name: crew
          path: "/crew"
          operations:
            - name: list-crew
              method: GET
  aggregates:
    - label: Crew resolver
      namespace: crew-resolver
      functions:
        - name: ship-with-crew
          description: "Ship with its crew"
          semantics:
            safe: true
            idempotent: true
            cacheable: true
          inputParameters:
            - name: imo
              type: string
              description: "IMO"
${steps}
        - name: one-ship
          description: "One ship, one call"
          inputParameters:
            - name: imo
              type: string
              description: "IMO"
          call: registry.get-ship
          with:
            imo_number: crew-resolver.imo
  exposes:
    - type: mcp
      port: 3001
      namespace: tools
      tools:
        - name: one-ship
          description: "One ship (aggregate, one call)"
          ref: crew-resolver.one-ship
        - name: ship-with-crew
          description: "Ship with its crew (aggregate)"
          ref: crew-resolver.ship-with-crew
        - name: inline
          description: "Ship with its crew (inline steps)"
          inputParameters:
            - name: imo
              type: string
              description: "IMO"
${steps}
        - name: plain
          description: "A plain write call"
          call: registry.list-crew
          hints:
            readOnly: false
            destructive: true
            idempotent: false
            openWorld: false
    - type: rest
      port: 3002
      namespace: api
      resources:
        - name: ship-crew
          path: "/ships/{{imo}}/crew"
          operations:
            - name: ship-with-crew
              method: GET
              inputParameters:
                - name: imo
                  in: path
                  type: string
                  description: "IMO"
${steps.replace(/^ {10}/gm, "              ")}
        - name: by-ref
          path: "/ref/{{imo}}"
          operations:
            - method: GET
              ref: crew-resolver.ship-with-crew
        - name: one-ship
          path: "/one/{{imo}}"
          operations:
            - method: GET
              ref: crew-resolver.one-ship
`,
  });
});
afterAll(async () => {
  await s?.close();
  await upstream?.stop();
});

const EXPECTED = {
  imo: "IMO-1",
  ship: { name: "Northern Star", again: "Northern Star", missing: null },
  crew: [
    { fullName: "Erik", role: "captain" },
    { fullName: "Lena", role: "engineer" },
  ],
  absent: null,
};

describe("steps, lookup and mappings", () => {
  it("REST: calls in order, a list lookup keeps matches only and the asked fields, dot targets nest, declared fields are always there", async () => {
    const before = upstream.requests.length;
    const res = await fetch(`${s.url.api}/ships/IMO-1/crew`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(EXPECTED);
    expect(upstream.requests.slice(before).map((r) => r.url)).toEqual(["/api/ships/IMO-1", "/api/crew", "/api/ships"]);
  });

  it("MCP: the same with inline steps", async () => {
    const r = await callTool(s.url.tools, "inline", { imo: "IMO-1" });
    expect(r.isError).toBe(false);
    expect(r.value).toEqual(EXPECTED);
  });

  it("a scalar lookup with no match is null; an empty list gives an empty list", async () => {
    const res = await fetch(`${s.url.api}/ships/IMO-2/crew`);
    expect(await res.json()).toEqual({
      imo: "IMO-2",
      ship: { name: "Blue Whale", again: "Blue Whale", missing: null },
      crew: [],
      absent: null,
    });
  });

  it("an upstream error in a step stops the run: REST passes the status, MCP is a tool error", async () => {
    const before = upstream.requests.length;
    const res = await fetch(`${s.url.api}/ships/IMO-404/crew`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "no such ship" });
    expect(upstream.requests.length - before).toBe(1);
    const r = await callTool(s.url.tools, "inline", { imo: "IMO-404" });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/404/);
  });
});

describe("aggregates", () => {
  it("ref inherits inputs, steps, mappings and outputs (MCP and REST)", async () => {
    const r = await callTool(s.url.tools, "ship-with-crew", { imo: "IMO-1" });
    expect(r.value).toEqual(EXPECTED);
    expect(await (await fetch(`${s.url.api}/ref/IMO-1`)).json()).toEqual(EXPECTED);
  });

  it("ref to a function that is one call: the call goes upstream with the function's with (MCP and REST)", async () => {
    const before = upstream.requests.length;
    const r = await callTool(s.url.tools, "one-ship", { imo: "IMO-1" });
    expect(r.isError, r.text).toBe(false);
    expect(r.value).toMatchObject({ imo_number: "IMO-1", vessel_name: "Northern Star" });
    expect(await (await fetch(`${s.url.api}/one/IMO-1`)).json()).toMatchObject({ imo_number: "IMO-1" });
    expect(upstream.requests.slice(before).map((q) => q.path)).toEqual(["/api/ships/IMO-1", "/api/ships/IMO-1"]);
  });

  it("semantics become MCP hints: safe → readOnly (not destructive), idempotent → idempotent; a tool's own hints (openWorld too) stay", async () => {
    const tools = (await mcp(s.url.tools, "tools/list", {})).json().result.tools as Array<{
      name: string;
      inputSchema: { required?: string[] };
      annotations: Record<string, unknown>;
    }>;
    const agg = tools.find((t) => t.name === "ship-with-crew")!;
    // cacheable has no MCP equivalent: it adds nothing to the four hints.
    expect(agg.annotations).toEqual({ readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true });
    expect(agg.inputSchema.required).toEqual(["imo"]);
    const plain = tools.find((t) => t.name === "plain")!;
    // openWorld: false says the tool reaches no open world (the default for a unit that calls upstream is true).
    expect(plain.annotations).toEqual({ readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false });
  });
});

describe("timeouts", () => {
  it("the call timeout bounds the whole run of steps, not each step", async () => {
    const slow = await startRecordingUpstream(() => ({ delay: 300, headers: { "content-type": "application/json" }, body: "{}" }));
    const t = await serveFiles(
      {
        "capability.yml": `naftiko: "1.0.0-alpha2"
capability:
  consumes:
    - namespace: up
      type: http
      baseUri: "${slow.url}"
      resources:
        - name: r
          path: /x
          operations:
            - name: get
              method: GET
  exposes:
    - type: rest
      port: 3002
      namespace: api
      resources:
        - path: /both
          operations:
            - name: both
              method: GET
              steps:
                - name: one
                  type: call
                  call: up.get
                - name: two
                  type: call
                  call: up.get
              mappings:
                - targetName: a
                  value: "$.one"
`,
      },
      { callTimeout: 500 },
    );
    try {
      const res = await fetch(`${t.url.api}/both`);
      expect(res.status).toBe(504);
      expect(((await res.json()) as { error: string }).error).toBe("upstream_timeout");
    } finally {
      await t.close();
      await slow.stop();
    }
  });
});
