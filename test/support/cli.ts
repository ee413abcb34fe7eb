import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const CLI = path.join(ROOT, "bin/naftiko.js");

/**
 * A child's environment: PATH, the run's TMPDIR (so what it leaves in the temp folder goes with the
 * run, see test/support/global-setup.ts) and `env`; nothing else of the test's own environment.
 */
export function childEnv(env: NodeJS.ProcessEnv = {}): Record<string, string> {
  const all = { PATH: process.env.PATH, TMPDIR: process.env.TMPDIR, ...env };
  return Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined));
}

/** `serve` options sending the flagship to a recording upstream (its `/metal/v1` base), on free ports. */
export function flagshipOptions(upstreamUrl: string): string[] {
  return [
    "--base-uri",
    `metal-interconnections=${upstreamUrl}/metal/v1`,
    "--port",
    "metal-interconnections-rest=0",
    "--port",
    "metal-interconnections-mcp=0",
  ];
}

export interface ServeProcess {
  child: ChildProcess;
  /** exposes namespace → base URL, read from the runtime's own "listening on" lines. */
  urls: Record<string, string>;
  stderr(): string;
  stdout(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Spawns the real CLI (`bin/naftiko.js serve …`, the built dist/) and waits for its "ready" line.
 * Tests use `--port <ns>=0` and read the chosen ports back from the log.
 */
export async function spawnServe(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 15_000,
  /**
   * Another program to run and the folder to run it in: an installed `naftiko` (given `serve …`),
   * or a built binary (`prefix: []`, it serves without a command).
   */
  where: { command: string; cwd: string; prefix?: string[] } = { command: process.execPath, cwd: ROOT },
): Promise<ServeProcess> {
  const prefix = where.prefix ?? (where.command === process.execPath ? [CLI, "serve"] : ["serve"]);
  const child = spawn(where.command, [...prefix, ...args], {
    cwd: where.cwd,
    env: childEnv(env),
    stdio: ["pipe", "pipe", "pipe"],
  });
  let err = "";
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  const urls: Record<string, string> = {};
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`naftiko serve did not become ready in ${timeoutMs} ms:\n${err}`)), timeoutMs);
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      const messages = logMessages(err);
      for (const msg of messages) {
        const m = /^naftiko: \w+ (\S+) listening on (\S+)/.exec(msg);
        if (m) urls[m[1]] = m[2];
      }
      if (messages.some((msg) => msg.startsWith("naftiko: ready"))) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`naftiko serve exited with ${code} before it was ready:\n${err}`));
    });
  });
  return {
    child,
    urls,
    stderr: () => err,
    stdout: () => out,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Parses the runtime's stderr: pino JSON lines (as `serve` writes them) or plain lines. */
export function logLines(stderr: string): Array<Record<string, unknown>> {
  return stderr
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      try {
        const v = JSON.parse(l) as unknown;
        if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
      } catch {
        // a plain line (errors before the logger exists)
      }
      return { msg: l, plain: true };
    });
}

/** The `msg` of every complete line. */
export function logMessages(stderr: string): string[] {
  const complete = stderr.slice(0, stderr.lastIndexOf("\n") + 1);
  return logLines(complete).map((l) => String(l.msg ?? ""));
}

/** Runs the CLI to completion and returns its exit code and output; `input` is written to its stdin, which is then closed. */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 20_000,
  input?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCommand(process.execPath, [CLI, ...args], env, timeoutMs, `naftiko ${args.join(" ")}`, { input });
}

/** Runs a command to its end in `cwd` (the repository by default) with a bare environment (see childEnv). */
export function runCommand(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 20_000,
  name = `${path.basename(command)} ${args.join(" ")}`,
  /** Text for its stdin, and the folder to run it in (the repository by default). */
  opts: { input?: string; cwd?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd ?? ROOT,
      env: childEnv(env),
      stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${name} timed out:\n${stderr}`));
    }, timeoutMs);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
