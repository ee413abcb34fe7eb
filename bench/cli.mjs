// How the bench starts the CLI: as the installed `naftiko` command does, with the Node flags of
// bin/naftiko.js's `#!` line (read from it, so the two cannot drift), but through this Node
// (process.execPath) rather than whichever `node` is first on PATH.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../bin/naftiko.js");

const shebang = readFileSync(CLI, "utf8").split("\n", 1)[0];
const flags = /^#!\/usr\/bin\/env -S node((?:\s+--\S+)*)\s*$/.exec(shebang);
if (!flags) throw new Error(`bench/cli.mjs: unexpected first line in ${CLI}: ${shebang}`);

/** `[node flags…, bin/naftiko.js]`: the arguments before the CLI's own. */
export const CLI_ARGS = [...flags[1].trim().split(/\s+/).filter(Boolean), CLI];
