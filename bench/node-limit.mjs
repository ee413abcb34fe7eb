// The "node limit": the least a Node proxy can do for one route — node:http in, an undici Pool out
// (same pool settings as the runtime: keep-alive, 64 connections), status and content-type passed
// on, body streamed with pipe (not pipeline, which costs an AbortController and a DOMException per
// call). No timeouts, no cancellation, no validation: it is the floor the runtime is measured
// against, so anything the runtime does beyond it shows up in the ratios. It loads undici's Pool and
// its request API alone (undici's index adds fetch, WebSocket, caches…), as the runtime loads only
// the Pool: its cold start is a floor too.
import http from "node:http";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const Pool = require("undici/lib/dispatcher/pool.js");
Object.assign(require("undici/lib/dispatcher/dispatcher.js").prototype, require("undici/lib/api/index.js"));

const upstream = process.argv[2]; // e.g. http://127.0.0.1:4010
const pool = new Pool(upstream, { connections: 64, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: 0, bodyTimeout: 0 });

const server = http.createServer(async (req, res) => {
  try {
    const up = await pool.request({ path: req.url, method: req.method, headers: { accept: "application/json" } });
    res.writeHead(up.statusCode, { "content-type": up.headers["content-type"] ?? "application/json" });
    up.body.once("error", () => res.destroy());
    up.body.pipe(res);
  } catch {
    if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
    res.end('{"error":"upstream_unreachable"}');
  }
});
server.keepAliveTimeout = 60_000;
// Exit normally on Ctrl-C, so that a --cpu-prof run writes its profile.
process.on("SIGINT", () => process.exit(0));
server.listen(Number(process.argv[3] ?? 0), "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
