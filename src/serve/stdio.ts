import type { Capability } from "../spec/load.js";
import type { ExposesMcp } from "../spec/model.js";
import type { ServeOptions } from "./options.js";

/**
 * The MCP block served on stdin/stdout: with `--stdio`, the file's `transport: stdio` block or its
 * only MCP block (and then no port may be asked for, since none is opened); otherwise the
 * `transport: stdio` block, if any (validation allows one per file).
 */
export function chooseStdioBlock(capability: Capability, options: ServeOptions): ExposesMcp | undefined {
  const mcp = capability.exposes.filter((b): b is ExposesMcp => b.type === "mcp");
  const declared = mcp.find((b) => b.transport === "stdio");
  if (!options.stdio) return declared;
  if (!mcp.length) throw new Error(`--stdio: ${capability.file} has no MCP block to serve on stdin/stdout`);
  if (!declared && mcp.length > 1)
    throw new Error(
      `--stdio: ${capability.file} has ${mcp.length} MCP blocks (${mcp.map((b) => b.namespace).join(", ")}); mark the one to serve on stdin/stdout with "transport: stdio"`,
    );
  const flags = [
    ...Object.keys(options.ports ?? {}).map((ns) => `--port ${ns}`),
    ...Object.keys(options.hosts ?? {}).map((ns) => (ns === "*" ? "--host" : `--host ${ns}`)),
    ...(options.controlPort !== undefined ? ["--control-port"] : []),
  ];
  if (flags.length)
    throw new Error(
      `--stdio serves MCP block "${(declared ?? mcp[0]).namespace}" on stdin/stdout and opens no port, so ${flags.join(", ")} would do nothing: drop ${flags.length === 1 ? "it" : "them"}, or serve without --stdio`,
    );
  return declared ?? mcp[0];
}
