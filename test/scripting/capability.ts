/**
 * A capability with script steps, for the scripting tests: a shop upstream (orders, a customer), a
 * REST block with a plain route and one route per script step, an MCP tool, and a control block
 * when `scripting` settings are given. Scripts are written into a temporary folder beside it.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Recorded, Reply } from "../support/recording-upstream.js";
import { tempDir } from "../support/temp.js";

export const REST = "shop-api";
export const MCP = "shop-tools";

export const ORDERS = [
  { id: "o1", customer: "c1", amount: 12.5 },
  { id: "o2", customer: "c2", amount: 7 },
  { id: "o3", customer: "c1", amount: 30 },
];

/** The shop upstream: `/api/orders`, `/api/customers/{id}`. */
export function shop(req: Recorded): Reply {
  if (req.path === "/api/orders") return { body: JSON.stringify(ORDERS) };
  const customer = /^\/api\/customers\/([^/]+)$/.exec(req.path);
  if (customer) return { body: JSON.stringify({ id: customer[1], name: `Customer ${customer[1]}`, tier: "gold" }) };
  return { status: 404, body: "{}" };
}

export interface ScriptRoute {
  /** Route path segment and step name. */
  name: string;
  /** YAML lines of the step's fields below `type: script` (at 18 spaces), e.g. `file: x.js`. */
  step: string;
  /** Call steps before the script step (the orders, the customer). */
  calls?: boolean;
}

/**
 * `scripts`: file name → source, under `<dir>/scripts`. Steps whose `step` has no `location` get
 * `location: file:///./scripts` unless `noLocation`.
 */
export function scriptCapability(options: {
  routes: ScriptRoute[];
  scripts: Record<string, string>;
  /** YAML lines under `management.scripting:` (at 8 spaces). */
  scripting?: string;
  header?: string;
}): ScriptCapability {
  const dir = tempDir("naftiko-scripting-");
  for (const [name, code] of Object.entries({ "totals.js": TOTALS, ...options.scripts })) {
    const target = path.join(dir, "scripts", name);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, code);
  }
  const routes = options.routes
    .map(
      (r) => `        - path: "/run/${r.name}/{id}"
          operations:
            - method: GET
              name: ${r.name}
              inputParameters:
                - name: id
                  in: path
                  type: string
                  description: "customer id"
                - name: limit
                  in: query
                  type: integer
                  description: "a number for the script"
              steps:
${
  r.calls === false
    ? ""
    : `                - name: orders
                  type: call
                  call: shop.list-orders
                - name: customer
                  type: call
                  call: shop.get-customer
                  with:
                    id: "{{id}}"
`
}                - name: ${r.name}
                  type: script
${r.step.replace(/^/gm, "                  ")}
              mappings:
                - targetName: out
                  value: "$.${r.name}"
`,
    )
    .join("");
  const text = `naftiko: "1.0.0-alpha2"
${options.header ?? ""}capability:
  consumes:
    - namespace: shop
      type: http
      baseUri: "http://127.0.0.1:9/api"
      resources:
        - name: orders
          path: "/orders"
          operations:
            - name: list-orders
              method: GET
        - name: customer
          path: "/customers/{{id}}"
          operations:
            - name: get-customer
              method: GET
              inputParameters:
                - name: id
                  in: path
  exposes:
    - type: rest
      port: 18080
      namespace: ${REST}
      resources:
        - path: "/orders"
          operations:
            - method: GET
              name: plain-orders
              call: shop.list-orders
${routes}    - type: mcp
      port: 18081
      namespace: ${MCP}
      tools:
        - name: order-totals
          description: "Order totals of a customer, computed by a script"
          inputParameters:
            - name: id
              type: string
              description: "customer id"
          steps:
            - name: orders
              type: call
              call: shop.list-orders
            - name: totals
              type: script
              language: javascript
              location: "file:///./scripts"
              file: totals.js
              with:
                customer: "{{id}}"
${
  options.scripting === undefined
    ? ""
    : `    - type: control
      port: 18082
      management:
        scripting:
${options.scripting.replace(/^/gm, "          ")}
`
}`;
  const file = path.join(dir, "capability.yml");
  writeFileSync(file, text);
  return { dir, file, text, control: options.scripting !== undefined };
}

export interface ScriptCapability {
  dir: string;
  file: string;
  text: string;
  /** It has a control block. */
  control: boolean;
}

/** The MCP tool's script: the customer's orders, counted and summed. */
export const TOTALS = `var mine = context.orders.filter(function (o) { return o.customer === context.customer; });
result = { customer: context.customer, count: mine.length, total: mine.reduce(function (t, o) { return t + o.amount; }, 0) };
`;

/** `serve` arguments: every port ephemeral, the shop upstream at `url`. */
export function serveArgs(cap: ScriptCapability, url: string): string[] {
  return [
    cap.file,
    "--base-uri",
    `shop=${url}/api`,
    "--port",
    `${REST}=0`,
    "--port",
    `${MCP}=0`,
    ...(cap.control ? ["--port", "control=0"] : []),
  ];
}

/** The 1-based line of the first line containing `needle`. */
export function lineOf(text: string, needle: string): number {
  const i = text.split("\n").findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`"${needle}" not in the capability`);
  return i + 1;
}
