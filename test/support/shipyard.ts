/**
 * Runs one of the reference engine's Shipyard suites against the real CLI, the way the reference's
 * workflow (`validate-tuto-examples.yml`) does. Two editions: `alpha2` (`test/fixtures/shipyard/`,
 * official alpha2 dialect, the reference's old MCP client) and `beta5`
 * (`test/fixtures/shipyard-beta5/`, Ikanos beta5 dialect, its MCP 2026-07-28 client).
 *
 *
 * 1. copy the tutorial tree to a temp dir (the fixtures stay untouched), and there rewrite each
 *    consumes `baseUri` — inline in a step file, or in the shared file it imports — to the fake
 *    Microcks upstream, by consumes namespace (`registry`, `legacy`);
 * 2. write `shared/secrets.yaml`;
 * 3. per case: start `naftiko serve <step file>`, then
 *    - MCP: POST a JSON-RPC `tools/call` (no `initialize` first) to `http://localhost:<port>/` with
 *      only `Content-Type: application/json` and `Authorization: Bearer <mcp-server-token>` (alpha2),
 *      plus `MCP-Protocol-Version: 2026-07-28`, `Mcp-Method`, `Mcp-Name` and the protocol version in
 *      `params._meta` (beta5); the data is `.result.content[0].text`; `.result.isError == true`
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

/** The MCP request the edition's reference client sends for a tool call. */
function toolCall(edition: Edition, c: ShipyardCase): { headers: Record<string, string>; body: string } {
  const headers: Record<string, string> = { "Content-Type": "application/json", Authorization: `Bearer ${MCP_SERVER_TOKEN}` };
  const params: Record<string, unknown> = { name: c.tool, arguments: c.args ?? {} };
  if (edition === "beta5") {
    Object.assign(headers, { "MCP-Protocol-Version": MODERN, "Mcp-Method": "tools/call", "Mcp-Name": String(c.tool) });
    params._meta = { "io.modelcontextprotocol/protocolVersion": MODERN };
  }
  return { headers, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params }) };
}

export async function runCase(tutorial: string, c: ShipyardCase, edition: Edition = "alpha2"): Promise<CaseResult> {
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
      const call = toolCall(edition, c);
      const res = await post(`http://localhost:${port}/`, call.headers, call.body);
      const isError = await jq(["-r", ".result.isError // false"], res.text);
      const text = await jq(["-r", ".result.content[0].text"], res.text);
      if (isError.stdout.trim() === "true") return fail("tool returned an error", text.stdout);
      if (text.code !== 0) return fail(`response is not JSON-RPC JSON (${text.stderr.trim()})`, res.text);
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

/** The whole suite, case after case, against one fake upstream; `only` filters by case name. */
export async function runShipyard(
  edition: Edition,
  only?: (c: ShipyardCase) => boolean,
  log: (line: string) => void = () => {},
): Promise<ShipyardRun> {
  const upstream = path.join(SHIPYARD[edition], "upstream");
  const mock = await startMicrocks(readdirSync(upstream).map((f) => path.join(upstream, f)));
  const tutorial = prepareTutorial(mock, edition);
  const results: CaseResult[] = [];
  try {
    for (const c of readCases(edition).filter((c) => !c.skip && (!only || only(c)))) {
      let r: CaseResult;
      try {
        r = await runCase(tutorial, c, edition);
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
