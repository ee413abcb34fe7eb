// How the bench starts Node for a server under test: with the Node flags the Docker image's
// ENTRYPOINT gives the runtime (read from the Dockerfile, so the two cannot drift), for the runtime
// and for the node-limit proxy alike, so that both run on the same V8 settings.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CLI = path.join(ROOT, "bin/naftiko.js");

const entrypoint = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(readFileSync(path.join(ROOT, "Dockerfile"), "utf8"));
const argv = entrypoint ? JSON.parse(entrypoint[1]) : [];
const cli = argv.indexOf("/app/bin/naftiko.js");
if (argv[0] !== "node" || cli < 1) throw new Error(`bench/cli.mjs: no ENTRYPOINT ["node", …, "/app/bin/naftiko.js", …] in the Dockerfile`);

/** The Node flags of the image's ENTRYPOINT, e.g. `["--max-semi-space-size=32"]`. */
export const NODE_FLAGS = argv.slice(1, cli);
/** `[node flags…, bin/naftiko.js]`: the arguments before the CLI's own. */
export const CLI_ARGS = [...NODE_FLAGS, CLI];
