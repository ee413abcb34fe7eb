import { createRequire } from "node:module";

/** The runtime's own version, from package.json. */
export const RUNTIME_VERSION: string = (createRequire(import.meta.url)("../package.json") as { version: string }).version;
