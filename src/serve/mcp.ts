import { compileServerAuth } from "../exposes/auth.js";
import type { Observer } from "../observability/observer.js";
import type { Runtime } from "../runtime.js";
import type { ExposesMcp } from "../spec/model.js";
import { VERSION } from "../version.js";
import type { BlockApp } from "./generation.js";
import { addressOf, type ServeOptions } from "./options.js";

export type McpCode = Awaited<ReturnType<typeof loadMcp>>;

/**
 * The MCP side (the MCP SDK, and with it zod and ajv: about a third of a cold start), loaded only
 * for a capability that exposes MCP.
 */
export async function loadMcp() {
  const [http, observe, server, stdio] = await Promise.all([
    import("../exposes/mcp/http.js"),
    import("../exposes/mcp/observe.js"),
    import("../exposes/mcp/server.js"),
    import("../exposes/mcp/stdio.js"),
  ]);
  return { mcpHttpApp: http.mcpHttpApp, observeCalls: observe.observeCalls, mcpService: server.mcpService, serveStdio: stdio.serveStdio };
}

/**
 * An MCP block of one version: its service, and the HTTP endpoint in front of it (none for the
 * block served on stdin/stdout, whose port stays closed).
 */
export function mcpApp(
  code: McpCode,
  mcp: ExposesMcp,
  runtime: Runtime,
  {
    options,
    observer,
    stdioBlock,
    maxBodySize,
  }: { options: ServeOptions; observer: Observer; stdioBlock?: ExposesMcp; maxBodySize: number },
): BlockApp {
  const service = code.mcpService(mcp, runtime, VERSION, code.observeCalls(observer, mcp.namespace));
  if (mcp === stdioBlock) return { listener: (_req, res) => void res.writeHead(404).end(), mcp: service };
  const auth = compileServerAuth(mcp.authentication, runtime.binds, mcp.namespace, { mcp: true });
  const http = code.mcpHttpApp(service, {
    sessions: options.mcpSessions ?? false,
    address: addressOf(options, mcp),
    allowedHosts: options.allowedHosts,
    allowedOrigins: options.allowedOrigins,
    maxBodySize,
    auth,
    redact: (t) => runtime.redactor.redact(t),
  });
  return { listener: http.listener, mcp: service, close: http.close };
}
