/**
 * Runs Stoplight Prism (`@stoplight/prism-cli`, devDependency) as an independent fake upstream.
 *
 * Prism serves the operation paths at the root of its listener: the spec's server
 * `https://api.equinix.com/metal/v1` is NOT a prefix (`/metal/v1/connections/…` gets 404 from Prism).
 * So `url` is `http://127.0.0.1:<port>` and operation paths like `/connections/{id}` are appended to it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { connectable, freePort } from "./ports.js";
import { writePatchedSpec } from "./prism-workaround.js";

export interface PrismHandle {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const HOST = "127.0.0.1";
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
const TAIL_LINES = 40;

const require = createRequire(import.meta.url);

/** Absolute path of prism-cli's bin JS file (read from its package.json `bin`). */
function prismBin(): string {
  const pkgPath = require.resolve("@stoplight/prism-cli/package.json");
  const pkg = JSON.parse(readFileSync(pkgPath, "utf8")) as { bin?: string | Record<string, string> };
  const rel = typeof pkg.bin === "string" ? pkg.bin : pkg.bin?.prism;
  if (!rel) throw new Error(`no "prism" bin in ${pkgPath}`);
  return path.resolve(path.dirname(pkgPath), rel);
}

/**
 * Preloaded into the Prism process: exits if its parent (the test process) goes away without
 * killing it (e.g. the test worker is SIGKILLed), because then it gets re-parented.
 */
const WATCHDOG = `const p=process.ppid;setInterval(()=>{if(process.ppid!==p)process.exit(0)},500).unref();`;

// ---- kill-on-exit registry: one process 'exit' listener for all live Prism children ----
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  live.add(child);
  child.once("exit", () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", () => {
      for (const c of live) {
        try {
          c.kill("SIGKILL");
        } catch {
          /* already gone */
        }
      }
    });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Keeps the last `TAIL_LINES` lines of a stream (and drains it so Prism never blocks on a full pipe). */
class Tail {
  private lines: string[] = [];
  private partial = "";
  push(chunk: string): void {
    const parts = (this.partial + chunk).split("\n");
    this.partial = parts.pop() ?? "";
    this.lines.push(...parts);
    if (this.lines.length > TAIL_LINES) this.lines.splice(0, this.lines.length - TAIL_LINES);
  }
  toString(): string {
    return [...this.lines, this.partial].filter((l) => l.length > 0).join("\n");
  }
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off("exit", onExit);
      resolve(false);
    }, ms);
    const onExit = () => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once("exit", onExit);
  });
}

async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  if (await waitExit(child, STOP_TIMEOUT_MS)) return;
  child.kill("SIGKILL");
  await waitExit(child, STOP_TIMEOUT_MS);
}

interface Attempt {
  child: ChildProcess;
  port: number;
}

async function launch(spec: string, dynamic: boolean): Promise<Attempt> {
  const port = await freePort(HOST);
  const args = [
    `--import=data:text/javascript,${encodeURIComponent(WATCHDOG)}`,
    prismBin(),
    "mock",
    "-h",
    HOST,
    "-p",
    String(port),
    "--no-multiprocess", // would fork a cluster worker when NODE_ENV=production
    ...(dynamic ? ["-d"] : []),
    spec,
  ];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env: process.env });
  track(child);
  const out = new Tail();
  const err = new Tail();
  child.stdout!.setEncoding("utf8").on("data", (c: string) => out.push(c));
  child.stderr!.setEncoding("utf8").on("data", (c: string) => err.push(c));
  let spawnError: Error | undefined;
  child.once("error", (e) => (spawnError = e));

  const describe = () =>
    `Prism (${dynamic ? "dynamic" : "static"}, port ${port}, spec ${spec})\n` +
    `--- stderr tail ---\n${err.toString() || "(empty)"}\n--- stdout tail ---\n${out.toString() || "(empty)"}`;

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (spawnError) throw new Error(`failed to spawn ${describe()}\n${spawnError.message}`);
    if (child.exitCode !== null || child.signalCode !== null) {
      const e = new Error(`Prism exited before listening (code ${child.exitCode}, signal ${child.signalCode}): ${describe()}`);
      (e as Error & { addrInUse?: boolean }).addrInUse = /EADDRINUSE/.test(out + "\n" + err);
      throw e;
    }
    if (await connectable(`http://${HOST}:${port}`)) return { child, port };
    if (Date.now() > deadline) {
      await killChild(child);
      throw new Error(`Prism did not listen within ${START_TIMEOUT_MS} ms: ${describe()}`);
    }
    await sleep(100);
  }
}

/**
 * Starts Prism in mock mode on a free port of 127.0.0.1 and waits until it accepts connections.
 * Default spec: a temp copy of the Metal Interconnections fixture with the Prism workaround applied.
 */
export async function startPrism(opts: { spec?: string; dynamic?: boolean } = {}): Promise<PrismHandle> {
  const patched = opts.spec === undefined ? writePatchedSpec() : undefined;
  const spec = opts.spec ?? patched!.file;
  const cleanup = () => {
    if (patched) rmSync(patched.dir, { recursive: true, force: true });
  };
  try {
    let attempt: Attempt | undefined;
    for (let i = 0; attempt === undefined; i++) {
      try {
        attempt = await launch(spec, opts.dynamic ?? false);
      } catch (e) {
        // Someone grabbed the port between our probe and Prism's bind: try another one.
        if (i < 2 && (e as { addrInUse?: boolean }).addrInUse) continue;
        throw e;
      }
    }
    const { child, port } = attempt;
    let stopped: Promise<void> | undefined;
    return {
      url: `http://${HOST}:${port}`,
      port,
      stop() {
        stopped ??= killChild(child).finally(cleanup);
        return stopped;
      },
    };
  } catch (e) {
    cleanup();
    throw e;
  }
}
