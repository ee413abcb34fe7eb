/** `naftiko inspect` and `naftiko call` as a user meets them. */
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { echo, startRecordingUpstream } from "../support/recording-upstream.js";

const FLAGSHIP = "metal-interconnections.naftiko.yaml";
const KEY = "call-test-key-31337";

describe("naftiko inspect", () => {
  it("prints routes, tools with hints and upstream calls as tables, without needing the bound key or a terminal's colours", async () => {
    const r = await runCli(["inspect", FLAGSHIP]);
    expect(r.code, r.stderr).toBe(0);
    // eslint-disable-next-line no-control-regex -- no ANSI colour code (ESC [) when not on a terminal
    expect(r.stdout).not.toMatch(/\x1b\[/);
    expect(r.stdout).toMatch(/^REST metal-interconnections-rest {2}127\.0\.0\.1:8080 {2}15 routes/m);
    expect(r.stdout).toMatch(/^METHOD +PATH +OPERATION +CALLS +INPUTS$/m);
    expect(r.stdout).toMatch(
      /^GET +\/v1\/connections\/\{connection-id\} +getinterconnection +metal-interconnections\.getinterconnection +connection_id\*:path include:query\(array\)/m,
    );
    expect(r.stdout).toMatch(/^MCP metal-interconnections-mcp {2}http {2}127\.0\.0\.1:9090\/mcp {2}15 tools/m);
    expect(r.stdout).toMatch(
      /^delete-interconnection +writes,destructive,idempotent,open-world +metal-interconnections\.deleteinterconnection/m,
    );
    expect(r.stdout).toMatch(/^get-interconnection +read-only,idempotent,open-world/m);
    expect(r.stdout).toMatch(/^UPSTREAM {2}15 consumed operations/m);
    expect(r.stdout).toMatch(
      /^metal-interconnections\.getinterconnection +GET +https:\/\/api\.equinix\.com\/metal\/v1\/connections\/\{connection_id\} +apikey X-Auth-Token \(header\)$/m,
    );
  });

  it("a missing file says what to do", async () => {
    const r = await runCli(["inspect", "nope.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot read file/);
    expect(r.stderr).toMatch(/fix them .*naftiko validate nope\.yaml/);
  });
});

describe("naftiko call", () => {
  it("runs one tool through the MCP path and prints its JSON result; exit 0", async () => {
    const upstream = await startRecordingUpstream();
    try {
      const r = await runCli(
        [
          "call",
          FLAGSHIP,
          "get-interconnection",
          "--arg",
          "connection_id=abc",
          "--arg",
          "include=ports,project",
          "--base-uri",
          `metal-interconnections=${upstream.url}/metal/v1`,
        ],
        { EQUINIX_API_KEY: KEY },
      );
      expect(r.code, r.stderr).toBe(0);
      expect(upstream.requests).toHaveLength(1);
      expect(upstream.requests[0].url).toBe("/metal/v1/connections/abc?include=ports,project");
      expect(upstream.requests[0].headers["x-auth-token"]).toBe(KEY);
      expect(JSON.parse(r.stdout)).toMatchObject({ seen: { method: "GET", url: "/metal/v1/connections/abc?include=ports,project" } });
      // No progress line without a terminal.
      expect(r.stderr).toBe("");
      const body = await runCli(
        [
          "call",
          FLAGSHIP,
          "update-interconnection",
          "--arg",
          "connection_id=abc",
          "--arg",
          'body={"name":"x"}',
          "--base-uri",
          `metal-interconnections=${upstream.url}`,
        ],
        { EQUINIX_API_KEY: KEY },
      );
      expect(body.code, body.stderr).toBe(0);
      expect(JSON.parse(upstream.requests[1].body)).toEqual({ name: "x" });
    } finally {
      await upstream.stop();
    }
  });

  it("exit code 1 when the result is an error (isError), with what to do", async () => {
    const upstream = await startRecordingUpstream((req) =>
      req.path.includes("gone") ? { status: 404, body: '{"errors":["Not found"]}' } : echo(req),
    );
    try {
      const notFound = await runCli(
        ["call", FLAGSHIP, "get-interconnection", "--arg", "connection_id=gone", "--base-uri", `metal-interconnections=${upstream.url}`],
        { EQUINIX_API_KEY: KEY },
      );
      expect(notFound.code).toBe(1);
      expect(notFound.stderr).toMatch(/error: Upstream answered HTTP 404: \{"errors":\["Not found"\]\}/);
      expect(notFound.stdout).toBe("");
      const missing = await runCli(["call", FLAGSHIP, "get-interconnection", "--base-uri", `metal-interconnections=${upstream.url}`], {
        EQUINIX_API_KEY: KEY,
      });
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/Invalid arguments for tool get-interconnection: connection_id is required/);
      expect(missing.stderr).toMatch(/hint: .*naftiko inspect/);
      const down = await runCli(
        ["call", FLAGSHIP, "get-interconnection", "--arg", "connection_id=a", "--base-uri", "metal-interconnections=http://127.0.0.1:9"],
        { EQUINIX_API_KEY: KEY },
      );
      expect(down.code).toBe(1);
      expect(down.stderr).toMatch(/--base-uri/);
      expect(down.stderr + down.stdout).not.toContain(KEY);
    } finally {
      await upstream.stop();
    }
  });

  it("usage mistakes exit 2 and say what to do", async () => {
    const unknown = await runCli(["call", FLAGSHIP, "get-interconection"], { EQUINIX_API_KEY: KEY });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no tool "get-interconection".*its tools are: delete-interconnection, get-interconnection/);
    const badArg = await runCli(["call", FLAGSHIP, "get-interconnection", "--arg", "nope=1"], { EQUINIX_API_KEY: KEY });
    expect(badArg.code).toBe(2);
    expect(badArg.stderr).toMatch(/has no argument "nope"; its arguments are: connection_id, include, exclude/);
    const noKey = await runCli(["call", FLAGSHIP, "get-interconnection", "--arg", "connection_id=a"]);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(/set the environment variable EQUINIX_API_KEY/);
  });
});
