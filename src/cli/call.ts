import { describeCapability } from "../describe.js";
import { callTool, type CompiledTool } from "../exposes/mcp/tools.js";
import { DEFAULTS } from "../runtime.js";
import { BindError } from "../spec/binds.js";
import { parseCommandArgs } from "./args.js";
import { loadOrReport, styler } from "./common.js";

/**
 * `naftiko call <file> <tool> --arg k=v`: runs one MCP tool once, through the same path as
 * `tools/call` (argument validation, `with`, upstream call, result), and prints the result.
 * Exit code 0 for a result, 1 when it is an error (`isError`), 2 for a usage mistake.
 */
export async function callCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parseCommandArgs(argv, {
    arg: { type: "string", short: "a", multiple: true },
    json: { type: "string" },
    "base-uri": { type: "string", multiple: true },
    exposes: { type: "string" },
    timeout: { type: "string" },
    raw: { type: "boolean" },
  });
  if (positionals.length < 1 || positionals.length > 2) {
    process.stderr.write(
      'naftiko call: name a capability file and a tool, e.g. "naftiko call metal-interconnections.naftiko.yaml get-interconnection --arg connection_id=abc"\n',
    );
    return 2;
  }
  const [file, toolName] = positionals;
  const baseUris: Record<string, string> = {};
  for (const item of values["base-uri"] ?? []) {
    const eq = item.indexOf("=");
    if (eq <= 0) {
      process.stderr.write(`naftiko call: --base-uri expects <consumesNamespace>=<url>, got "${item}"\n`);
      return 2;
    }
    baseUris[item.slice(0, eq)] = item.slice(eq + 1);
  }
  const timeout = values.timeout === undefined ? DEFAULTS.callTimeout : Number(values.timeout);
  if (!Number.isInteger(timeout) || timeout <= 0) {
    process.stderr.write(`naftiko call: --timeout must be a positive integer (milliseconds), got "${values.timeout}"\n`);
    return 2;
  }
  const capability = await loadOrReport("call", file);
  if (typeof capability === "number") return capability;
  const all = (() => {
    try {
      return describeCapability(capability, { baseUris, callTimeout: timeout });
    } catch (e) {
      if (e instanceof BindError || e instanceof Error) return e;
      throw e;
    }
  })();
  if (all instanceof Error) {
    process.stderr.write(`naftiko call: ${all.message}\n`);
    return 1;
  }
  const { mcp, runtime } = all;
  try {
    const blocks = values.exposes ? mcp.filter((m) => m.block.namespace === values.exposes) : mcp;
    if (blocks.length === 0) {
      process.stderr.write(
        values.exposes
          ? `naftiko call: no MCP exposes block "${values.exposes}"; choose one of: ${mcp.map((m) => m.block.namespace).join(", ") || "(none)"}\n`
          : `naftiko call: ${file} has no type: mcp exposes block, so it has no tools to call (its REST routes: see "naftiko inspect ${file}")\n`,
      );
      return 2;
    }
    const tools = blocks.flatMap((b) => b.tools);
    if (!toolName) {
      process.stderr.write(`naftiko call: name a tool; ${file} has: ${tools.map((t) => t.name).join(", ")}\n`);
      return 2;
    }
    const tool = tools.find((t) => t.name === toolName);
    if (!tool) {
      process.stderr.write(
        `naftiko call: no tool "${toolName}" in ${file}; its tools are: ${tools.map((t) => t.name).join(", ")} (see "naftiko inspect ${file}")\n`,
      );
      return 2;
    }
    let args: Record<string, unknown>;
    try {
      args = parseToolArgs(tool, values.arg ?? [], values.json);
    } catch (e) {
      process.stderr.write(`naftiko call: ${(e as Error).message}\n`);
      return 2;
    }
    const err = styler(process.stderr);
    if (process.stderr.isTTY) process.stderr.write(err.dim(`calling ${tool.name}…\n`));
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once("SIGINT", onSigint);
    const result = await callTool(tool, args, controller.signal, runtime).finally(() => process.off("SIGINT", onSigint));
    // Raw bytes come as an image, audio or embedded blob block: printed as that block's JSON.
    const text = result.content.map((c) => (c.type === "text" ? c.text : JSON.stringify(c))).join("\n");
    if (result.isError) {
      process.stderr.write(`${err.red("error:")} ${text}\n${hintFor(text, file, tool.name)}\n`);
      return 1;
    }
    if (values.raw || result.structuredContent === undefined) process.stdout.write(`${pretty(text)}\n`);
    else process.stdout.write(`${JSON.stringify(result.structuredContent, null, 2)}\n`);
    return 0;
  } finally {
    await runtime.close();
  }
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/**
 * `--arg k=v`: the value is read by the argument's type in the tool's inputSchema — strings as
 * written; numbers, booleans, objects as JSON; arrays as JSON or comma-separated. `--json` gives
 * all arguments as one JSON object.
 */
export function parseToolArgs(tool: CompiledTool, pairs: string[], json?: string): Record<string, unknown> {
  let args: Record<string, unknown> = {};
  if (json !== undefined) {
    try {
      const parsed = JSON.parse(json) as unknown;
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error();
      args = parsed as Record<string, unknown>;
    } catch {
      throw new Error(`--json must be a JSON object of arguments, e.g. --json '{"connection_id":"abc"}'`);
    }
  }
  const props = tool.inputSchema.properties;
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new Error(`--arg expects <name>=<value>, got "${pair}"`);
    const name = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    const prop = props[name];
    if (!prop)
      throw new Error(`tool ${tool.name} has no argument "${name}"; its arguments are: ${Object.keys(props).join(", ") || "(none)"}`);
    const type = prop.type as string | undefined;
    if (type === "string") args[name] = raw;
    else if (type === "array") args[name] = raw.trim().startsWith("[") ? jsonValue(raw, name) : raw === "" ? [] : raw.split(",");
    else args[name] = jsonValue(raw, name, type);
  }
  return args;
}

function jsonValue(raw: string, name: string, type?: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    if (type === "object") throw new Error(`--arg ${name} must be a JSON object, e.g. ${name}='{"key":"value"}'`);
    return raw;
  }
}

/** What to do about a tool error, by its kind. */
function hintFor(text: string, file: string, tool: string): string {
  if (text.startsWith("Invalid arguments"))
    return `hint: see the arguments of ${tool} with "naftiko inspect ${file}", and pass them as --arg <name>=<value>`;
  if (/^Upstream error \((502|504)\)/.test(text))
    return "hint: the upstream did not answer; check the network, or point the consumes block elsewhere with --base-uri <ns>=<url> (and --timeout <ms>)";
  if (/^Upstream answered HTTP 40[13]/.test(text))
    return "hint: the upstream refused the credentials; check the variables the file binds (naftiko inspect shows the authentication)";
  return "hint: the upstream answered with an error; the text above is its answer";
}
