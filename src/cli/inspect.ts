import { describeCapability } from "../describe.js";
import { mcpCounts } from "../exposes/mcp/counts.js";
import type { InputSpec } from "../exposes/invocation.js";
import type { Invocable } from "../spec/model.js";
import { parseCommandArgs } from "./args.js";
import { loadOrReport, styler, table } from "./common.js";

/** `naftiko inspect <file>`: the routes, tools (with hints), resources, prompts and upstream calls of a capability. */
export async function inspectCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, {});
  if (parsed.positionals.length !== 1) {
    process.stderr.write('naftiko inspect: name exactly one capability file, e.g. "naftiko inspect metal-interconnections.naftiko.yaml"\n');
    return 2;
  }
  const capability = await loadOrReport("inspect", parsed.positionals[0]);
  if (typeof capability === "number") return capability;
  const { rest, mcp, runtime } = describeCapability(capability);
  await runtime.close();
  const s = styler(process.stdout);
  const out: string[] = [];
  const info = capability.info;
  out.push(`${s.bold(info?.display ?? capability.file)}${info?.description ? `\n${s.dim(info.description)}` : ""}\n`);

  for (const { block, routes } of rest) {
    out.push(
      `${s.cyan(`REST ${block.namespace}`)}  ${block.address ?? "127.0.0.1"}:${block.port}  ${routes.length} route${routes.length === 1 ? "" : "s"}  (OpenAPI: /openapi.json, docs: /docs)`,
    );
    out.push(
      table(
        ["METHOD", "PATH", "OPERATION", "CALLS", "INPUTS"],
        [
          ...routes.map((r) => [r.method, r.path, r.name ?? "", unitCall(r.unit), inputs(r.invocation.inputs, true)]),
          // A forward takes every method its operations do not, on its path and below it.
          ...block.resources.flatMap((r) =>
            r.forward
              ? [
                  [
                    "*",
                    `${r.path} (and below)`,
                    r.name ?? "",
                    `forward → ${r.forward.target.namespace}`,
                    `headers: ${r.forward.trustedHeaders.join(", ") || "none"}`,
                  ],
                ]
              : [],
          ),
        ],
        s.bold,
      ),
    );
  }
  for (const { block, tools } of mcp) {
    out.push(
      `${s.cyan(`MCP ${block.namespace}`)}  ${block.transport ?? "http"}${block.transport === "stdio" ? "" : `  ${block.address ?? "127.0.0.1"}:${block.port}/mcp`}  ${mcpCounts(block)}`,
    );
    out.push(
      table(
        ["TOOL", "HINTS", "CALLS", "ARGUMENTS"],
        tools.map((t) => {
          const a = t.annotations;
          const hints = [
            a.readOnlyHint ? "read-only" : "writes",
            a.destructiveHint && "destructive",
            a.idempotentHint && "idempotent",
            a.openWorldHint && "open-world",
          ]
            .filter(Boolean)
            .join(",");
          return [t.name, hints, unitCall(t.unit), inputs(t.invocation.inputs, false)];
        }),
        s.bold,
      ),
    );
    if (block.resources.length) {
      out.push(
        table(
          ["RESOURCE", "URI", "SERVES", "TYPE"],
          block.resources.map((r) => [
            r.name,
            r.location !== undefined ? `${r.uri}/<file>` : r.uri,
            r.location !== undefined ? `files of ${r.location}` : unitCall(r),
            r.mimeType ??
              (r.location !== undefined ? "(by extension)" : r.call?.outputRawFormat === "binary" ? "(upstream's)" : "application/json"),
          ]),
          s.bold,
        ),
      );
    }
    if (block.prompts.length) {
      out.push(
        table(
          ["PROMPT", "ARGUMENTS", "MESSAGES"],
          block.prompts.map((p) => [
            p.name,
            p.arguments.map((a) => `${a.name}${a.required === false ? "" : "*"}`).join(" "),
            p.template ? `${p.template.length} inline (${p.template.map((m) => m.role).join(", ")})` : `user, from ${p.location}`,
          ]),
          s.bold,
        ),
      );
    }
  }
  const ops = runtime.allPlans();
  out.push(s.cyan(`UPSTREAM  ${ops.length} consumed operation${ops.length === 1 ? "" : "s"}`));
  out.push(
    table(
      ["OPERATION", "METHOD", "URL", "AUTH"],
      ops.map((p) => [
        p.key,
        p.method,
        `${p.operation.consumes.baseUri.replace(/\/+$/, "")}${p.operation.resource.path}`,
        authOf(p.operation.consumes.authentication),
      ]),
      s.bold,
    ),
  );
  process.stdout.write(out.join("\n"));
  return 0;
}

/** What a unit calls: its consumed operation, the aggregate flow it refers to, its steps, or nothing (mock). */
function unitCall(unit: Invocable): string {
  if (unit.flow) return `ref ${unit.flow.key}`;
  return unit.call?.key ?? (unit.steps?.length ? "steps" : "(mock)");
}

function inputs(list: InputSpec[], rest: boolean): string {
  return list.map((i) => `${i.name}${i.required ? "*" : ""}${rest ? `:${i.in}` : ""}${i.type === "string" ? "" : `(${i.type})`}`).join(" ");
}

function authOf(auth: { type: string; key?: string; placement?: string } | undefined): string {
  if (!auth) return "-";
  return auth.type === "apikey" ? `apikey ${auth.key ?? "X-API-Key"} (${auth.placement ?? "header"})` : auth.type;
}
