/**
 * Runs one of the reference engine's Shipyard suites against the real CLI, the way the reference's
 * workflow (`validate-tuto-examples.yml`) does. Two editions: `alpha2` (`test/fixtures/shipyard/`,
 * official alpha2 dialect) and `beta5` (`test/fixtures/shipyard-beta5/`, Ikanos beta5 dialect). Two
 * MCP clients: the reference's old one (`2025`, alpha2's by default) and the one its current
 * workflow runs, curl sending MCP 2026-07-28 (`2026-07-28`, beta5's by default; `workflowCurl`).
 *
 * 1. copy the tutorial tree to a temp dir (the fixtures stay untouched), and there rewrite each
 *    consumes `baseUri` — inline in a step file, or in the shared file it imports — to the fake
 *    Microcks upstream, by consumes namespace (`registry`, `legacy`);
 * 2. write `shared/secrets.yaml`;
 * 3. per case: start `naftiko serve <step file>`, then
 *    - MCP: POST a JSON-RPC `tools/call` (no `initialize` first) to `http://localhost:<port>/` with
 *      only `Content-Type: application/json` and `Authorization: Bearer <mcp-server-token>` (the old
 *      client), or, with the 2026-07-28 client, curl's `tools/list` probe and then its `tools/call`,
 *      each with `MCP-Protocol-Version: 2026-07-28`, `Mcp-Method` (and `Mcp-Name`) and the protocol
 *      version in `params._meta`; the data is `.result.content[0].text`; `.result.isError == true`
 *      fails the case;
 *    - REST: `method` on `path` (a JSON `body` for non-GET);
 *    then wrap data starting with `<` as a JSON string, require it to be JSON (`jq .`), and require
 *    every `validations[].jq` to hold with `jq -e` (a real jq binary);
 * 4. stop the process and go on with the next case.
 *
 * The only departure: every exposes block listens on a free port (`--port <ns>=0`) rather than the
 * file's fixed 3001–3003, so the suite can run beside other tests; the case's `port` picks the block
 * that the file puts on that port.
 */
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { parse as parseYaml, parseDocument } from "yaml";
import { ROOT, spawnServe } from "./cli.js";
import { startMicrocks, type MockUpstream } from "./microcks.js";

export type Edition = "alpha2" | "beta5";
/** Which of the reference workflow's MCP clients runs the MCP cases. */
export type ShipyardClient = "2025" | "2026-07-28";
const CLIENT: Record<Edition, ShipyardClient> = { alpha2: "2025", beta5: "2026-07-28" };
export const SHIPYARD: Record<Edition, string> = {
  alpha2: path.join(ROOT, "test/fixtures/shipyard"),
  beta5: path.join(ROOT, "test/fixtures/shipyard-beta5"),
};
const MODERN = "2026-07-28";
export const MCP_SERVER_TOKEN = "sk-mcp-shipyard-test-token";
const SECRETS = {
  "registry-bearer-token": "registry-test-token",
  "registry-api-version": "1.0.0-alpha2",
  "dockyard-api-key": "dockyard-test-key",
  "mcp-server-token": MCP_SERVER_TOKEN,
};

export interface ShipyardCase {
  name: string;
  file: string;
  port: number;
  type?: "mcp" | "rest";
  tool?: string;
  args?: Record<string, unknown>;
  method?: string;
  path?: string;
  body?: unknown;
  skip?: boolean;
  validations: Array<{ jq: string }>;
}

export interface CaseResult {
  name: string;
  passed: boolean;
  /** Why it failed: the first failing step, with the data seen. */
  reason?: string;
  data?: string;
}

export function readCases(edition: Edition = "alpha2"): ShipyardCase[] {
  return (parseYaml(readFileSync(path.join(SHIPYARD[edition], "tests.yml"), "utf8")) as { tests: ShipyardCase[] }).tests;
}

/** Copies the tutorial, points its consumes at the fake upstream and writes the secrets file. */
export function prepareTutorial(mock: MockUpstream, edition: Edition = "alpha2"): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "naftiko-shipyard-"));
  cpSync(path.join(SHIPYARD[edition], "tutorial"), dir, { recursive: true });
  const baseUris: Record<string, string> = {
    registry: mock.baseUrlFor("naftiko-shipyard-maritime-registry-api"),
    legacy: mock.baseUrlFor("naftiko-shipyard-legacy-dockyard-api"),
  };
  for (const name of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))) {
    const file = path.join(dir, name);
    const doc = parseDocument(readFileSync(file, "utf8"));
    const consumes = (doc.toJS() as { capability?: { consumes?: Array<Record<string, string>> } }).capability?.consumes ?? [];
    let changed = false;
    consumes.forEach((c, i) => {
      if (c.import) {
        // Import style: patch the shared file's first consumes block, as the reference does.
        const shared = path.join(dir, c.location ?? c.from);
        const sdoc = parseDocument(readFileSync(shared, "utf8"));
        const ns = sdoc.getIn(["consumes", 0, "namespace"]) as string | undefined;
        if (ns && baseUris[ns]) {
          sdoc.setIn(["consumes", 0, "baseUri"], baseUris[ns]);
          writeFileSync(shared, sdoc.toString());
        }
      } else if (c.namespace && baseUris[c.namespace]) {
        doc.setIn(["capability", "consumes", i, "baseUri"], baseUris[c.namespace]);
        changed = true;
      }
    });
    if (changed) writeFileSync(file, doc.toString());
  }
  writeFileSync(
    path.join(dir, "shared/secrets.yaml"),
    Object.entries(SECRETS)
      .map(([k, v]) => `${k}: "${v}"\n`)
      .join(""),
  );
  return dir;
}

/** A POST with exactly the headers given (fetch would add `Accept`), as curl -d sends it. */
export function post(
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", headers: { ...headers, "content-length": Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** `jq <args>` over `input`; resolves with the exit code and output. */
export function jq(args: string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("jq", args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Exposes namespace of the block a step file puts on `port`. */
function blockOnPort(tutorial: string, file: string, port: number): { namespace: string; all: string[] } {
  const doc = parseYaml(readFileSync(path.join(tutorial, file), "utf8")) as {
    capability: { exposes: Array<{ namespace: string; port: number }> };
  };
  const blocks = doc.capability.exposes;
  const hit = blocks.find((b) => b.port === port);
  if (!hit) throw new Error(`${file} has no exposes block on port ${port}`);
  return { namespace: hit.namespace, all: blocks.map((b) => b.namespace) };
}

/**
 * The reference workflow's 2026-07-28 request, as its `curl` sends it (a real curl: its own headers,
 * `Accept: *\/*` among them): `tools/list` (its readiness probe) or a `tools/call` of `tool`, with
 * the standard headers and only the protocol version in `_meta`, no `initialize` first.
 */
export function workflowCurl(
  port: string,
  token: string | undefined,
  method: "tools/list" | "tools/call",
  tool?: string,
  args?: unknown,
): Promise<string> {
  const auth = token === undefined ? [] : ["-H", `Authorization: Bearer ${token}`];
  // The bodies as the workflow's shell expands them, whitespace and all (its `yq -o=json` prints the arguments indented).
  const body =
    method === "tools/list"
      ? `{
                  "jsonrpc":"2.0",
                  "id":1,
                  "method":"tools/list",
                  "params": {
                    "_meta": {
                      "io.modelcontextprotocol/protocolVersion": "2026-07-28"
                    }
                  }
                }`
      : `{
                "jsonrpc": "2.0",
                "id": 1,
                "method": "tools/call",
                "params": {
                  "name": "${tool}",
                  "arguments": ${JSON.stringify(args ?? {}, null, 2)},
                  "_meta": {
                      "io.modelcontextprotocol/protocolVersion": "2026-07-28"
                  }
                }
              }`;
  const headers = [
    "-H",
    "Content-Type: application/json",
    ...auth,
    "-H",
    "MCP-Protocol-Version: 2026-07-28",
    "-H",
    `Mcp-Method: ${method}`,
    ...(method === "tools/call" ? ["-H", `Mcp-Name: ${tool}`] : []),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn("curl", ["-s", `http://localhost:${port}`, ...headers, "-d", body], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", () => resolve(out));
  });
}

export async function runCase(
  tutorial: string,
  c: ShipyardCase,
  edition: Edition = "alpha2",
  client: ShipyardClient = CLIENT[edition],
): Promise<CaseResult> {
  const fail = (reason: string, data?: string): CaseResult => ({ name: c.name, passed: false, reason, data });
  const { namespace, all } = blockOnPort(tutorial, c.file, c.port);
  const proc = await spawnServe([path.join(tutorial, c.file), ...all.flatMap((ns) => ["--port", `${ns}=0`])]);
  try {
    const port = new URL(proc.urls[namespace]).port;
    let data: string;
    if ((c.type ?? "mcp") === "rest") {
      const url = `http://localhost:${port}${c.path}`;
      const res =
        c.method === "GET"
          ? await fetch(url)
          : await fetch(url, { method: c.method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(c.body ?? {}) });
      data = await res.text();
    } else {
      let response: string;
      if (client === MODERN) {
        // The workflow's readiness probe is a tools/list; it must list tools.
        const list = await workflowCurl(port, MCP_SERVER_TOKEN, "tools/list");
        if ((await jq(["-e", ".result.tools"], list)).code !== 0) return fail("the tools/list probe listed no tools", list);
        response = await workflowCurl(port, MCP_SERVER_TOKEN, "tools/call", c.tool, c.args ?? {});
      } else {
        const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: c.tool, arguments: c.args ?? {} } });
        response = (
          await post(`http://localhost:${port}/`, { "Content-Type": "application/json", Authorization: `Bearer ${MCP_SERVER_TOKEN}` }, body)
        ).text;
      }
      const isError = await jq(["-r", ".result.isError // false"], response);
      const text = await jq(["-r", ".result.content[0].text"], response);
      if (isError.stdout.trim() === "true") return fail("tool returned an error", text.stdout);
      if (text.code !== 0) return fail(`response is not JSON-RPC JSON (${text.stderr.trim()})`, response);
      data = text.stdout;
    }
    if (data.startsWith("<")) data = JSON.stringify(data);
    const parsed = await jq(["."], data);
    if (parsed.code !== 0) return fail("invalid JSON returned", data);
    for (const v of c.validations) {
      const r = await jq(["-e", v.jq], data);
      if (r.code !== 0) return fail(`validation failed: ${v.jq}`, data);
    }
    return { name: c.name, passed: true };
  } finally {
    await proc.stop();
  }
}

export interface ShipyardRun {
  results: CaseResult[];
  /** `<n> passed, <m> failed`, the suite's final report line. */
  report: string;
}

/** The whole suite, case after case, against one fake upstream; `only` filters the cases. */
export async function runShipyard(
  edition: Edition,
  only?: (c: ShipyardCase) => boolean,
  log: (line: string) => void = () => {},
  client: ShipyardClient = CLIENT[edition],
): Promise<ShipyardRun> {
  const upstream = path.join(SHIPYARD[edition], "upstream");
  const mock = await startMicrocks(readdirSync(upstream).map((f) => path.join(upstream, f)));
  const tutorial = prepareTutorial(mock, edition);
  const results: CaseResult[] = [];
  try {
    for (const c of readCases(edition).filter((c) => !c.skip && (!only || only(c)))) {
      let r: CaseResult;
      try {
        r = await runCase(tutorial, c, edition, client);
      } catch (e) {
        r = { name: c.name, passed: false, reason: (e as Error).message };
      }
      log(r.passed ? `ok   ${r.name}` : `FAIL ${r.name}: ${r.reason}${r.data ? `\n     data: ${r.data.slice(0, 600)}` : ""}`);
      results.push(r);
    }
  } finally {
    await mock.stop();
    rmSync(tutorial, { recursive: true, force: true });
  }
  const passed = results.filter((r) => r.passed).length;
  const report = `${passed} passed, ${results.length - passed} failed`;
  log(report);
  return { results, report };
}
