// Cold start only: spawn `naftiko serve` → first 200 from a REST route, for the flagship and the
// 1,500-operation scale file, against bench/upstream.mjs; plus bare `node -e ""`. Same method as
// the cold-start part of bench/run.mjs (server pinned to CPU 1 with taskset where possible).
// Usage: node bench/coldstart.mjs [--runs N] [--only flagship|scale|bare] [--copies N] [--node-arg X ...]
// (--copies 1: the flagship's REST block alone, 15 operations.)
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { parse } from "yaml";
import { CLI_ARGS } from "./cli.mjs";
import { generateScale } from "./scale.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "..");
const FLAGSHIP = path.join(ROOT, "metal-interconnections.naftiko.yaml");
const CONNECTION = "79fca704-b256-487b-b33c-6dfd4a500468";
const ENV = { ...process.env, PATH: process.env.PATH, EQUINIX_API_KEY: "bench-key" };

const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "7" },
    copies: { type: "string", default: "100" },
    only: { type: "string", multiple: true },
    "node-arg": { type: "string", multiple: true },
  },
});
const runs = Number(args.runs);
const only = new Set(args.only ?? ["bare", "flagship", "scale"]);
const nodeArgs = args["node-arg"] ?? [];
const cpus = os.availableParallelism?.() ?? os.cpus().length;
let canPin = false;
try {
  execFileSync("taskset", ["--version"], { stdio: "ignore" });
  canPin = process.platform === "linux" && cpus >= 2;
} catch {
  // No taskset: the servers run unpinned.
}
const pin = (pid, cpu) => canPin && execFileSync("taskset", ["-a", "-p", "-c", String(cpu), String(pid)], { stdio: "ignore" });

const up = spawn(process.execPath, [path.join(HERE, "upstream.mjs")], { stdio: ["ignore", "pipe", "inherit"] });
pin(up.pid, 0);
const upPort = await new Promise((resolve) => {
  let t = "";
  up.stdout.on("data", (d) => {
    t += d;
    const nl = t.indexOf("\n");
    if (nl >= 0) resolve(JSON.parse(t.slice(0, nl)).port);
  });
});
const metalBase = `http://127.0.0.1:${upPort}/metal/v1`;
const scaleFile = path.join(os.tmpdir(), `naftiko-coldstart-scale-${process.pid}.naftiko.yaml`);
const copies = Number(args.copies);
writeFileSync(scaleFile, generateScale(copies).yaml);
const portArgs = (file) => (parse(readFileSync(file, "utf8")).capability.exposes ?? []).flatMap((e) => ["--port", `${e.namespace}=0`]);
const flagshipArgs = [...portArgs(FLAGSHIP), "--base-uri", `metal-interconnections=${metalBase}`];
const scaleArgs = ["--port", "metal-interconnections-rest=0", "--base-uri", `metal-interconnections=${metalBase}`];

function request(url) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
    });
    req.on("error", reject);
    req.end();
  });
}

async function untilOk(url) {
  for (;;) {
    try {
      if ((await request(url)) === 200) return process.hrtime.bigint();
    } catch {
      // Not listening yet: poll again.
    }
    await new Promise((r) => setTimeout(r, 2));
  }
}

function bare() {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
    pin(child.pid, 1);
    child.once("exit", () => resolve(Number(process.hrtime.bigint() - t0) / 1e6));
  });
}

/** CPU time (ms) all threads of `pid` have run so far (Linux); NaN elsewhere. Steadier than wall time on a busy machine. */
function cpuMs(pid) {
  try {
    let ns = 0;
    for (const t of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, "utf8").split(" ")[0]);
    return ns / 1e6;
  } catch {
    return NaN;
  }
}

const cpu = { flagship: [], scale: [] };

function cold(file, serveArgs, route, name) {
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [...nodeArgs, ...CLI_ARGS, "serve", file, ...serveArgs], {
    cwd: ROOT,
    env: ENV,
    stdio: ["ignore", "ignore", "pipe"],
  });
  pin(child.pid, 1);
  return new Promise((resolve, reject) => {
    let err = "";
    let first;
    child.stderr.on("data", (d) => {
      err += d;
      const m = /naftiko: rest \S+ listening on (\S+)/.exec(err);
      if (m && !first) {
        first = untilOk(`${m[1]}${route}`).then(async (t) => {
          cpu[name].push(cpuMs(child.pid));
          child.kill("SIGTERM");
          await new Promise((r) => child.once("exit", r));
          resolve(Number(t - t0) / 1e6);
        });
      }
    });
    child.once("exit", (code) => {
      if (!first) reject(new Error(`exited ${code}: ${err}`));
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const res = { bare: [], flagship: [], scale: [] };
for (let i = 0; i < runs; i++) {
  if (only.has("bare")) res.bare.push(await bare());
  if (only.has("flagship")) res.flagship.push(await cold(FLAGSHIP, flagshipArgs, `/v1/connections/${CONNECTION}`, "flagship"));
  if (only.has("scale")) res.scale.push(await cold(scaleFile, scaleArgs, `/v1/r${copies - 1}/connections/${CONNECTION}`, "scale"));
}
up.kill();
rmSync(scaleFile, { force: true });
const out = {};
for (const [k, v] of Object.entries(res))
  if (v.length) out[k] = { median: +median(v).toFixed(1), min: +Math.min(...v).toFixed(1), runs: v.map((x) => +x.toFixed(1)) };
for (const [k, v] of Object.entries(cpu)) if (v.length) out[`${k}Cpu`] = { median: +median(v).toFixed(1), min: +Math.min(...v).toFixed(1) };
if (out.flagship && out.bare) out.flagshipOverBare = +(out.flagship.median / out.bare.median).toFixed(2);
if (out.flagship && out.scale) out.scaleOverFlagship = +(out.scale.median / out.flagship.median).toFixed(2);
console.log(JSON.stringify(out, null, 1));
