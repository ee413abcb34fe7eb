/** The CLI as a user meets it: help, a missing key, overrides, and a clean stop. */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { VERSION } from "../../src/version.js";
import { CLI, ROOT, runCli, runCommand, spawnServe } from "../support/cli.js";
import { startRecordingUpstream } from "../support/recording-upstream.js";

const FLAGSHIP = "metal-interconnections.naftiko.yaml";

describe("naftiko CLI", () => {
  it("--help lists every command and serve --help every flag", async () => {
    const top = await runCli(["--help"]);
    expect(top.code).toBe(0);
    for (const cmd of ["serve", "validate", "inspect", "openapi", "call"]) expect(top.stdout).toContain(`naftiko ${cmd}`);
    const serve = await runCli(["serve", "--help"]);
    for (const flag of [
      "--base-uri",
      "--host",
      "--port",
      "--connect-timeout",
      "--timeout",
      "--max-body",
      "--grace",
      "--control-port",
      "--log-level",
      "--watch",
      "--workers",
    ])
      expect(serve.stdout).toContain(flag);
  });

  it("serve without EQUINIX_API_KEY exits non-zero with one line naming the variable and the file", async () => {
    const r = await runCli(["serve", FLAGSHIP]);
    expect(r.code).not.toBe(0);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("EQUINIX_API_KEY");
    expect(lines[0]).toContain(path.join(ROOT, FLAGSHIP));
  });

  it("an unknown command or a bad flag value says what to do", async () => {
    const r = await runCli(["serv"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command "serv".*--help/);
    const bad = await runCli(["serve", FLAGSHIP, "--port", "nope"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--port expects <exposesNamespace>=<port>/);
    const wrongNs = await runCli(["serve", FLAGSHIP, "--base-uri", "nope=http://127.0.0.1:1"], { EQUINIX_API_KEY: "k" });
    expect(wrongNs.code).toBe(1);
    expect(wrongNs.stderr).toMatch(/consumes namespace "nope".*metal-interconnections/);
  });

  it("a mistyped option or command exits 2 with one line, one prefix, and the nearest name", async () => {
    const cases: Array<[string[], string]> = [
      [
        ["serve", FLAGSHIP, "--prot", "x=1"],
        'naftiko serve: unknown option --prot; did you mean --port? Run "naftiko serve --help" for its options.',
      ],
      [
        ["validate", "--quite", FLAGSHIP],
        'naftiko validate: unknown option --quite; did you mean --quiet? Run "naftiko validate --help" for its options.',
      ],
      [
        ["openapi", FLAGSHIP, "--fromat=json"],
        'naftiko openapi: unknown option --fromat; did you mean --format? Run "naftiko openapi --help" for its options.',
      ],
      [
        ["call", FLAGSHIP, "get-interconnection", "--verbose"],
        'naftiko call: unknown option --verbose. Run "naftiko call --help" for its options.',
      ],
      [["serve", FLAGSHIP, "--timeout"], 'naftiko serve: --timeout needs a value. Run "naftiko serve --help" for its options.'],
      [["serve", FLAGSHIP, "--watch=yes"], 'naftiko serve: --watch takes no value. Run "naftiko serve --help" for its options.'],
      [["sreve", FLAGSHIP], 'naftiko: unknown command "sreve"; did you mean "serve"? Run "naftiko --help" for the commands.'],
      [["help", "frob"], 'naftiko help: unknown command "frob". Run "naftiko --help" for the commands.'],
    ];
    for (const [args, line] of cases) {
      const r = await runCli(args);
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 2, stderr: `${line}\n` });
    }
  });

  it("serves with --base-uri and --port overrides, forwards the key, and stops cleanly on SIGTERM", async () => {
    const upstream = await startRecordingUpstream();
    const proc = await spawnServe(
      [FLAGSHIP, "--base-uri", `metal-interconnections=${upstream.url}/metal/v1`, "--port", "metal-interconnections-rest=0"],
      { EQUINIX_API_KEY: "cli-secret-1234" },
    );
    try {
      const base = proc.urls["metal-interconnections-rest"];
      expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${base}/v1/virtual-circuits/abc?include=a,b`);
      expect(res.status).toBe(200);
      expect(upstream.requests[0].url).toBe("/metal/v1/virtual-circuits/abc?include=a,b");
      expect(upstream.requests[0].headers["x-auth-token"]).toBe("cli-secret-1234");
      expect(await proc.stop("SIGTERM")).toBe(0);
      expect(proc.stderr()).not.toContain("cli-secret-1234");
    } finally {
      await proc.stop();
      await upstream.stop();
    }
  });

  // The installed command is bin/naftiko.js run through its `#!` line (npm links it as is): the
  // other tests spawn it through process.execPath, which would not notice a broken line.
  it.runIf(process.platform !== "win32")("runs as an executable through its #! line", async () => {
    const out = await runCommand(CLI, ["--version"]);
    expect(out.code).toBe(0);
    expect(out.stdout.trim()).toBe(VERSION);
  });
});
