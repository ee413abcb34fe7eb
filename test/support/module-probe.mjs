// Loaded with NODE_OPTIONS=--import=<this file>: reports on stderr every module specifier the
// process resolves that contains one of the comma-separated words in PROBE_MODULES (default
// "@opentelemetry"), to prove a feature costs nothing until it is used.
import { register } from "node:module";

process.stderr.write("probe: active\n");

const words = JSON.stringify((process.env.PROBE_MODULES ?? "@opentelemetry").split(","));
register(
  "data:text/javascript," +
    encodeURIComponent(
      `const words = ${words}; export async function resolve(s, c, next) { if (words.some((w) => s.includes(w))) process.stderr.write("probe: loaded " + s + "\\n"); return next(s, c); }`,
    ),
);
