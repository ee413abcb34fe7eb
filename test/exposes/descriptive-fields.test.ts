/**
 * Fields that describe a capability rather than change what it does: dates, stakeholders, tags,
 * display names and descriptions of upstream resources and operations, `semantics.cacheable`. The
 * reference engine reads them into its model and acts on none of them (its OpenAPI export keeps only
 * the title and description; `cacheable` has no MCP equivalent). Here they are carried where a user
 * sees the capability as served, `GET /config` on the control port, and in the OpenAPI document where
 * OpenAPI has a place for them; through the real CLI, in both spellings (alpha2 and Ikanos).
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { spawnServe } from "../support/cli.js";
import { mcp } from "../support/official.js";
import { startRecordingUpstream } from "../support/recording-upstream.js";
import { writeTree } from "../support/temp.js";

const ALPHA2 = `naftiko: "1.0.0-alpha2"
info:
  label: Fleet registry
  description: Ships and their crews.
  created: "2026-01-05"
  modified: "2026-02-17"
  stakeholders:
    - role: owner
      fullName: Ada Quay
      email: ada@example.org
    - role: reviewer
      fullName: Bo Harbour
capability:
  binds:
    - namespace: env
      description: Where the registry token comes from.
      keys:
        REGISTRY_TOKEN: REGISTRY_TOKEN
  consumes:
    - namespace: registry
      type: http
      description: The fleet registry API.
      baseUri: http://127.0.0.1:9/api
      resources:
        - name: ships
          label: Ships
          description: Every ship.
          path: /ships/{{imo}}
          operations:
            - name: get-ship
              label: Get a ship
              description: One ship by IMO.
              method: GET
              inputParameters:
                - name: imo
                  in: path
                  description: The ship's IMO number.
        - name: fleet
          path: /ships
          operations:
            - name: list-ships
              method: GET
  aggregates:
    - label: Ship views
      namespace: views
      functions:
        - name: ship
          description: One ship.
          semantics:
            safe: true
            cacheable: true
          inputParameters:
            - name: imo
              type: string
              description: IMO
          call: registry.get-ship
          with:
            imo: views.imo
  exposes:
    - type: control
      port: 9999
      management:
        info: true
    - type: skill
      port: 3003
      namespace: skills
      description: Skills for the fleet registry.
      skills:
        - name: fleet
          description: Fleet lookups.
    - type: rest
      port: 3002
      namespace: api
      description: The fleet API.
      resources:
        - path: /ships
          name: ships
          operations:
            - method: GET
              name: list
              description: Every ship in the registry.
              call: registry.list-ships
        - path: /ships/{{imo}}
          name: ship
          label: Ship
          description: A ship resource.
          operations:
            - method: GET
              name: get
              label: Ship by IMO
              ref: views.ship
    - type: mcp
      port: 3001
      namespace: tools
      tools:
        - name: ship
          label: Ship by IMO
          description: One ship, for agents.
          ref: views.ship
      resources:
        - name: fleet
          label: The fleet
          description: Every ship.
          uri: data://fleet
          call: registry.list-ships
      prompts:
        - name: brief
          label: Ship brief
          description: A brief on one ship.
          arguments:
            - name: imo
              label: IMO number
              description: The ship.
          template:
            - role: user
              content: Brief me on {{imo}}.
`;

// The same capability in Ikanos words, with what only Ikanos has: info.version and tags.
const BETA5 = `ikanos: "1.0.0-beta5"
info:
  display: Fleet registry
  description: Ships and their crews.
  version: "2.3.0"
  created: "2026-01-05"
  modified: "2026-02-17"
  tags: [maritime, registry]
  stakeholders:
    - role: owner
      fullName: Ada Quay
      email: ada@example.org
    - role: reviewer
      fullName: Bo Harbour
capability:
  binds:
    - namespace: env
      description: Where the registry token comes from.
      keys:
        REGISTRY_TOKEN: REGISTRY_TOKEN
  consumes:
    - namespace: registry
      type: http
      description: The fleet registry API.
      baseUri: http://127.0.0.1:9/api
      resources:
        ships:
          display: Ships
          description: Every ship.
          tags: [ships]
          path: /ships/{{imo}}
          operations:
            get-ship:
              display: Get a ship
              description: One ship by IMO.
              tags: [read]
              method: GET
              inputParameters:
                imo:
                  in: path
                  description: The ship's IMO number.
        fleet:
          path: /ships
          operations:
            list-ships:
              method: GET
  aggregates:
    - display: Ship views
      namespace: views
      flows:
        ship:
          description: One ship.
          tags: [views]
          semantics:
            safe: true
            cacheable: true
          inputParameters:
            imo:
              type: string
              description: IMO
          call: registry.get-ship
          with:
            imo: views.imo
  exposes:
    - type: control
      port: 9999
      management:
        info: true
    - type: skill
      port: 3003
      namespace: skills
      description: Skills for the fleet registry.
      skills:
        fleet:
          description: Fleet lookups.
    - type: rest
      port: 3002
      namespace: api
      description: The fleet API.
      resources:
        ships:
          path: /ships
          operations:
            list:
              method: GET
              description: Every ship in the registry.
              call: registry.list-ships
        ship:
          path: /ships/{{imo}}
          display: Ship
          description: A ship resource.
          tags: [fleet]
          operations:
            get:
              method: GET
              display: Ship by IMO
              tags: [lookups]
              ref: views.ship
    - type: mcp
      port: 3001
      namespace: tools
      tools:
        ship:
          display: Ship by IMO
          description: One ship, for agents.
          tags: [agents]
          ref: views.ship
      resources:
        fleet:
          display: The fleet
          description: Every ship.
          uri: data://fleet
          call: registry.list-ships
      prompts:
        brief:
          display: Ship brief
          description: A brief on one ship.
          arguments:
            imo:
              display: IMO number
              description: The ship.
          template:
            - role: user
              content: Brief me on {{imo}}.
`;

interface Served {
  info: Record<string, unknown>;
  binds: Array<Record<string, unknown>>;
  consumes: Array<{
    description?: string;
    resources: Array<Record<string, unknown> & { operations: Array<Record<string, unknown> & { params: Array<Record<string, unknown>> }> }>;
  }>;
  aggregates: Array<{ display?: string; flows: Array<Record<string, unknown>> }>;
  exposes: Array<{
    type: string;
    resources?: Array<Record<string, unknown> & { operations: Array<Record<string, unknown>> }>;
    tools?: Array<Record<string, unknown>>;
  }>;
}

interface Exported {
  config: Served;
  openapi: {
    info: Record<string, unknown>;
    paths: Record<string, Record<string, { tags: string[]; summary: string; description?: string }>>;
  };
  tools: Array<Record<string, unknown>>;
  resources: Array<Record<string, unknown>>;
  prompts: Array<Record<string, unknown>>;
}

/** Serves `text` with the real CLI: /config, the OpenAPI document, and the MCP block's lists. */
async function served(text: string, baseUri?: string): Promise<Exported & { get(path: string): Promise<Response> }> {
  const dir = writeTree({ "cap.yml": text });
  const retarget = baseUri ? ["--base-uri", `registry=${baseUri}`] : [];
  const ports = ["api", "tools", "skills", "control"].flatMap((ns) => ["--port", `${ns}=0`]);
  const proc = await spawnServe([path.join(dir, "cap.yml"), ...retarget, ...ports], { REGISTRY_TOKEN: "token-never-shown-7" });
  try {
    const config = (await (await fetch(`${proc.urls.control}/config`)).json()) as Served;
    const openapi = (await (await fetch(`${proc.urls.api}/openapi.json`)).json()) as Exported["openapi"];
    const base = proc.urls.tools.replace(/\/mcp$/, "");
    const list = async (method: string, field: string) =>
      (await mcp(base, method, {})).json().result[field] as Array<Record<string, unknown>>;
    const get = (p: string) => fetch(`${proc.urls.api}${p}`);
    if (baseUri) await (await get("/ships/IMO-7")).text();
    return {
      get,
      config,
      openapi,
      tools: await list("tools/list", "tools"),
      resources: await list("resources/list", "resources"),
      prompts: await list("prompts/list", "prompts"),
    };
  } finally {
    await proc.stop();
  }
}

const STAKEHOLDERS = [
  { role: "owner", fullName: "Ada Quay", email: "ada@example.org" },
  { role: "reviewer", fullName: "Bo Harbour" },
];

describe("descriptive fields, carried where a user sees the capability", () => {
  it.each([
    ["naftiko 1.0.0-alpha2", ALPHA2],
    ["ikanos 1.0.0-beta5", BETA5],
  ])("%s: /config shows the dates, stakeholders, display names, descriptions and cacheable where the file wrote them", async (_, text) => {
    const { config } = await served(text);
    expect(config.info).toMatchObject({
      display: "Fleet registry",
      created: "2026-01-05",
      modified: "2026-02-17",
      stakeholders: STAKEHOLDERS,
    });
    expect(config.binds).toEqual([expect.objectContaining({ namespace: "env", description: "Where the registry token comes from." })]);
    const consumes = config.consumes[0];
    expect(consumes.description).toBe("The fleet registry API.");
    expect(consumes.resources[0]).toMatchObject({ display: "Ships", description: "Every ship." });
    const operation = consumes.resources[0].operations[0];
    expect(operation).toMatchObject({ display: "Get a ship", description: "One ship by IMO." });
    expect(operation.params).toEqual([{ name: "imo", in: "path", description: "The ship's IMO number." }]);
    expect(config.aggregates[0].display).toBe("Ship views");
    expect(config.aggregates[0].flows[0].semantics).toEqual({ safe: true, cacheable: true });
    const rest = config.exposes.find((b) => b.type === "rest")!;
    expect(rest.resources![1]).toMatchObject({ display: "Ship", description: "A ship resource." });
    // The reference engine serves no skill block description (only each skill's): it is the file's documentation.
    expect(config.exposes.find((b) => b.type === "skill")).toMatchObject({ description: "Skills for the fleet registry." });
  });

  it.each([
    ["naftiko 1.0.0-alpha2 label", ALPHA2],
    ["ikanos 1.0.0-beta5 display", BETA5],
  ])(
    "%s: a tool's, a resource's, a prompt's and its argument's is their MCP title, an operation's its OpenAPI summary",
    async (_, text) => {
      const { openapi, tools, resources, prompts } = await served(text);
      expect(tools[0]).toMatchObject({ name: "ship", title: "Ship by IMO", description: "One ship, for agents." });
      expect(resources).toEqual([expect.objectContaining({ name: "fleet", title: "The fleet", uri: "data://fleet" })]);
      expect(prompts).toEqual([
        expect.objectContaining({
          name: "brief",
          title: "Ship brief",
          arguments: [{ name: "imo", title: "IMO number", description: "The ship.", required: true }],
        }),
      ]);
      expect(openapi.paths["/ships/{imo}"].get.summary).toBe("Ship by IMO");
      // The operation says nothing more: its description is the flow's it refers to.
      expect(openapi.paths["/ships/{imo}"].get.description).toBe("One ship.");
      // Without a display name, an operation's description is its summary; a block's is the API's description.
      expect(openapi.paths["/ships"].get.summary).toBe("Every ship in the registry.");
      expect(openapi.info.description).toBe("Ships and their crews.\n\nThe fleet API.");
    },
  );

  it.each([
    ["naftiko 1.0.0-alpha2", ALPHA2],
    ["ikanos 1.0.0-beta5", BETA5],
  ])("%s: the operation that refers to the flow calls upstream through the flow's call and with", async (_, text) => {
    const upstream = await startRecordingUpstream();
    try {
      await served(text, upstream.url);
      expect(upstream.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /ships/IMO-7"]);
    } finally {
      await upstream.stop();
    }
  });

  it("alpha2 has no info.version: the OpenAPI document's version is the date the file was last modified", async () => {
    const { openapi } = await served(ALPHA2);
    expect(openapi.info).toMatchObject({ title: "Fleet registry", version: "2026-02-17" });
  });

  it("ikanos: info.version and every tags list are carried; an operation's own tags (over its flow's) tag it in the OpenAPI document, after its block", async () => {
    const { config, openapi } = await served(BETA5);
    expect(config.info).toMatchObject({ version: "2.3.0", tags: ["maritime", "registry"] });
    expect(config.consumes[0].resources[0].tags).toEqual(["ships"]);
    expect(config.consumes[0].resources[0].operations[0].tags).toEqual(["read"]);
    expect(config.aggregates[0].flows[0].tags).toEqual(["views"]);
    const rest = config.exposes.find((b) => b.type === "rest")!;
    expect(rest.resources![1].tags).toEqual(["fleet"]);
    expect(config.exposes.find((b) => b.type === "mcp")!.tools![0].tags).toEqual(["agents"]);
    expect(openapi.info.version).toBe("2.3.0");
    expect(openapi.paths["/ships/{imo}"].get.tags).toEqual(["api", "lookups"]);
  });
});
