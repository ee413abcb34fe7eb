import { compileServerAuth } from "../exposes/auth.js";
import type { McpHttpOptions } from "../exposes/mcp/http.js";
import { answerInternalError } from "../exposes/mcp/internal-error.js";
import { loadSdk } from "../exposes/mcp/sdk.js";
import type { McpService } from "../exposes/mcp/server.js";
import type { Observer } from "../observability/observer.js";
import type { Runtime } from "../runtime.js";
import type { ExposesMcp } from "../spec/model.js";
import { VERSION } from "../version.js";
import type { BlockApp } from "./generation.js";
import { addressOf, type ServeOptions } from "./options.js";

export type McpCode = Awaited<ReturnType<typeof loadMcp>>;

/**
 * What every MCP block is compiled with, loaded only for a capability that exposes MCP. The SDK
 * itself (see exposes/mcp/sdk.ts) and the modules that serve requests with it load later, when a
 * block first needs them.
 */
export async function loadMcp() {
  const [observe, server] = await Promise.all([import("../exposes/mcp/observe.js"), import("../exposes/mcp/server.js")]);
  return { observeCalls: observe.observeCalls, mcpService: server.mcpService, serveStdio: serveStdioLoaded };
}

async function serveStdioLoaded(service: McpService) {
  const [, stdio] = await Promise.all([loadSdk(), import("../exposes/mcp/stdio.js")]);
  return stdio.serveStdio(service);
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
  const endpointOptions: McpHttpOptions = {
    sessions: options.mcpSessions ?? false,
    address: addressOf(options, mcp),
    allowedHosts: options.allowedHosts,
    allowedOrigins: options.allowedOrigins,
    maxBodySize,
    auth,
    redact: (t) => runtime.redactor.redact(t),
  };
  // The endpoint, made with the SDK on the first request; requests that come while it loads wait
  // for it (their bodies stay unread in the meantime).
  let endpoint: McpEndpoint | undefined;
  let making: Promise<McpEndpoint> | undefined;
  const make = () =>
    (making ??= Promise.all([loadSdk(), import("../exposes/mcp/http.js")]).then(
      ([, http]) => (endpoint = http.mcpHttpApp(service, endpointOptions)),
    ));
  return {
    listener(req, res) {
      if (endpoint) return endpoint.listener(req, res);
      make().then(
        (made) => made.listener(req, res),
        (e: unknown) => {
          console.error(runtime.redactor.redact(`naftiko: the MCP endpoint cannot be made: ${(e as Error)?.stack ?? e}`));
          answerInternalError(res);
        },
      );
    },
    mcp: service,
    async close() {
      await (making && (await making.catch(() => undefined))?.close());
    },
  };
}

type McpEndpoint = ReturnType<typeof import("../exposes/mcp/http.js").mcpHttpApp>;
