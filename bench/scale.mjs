// Generates the "scale" capability: the flagship's 15 operations (8 consumed resources, 8 exposed
// paths) repeated `copies` times under distinct path prefixes and operation names, so the file has
// 15 × copies operations of exactly the flagship's shape. copies = 100 gives 1,500.
import { readFileSync } from "node:fs";
import { parse, stringify } from "yaml";

export function generateScale(copies = 100) {
  const flagship = parse(readFileSync(new URL("../metal-interconnections.naftiko.yaml", import.meta.url), "utf8"));
  const consumes = flagship.capability.consumes[0];
  const rest = flagship.capability.exposes.find((e) => e.type === "rest");
  const resources = [];
  const exposed = [];
  for (let k = 0; k < copies; k++) {
    const tag = `r${k}`;
    for (const r of consumes.resources) {
      resources.push({
        ...r,
        name: `${tag}-${r.name}`,
        path: `/${tag}${r.path}`,
        operations: r.operations.map((op) => ({ ...op, name: `${op.name}-${tag}` })),
      });
    }
    for (const r of rest.resources) {
      exposed.push({
        ...r,
        name: `${tag}-${r.name}`,
        path: r.path.replace(/^\/v1/, `/v1/${tag}`),
        operations: r.operations.map((op) => ({ ...op, name: `${op.name}-${tag}`, call: `${op.call}-${tag}` })),
      });
    }
  }
  const operations = resources.reduce((n, r) => n + r.operations.length, 0);
  flagship.info = {
    ...flagship.info,
    label: `Benchmark — ${operations} operations`,
    description: `The flagship's operations repeated ${copies} times.`,
  };
  consumes.resources = resources;
  rest.resources = exposed;
  rest.port = 8082;
  flagship.capability.exposes = flagship.capability.exposes.filter((e) => e.type === "rest");
  return { yaml: stringify(flagship, { lineWidth: 0, aliasDuplicateObjects: false }), operations };
}
