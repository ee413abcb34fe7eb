// The benchmark's upstream: a minimal node:http server with fixed answers, so that every figure
// measures the server in front of it, not this one.
//   /huge/<N>/…                 → an N MB list, streamed     (the streaming/RSS check)
//   …/projects/{id}/connections → the ~100 KB list          (the "large" case)
//   anything else               → the fixed interconnection document
import http from "node:http";
import { readFileSync } from "node:fs";

const example = new URL("../test/fixtures/upstream/examples/interconnection.dedicated-redundant.get.json", import.meta.url);
const item = JSON.parse(readFileSync(example, "utf8"));
const one = Buffer.from(JSON.stringify(item));
// ~100 KB: the same interconnection repeated with distinct ids, as a Metal list page.
const count = Math.round(100_000 / one.length);
const list = Buffer.from(
  JSON.stringify({
    interconnections: Array.from({ length: count }, (_, i) => ({ ...item, id: `${item.id.slice(0, -4)}${String(i).padStart(4, "0")}` })),
    meta: { total: count },
  }),
);

const json = (res, body) => {
  res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
  res.end(body);
};

const server = http.createServer((req, res) => {
  const path = req.url.split("?")[0];
  if (path.startsWith("/huge/")) {
    // A list of N MB written item by item with back-pressure, never held whole in memory.
    const mb = Number(path.split("/")[2]);
    const total = Math.ceil((mb * 1024 * 1024) / (one.length + 1));
    res.writeHead(200, { "content-type": "application/json" });
    let i = 0;
    const write = () => {
      while (i < total) {
        const ok = res.write(i === 0 ? Buffer.concat([Buffer.from("["), one]) : Buffer.concat([Buffer.from(","), one]));
        i++;
        if (!ok) return res.once("drain", write);
      }
      res.end("]");
    };
    return write();
  }
  if (path.endsWith("/connections")) return json(res, list);
  json(res, one);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port, one: one.length, list: list.length })}\n`);
});
