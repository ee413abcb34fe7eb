import { createRequire } from "node:module";

/*
 * Node built-in modules required as CommonJS rather than imported. From Node 22 on, the first ES
 * import of a built-in reads every one of its exports, lazy ones included, and node:http's lazy
 * WebSocket exports load Node's own bundled undici: ~25–40 ms of a Node 24 cold start that no
 * capability uses (the runtime calls upstreams with the undici package). Node 20 has no such
 * exports. Types still come from `import type`.
 */
const require = createRequire(import.meta.url);

export const http: typeof import("node:http") = require("node:http");
// node:fs's lazy ReadStream exports load its stream classes, node:util's lazy TextDecoder the encoders.
export const fs: typeof import("node:fs") = require("node:fs");
export const util: typeof import("node:util") = require("node:util");
