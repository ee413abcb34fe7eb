import { createRequire } from "node:module";

/** The runtime's version, from package.json (reported by `--version` and to MCP clients). */
export const VERSION: string = (createRequire(import.meta.url)("../package.json") as { version: string }).version;
