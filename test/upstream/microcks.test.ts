import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMicrocks, type MockUpstream } from "../support/microcks.js";
import { tempDir } from "../support/temp.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const upstreamDir = path.resolve(here, "../fixtures/shipyard/upstream");
const REGISTRY_DOC = path.join(upstreamDir, "naftiko-shipyard-maritime-registry-api.yaml");
const LEGACY_DOC = path.join(upstreamDir, "naftiko-shipyard-legacy-dockyard-api.yaml");
const REGISTRY = "naftiko-shipyard-maritime-registry-api";
const LEGACY = "naftiko-shipyard-legacy-dockyard-api";

interface Got {
  status: number;
  type: string;
  text: string;
  json: () => any;
}

async function call(url: string, init: RequestInit = {}): Promise<Got> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, type: res.headers.get("content-type") ?? "", text, json: () => JSON.parse(text) };
}

describe("Microcks fake: shipyard upstreams", () => {
  let mock: MockUpstream;
  let registry: string;
  let legacy: string;

  beforeAll(async () => {
    mock = await startMicrocks([REGISTRY_DOC, LEGACY_DOC]);
    registry = mock.baseUrlFor(REGISTRY);
    legacy = mock.baseUrlFor(LEGACY);
  });
  afterAll(async () => {
    await mock?.stop();
  });

  const auth = { Authorization: "Bearer dummy-token", "Registry-Version": "2024-01-01" };

  it("mounts each document at /rest/<title>/<version>", () => {
    expect(registry).toBe(`http://127.0.0.1:${mock.port}/rest/${REGISTRY}/1.0.0-alpha2`);
    expect(legacy).toBe(`${mock.url}/rest/${LEGACY}/1.0.0-alpha2`);
    expect(mock.baseUrlFor(LEGACY, "1.0.0-alpha2")).toBe(legacy);
    expect(() => mock.baseUrlFor("nope")).toThrow(/no service "nope"/);
  });

  it("list ships without a filter → FALLBACK example allShips", async () => {
    const r = await call(`${registry}/ships`, { headers: auth });
    expect(r.status).toBe(200);
    expect(r.type).toBe("application/json;charset=UTF-8");
    const ships = r.json();
    expect(ships).toHaveLength(2);
    expect(ships.map((s: any) => s.imo_number)).toEqual(["IMO-9321483", "IMO-9456781"]);
  });

  it("list ships?status=active → only active ships (URI_PARAMS)", async () => {
    const r = await call(`${registry}/ships?status=active`, { headers: auth });
    expect(r.status).toBe(200);
    const ships = r.json();
    expect(ships.length).toBeGreaterThan(0);
    expect(ships.every((s: any) => s.operational_status === "active")).toBe(true);
    expect(ships[0].vessel_name).toBe("Northern Star");
  });

  it("list ships?status=maintenance → maintenance example; unknown status → fallback", async () => {
    const m = (await call(`${registry}/ships?status=maintenance`)).json();
    expect(m).toEqual([expect.objectContaining({ imo_number: "IMO-9456781", operational_status: "maintenance" })]);
    const d = await call(`${registry}/ships?status=decommissioned&other=x`);
    expect(d.status).toBe(200);
    expect(d.json()).toHaveLength(2);
    expect(mock.requests.at(-1)).toMatchObject({ dispatchCriteria: "?status=decommissioned", example: "allShips" });
  });

  it("get ship IMO-9321483 (URI_PARTS)", async () => {
    const r = await call(`${registry}/ships/IMO-9321483`, { headers: auth });
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^application\/json/);
    const ship = r.json();
    expect(ship).toMatchObject({ imo_number: "IMO-9321483", vessel_name: "Northern Star", year_built: 2015 });
    expect(ship.dimensions.length_overall).toBe(229);
    expect(ship.assignedCrew).toEqual(["CREW-001", "CREW-003"]);
    expect((await call(`${registry}/ships/IMO-9456781`)).json().vessel_type).toBe("tanker");
  });

  it('get an unknown ship → 400 "The response … does not exist!" like Microcks', async () => {
    const r = await call(`${registry}/ships/IMO-0000000`);
    expect(r.status).toBe(400);
    expect(r.json().message).toBe("The response /imo_number=IMO-0000000 does not exist!");
  });

  it("create voyage → 201 with templates rendered from the JSON body (SCRIPT in FALLBACK)", async () => {
    const body = {
      shipImo: "IMO-9321483",
      departurePort: "Oslo",
      arrivalPort: "Singapore",
      departureDate: "2026-04-10",
      arrivalDate: "2026-05-02",
      crewIds: ["CREW-001", "CREW-003"],
      cargoIds: ["CARGO-2024-0451"],
    };
    const r = await call(`${registry}/voyages`, {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(r.status).toBe(201);
    expect(r.type).toBe("application/json;charset=UTF-8");
    expect(r.json()).toEqual({
      voyageId: "VOY-2026-042",
      shipImo: "IMO-9321483",
      departurePort: "Oslo",
      arrivalPort: "Singapore",
      departureDate: "2026-04-10",
      arrivalDate: "2026-05-02",
      crewIds: ["CREW-001", "CREW-003"],
      cargoIds: ["CARGO-2024-0451"],
      status: "planned",
    });
    const rec = mock.requests.at(-1)!;
    expect(rec).toMatchObject({ method: "POST", operation: "POST /voyages", example: "created", status: 201 });
    expect(JSON.parse(rec.body)).toEqual(body);
    expect(rec.headers.authorization).toBe("Bearer dummy-token");
    expect(rec.headers["registry-version"]).toBe("2024-01-01");
  });

  it("create voyage renders other body values too", async () => {
    const r = await call(`${registry}/voyages`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ shipImo: "IMO-1", departurePort: "Bergen", arrivalPort: "Rotterdam" }),
    });
    expect(r.status).toBe(201);
    expect(r.json()).toMatchObject({ shipImo: "IMO-1", departurePort: "Bergen", arrivalPort: "Rotterdam", departureDate: "" });
  });

  it("get voyage VOY-2026-042", async () => {
    const r = await call(`${registry}/voyages/VOY-2026-042`, { headers: auth });
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ voyageId: "VOY-2026-042", departurePort: "Oslo", status: "planned" });
  });

  it("list crew and list cargo (no dispatcher: the only example)", async () => {
    const crew = await call(`${registry}/crew`, { headers: auth });
    expect(crew.status).toBe(200);
    expect(crew.type).toMatch(/^application\/json/);
    expect(crew.json()).toHaveLength(4);
    expect(crew.json()[0]).toMatchObject({ crewId: "CREW-001", fullName: "Erik Lindström", role: "captain" });
    const cargo = await call(`${registry}/cargo`, { headers: auth });
    expect(cargo.status).toBe(200);
    expect(cargo.json().map((c: any) => c.cargoId)).toEqual(["CARGO-2024-0451", "CARGO-2024-0452", "CARGO-2024-0453"]);
    expect(cargo.json()[2]).toMatchObject({ hazardous: true, weight: 5.2 });
  });

  it("legacy vessels are XML, sent as is; ?status filters", async () => {
    const all = await call(`${legacy}/vessels`, { headers: { "X-Dock-Key": "dock-key" } });
    expect(all.status).toBe(200);
    expect(all.type).toBe("application/xml;charset=UTF-8");
    expect(all.text.startsWith("<vessels>")).toBe(true);
    expect(all.text).toContain("<vesselCode>LEGACY-4012</vesselCode>");
    expect(all.text).toContain("<vesselCode>LEGACY-2087</vesselCode>");
    expect(mock.requests.at(-1)!.headers["x-dock-key"]).toBe("dock-key");

    const active = await call(`${legacy}/vessels?status=active`);
    expect(active.text).toContain("LEGACY-4012");
    expect(active.text).not.toContain("LEGACY-2087");
    const laidUp = await call(`${legacy}/vessels?status=laid_up`);
    expect(laidUp.text).toContain("<operationalStatus>laid_up</operationalStatus>");
    expect(laidUp.text).not.toContain("LEGACY-4012");
  });

  it("legacy vessel detail and personnel", async () => {
    const v = await call(`${legacy}/vessels/LEGACY-4012`);
    expect(v.status).toBe(200);
    expect(v.type).toMatch(/^application\/xml/);
    expect(v.text).toContain("<homePort>Liverpool</homePort>");
    const p = await call(`${legacy}/personnel`);
    expect(p.status).toBe(200);
    expect(p.text).toContain("<emp_id>EMP-301</emp_id>");
  });

  it("records method, path, query, headers and body of every request", async () => {
    const before = mock.requests.length;
    await call(`${registry}/ships?status=active`, { headers: auth });
    expect(mock.requests.length).toBe(before + 1);
    expect(mock.requests.at(-1)).toMatchObject({
      method: "GET",
      path: `/rest/${REGISTRY}/1.0.0-alpha2/ships`,
      rawQuery: "status=active",
      query: { status: "active" },
      body: "",
      service: REGISTRY,
      operation: "GET /ships",
      dispatchCriteria: "?status=active",
      example: "?status=active",
      status: 200,
    });
  });

  it("404 JSON for an unknown service, path or method", async () => {
    const svc = await call(`${mock.url}/rest/nope/1.0/ships`);
    expect(svc.status).toBe(404);
    expect(svc.json().error).toBe("service_not_found");
    const p = await call(`${registry}/boats`);
    expect(p.status).toBe(404);
    expect(p.json().error).toBe("operation_not_found");
    const m = await call(`${registry}/ships`, { method: "DELETE" });
    expect(m.status).toBe(404);
    expect(m.json().message).toMatch(/path exists for: GET/);
    const v = await call(`${mock.url}/rest/${REGISTRY}/9.9/ships`);
    expect(v.status).toBe(404);
  });
});

describe("Microcks fake: generic behaviour", () => {
  let dir: string;
  let mock: MockUpstream;

  const HELLO = `
openapi: 3.0.3
info: { title: Hello API, version: "1.0" }
paths:
  /things/{id}/parts:
    parameters:
      - { name: id, in: path, required: true, schema: { type: string }, examples: { one: { value: "1" }, two: { value: 2 } } }
    get:
      parameters:
        - name: color
          in: query
          schema: { type: string }
          examples: { one: { value: red }, two: { value: blue } }
      responses:
        '200':
          content:
            application/json:
              examples:
                one: { value: { id: 1, color: red, path: "{{ request.path[2] }}", q: "{{ request.params[color] }}" } }
                two: { $ref: '#/components/examples/Two' }
            text/plain:
              examples:
                one: { value: "one as text" }
  /greetings:
    post:
      parameters:
        - { name: X-Trace, in: header, required: true, schema: { type: string } }
      responses:
        '200':
          headers:
            X-Echo: { schema: { type: string }, examples: { hi: { value: "{{ request.headers[x-trace] }}" } } }
          content:
            application/json:
              examples:
                hi: { value: { msg: "Hello {{ request.body/name || request.params[name] }}!", tags: "{{ request.body/tags }}", at: "{{ now() }}" } }
                bye: { value: { msg: "Bye" } }
  /by-header:
    get:
      x-microcks-operation: { dispatcher: QUERY_HEADER, dispatcherRules: "X-Tenant" }
      parameters:
        - { name: X-Tenant, in: header, schema: { type: string }, examples: { acme: { value: acme } } }
      responses:
        '200': { content: { application/json: { examples: { acme: { value: { tenant: acme } } } } } }
  /things/{id}:
    get:
      responses:
        '200': { content: { application/json: { examples: { one: { value: { generic: true } } } } } }
  /things/special:
    get:
      responses:
        '200': { content: { application/json: { examples: { special: { value: { special: true } } } } } }
components:
  examples:
    Two: { value: { id: 2, color: blue } }
`;

  beforeAll(async () => {
    dir = tempDir("microcks-fake-");
    writeFileSync(path.join(dir, "hello.yaml"), HELLO);
    mock = await startMicrocks([path.join(dir, "hello.yaml")]);
  });
  afterAll(async () => {
    await mock?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("accepts the title URL-encoded, with + for spaces, or as a slug", async () => {
    const base = mock.baseUrlFor("Hello API");
    expect(base).toBe(`${mock.url}/rest/Hello%20API/1.0`);
    expect(mock.baseUrlFor("hello-api")).toBe(base);
    for (const svc of ["Hello%20API", "Hello+API", "hello-api"]) {
      const r = await call(`${mock.url}/rest/${svc}/1.0/things/2/parts?color=blue`);
      expect(r.status).toBe(200);
      expect(r.json()).toEqual({ id: 2, color: "blue" });
    }
  });

  it("infers URI_ELEMENTS from path + query params; renders path/params templates; honours Accept", async () => {
    const base = mock.baseUrlFor("Hello API");
    const r = await call(`${base}/things/1/parts?color=red`);
    expect(r.json()).toEqual({ id: 1, color: "red", path: "1", q: "red" });
    expect(mock.requests.at(-1)!.dispatchCriteria).toBe("/id=1?color=red");
    const t = await call(`${base}/things/1/parts?color=red`, { headers: { Accept: "text/plain" } });
    expect(t.type).toBe("text/plain;charset=UTF-8");
    expect(t.text).toBe("one as text");
    const miss = await call(`${base}/things/1/parts?color=blue`);
    expect(miss.status).toBe(400);
    expect(miss.json().message).toBe("The response /id=1?color=blue does not exist!");
  });

  it("literal path segments win over templated ones", async () => {
    const base = mock.baseUrlFor("Hello API");
    expect((await call(`${base}/things/special`)).json()).toEqual({ special: true });
  });

  it("no dispatcher: first example; body/header templates; required header → 400", async () => {
    const base = mock.baseUrlFor("Hello API");
    const missing = await call(`${base}/greetings`, { method: "POST", body: "{}" });
    expect(missing.status).toBe(400);
    expect(missing.json().message).toBe("Parameter X-Trace is required");
    const r = await call(`${base}/greetings`, {
      method: "POST",
      headers: { "X-Trace": "t-1", "content-type": "application/json" },
      body: JSON.stringify({ name: "World", tags: ["a", "b"] }),
    });
    expect(r.status).toBe(200);
    const res = await fetch(`${base}/greetings?name=Query`, { method: "POST", headers: { "X-Trace": "t-2" }, body: "{}" });
    expect(res.headers.get("x-echo")).toBe("t-2");
    expect(((await res.json()) as { msg: string }).msg).toBe("Hello Query!");
    expect(r.text).toContain('"tags":"["a","b"]"'); // raw substitution, like Microcks
    expect(r.text).toContain('"msg":"Hello World!"');
    expect(r.text).toMatch(/"at":"\d{13}"/);
  });

  it("QUERY_HEADER dispatcher", async () => {
    const base = mock.baseUrlFor("Hello API");
    expect((await call(`${base}/by-header`, { headers: { "x-tenant": "acme" } })).json()).toEqual({ tenant: "acme" });
    expect((await call(`${base}/by-header`, { headers: { "x-tenant": "other" } })).status).toBe(400);
  });

  it("fails loudly on a SCRIPT dispatcher that is not a literal return", async () => {
    const file = path.join(dir, "script.yaml");
    writeFileSync(
      file,
      `openapi: 3.1.0
info: { title: S, version: "1" }
paths:
  /x:
    post:
      x-microcks-operation: { dispatcher: SCRIPT, dispatcherRules: "def a = 1; return 'b'" }
      responses: { '200': { content: { application/json: { examples: { b: { value: {} } } } } } }
`,
    );
    await expect(startMicrocks([file])).rejects.toThrow(/SCRIPT dispatcher rules must be the literal form/);
  });
});
