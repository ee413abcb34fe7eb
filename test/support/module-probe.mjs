// Loaded with NODE_OPTIONS=--import=<this file>: reports on stderr every module specifier containing
// "@opentelemetry" that the process resolves, to prove tracing costs nothing when it is off.
import { register } from "node:module";

process.stderr.write("probe: active\n");

register(
  "data:text/javascript," +
    encodeURIComponent(
      `export async function resolve(s, c, next) { if (s.includes("@opentelemetry")) process.stderr.write("probe: loaded " + s + "\\n"); return next(s, c); }`,
    ),
);
