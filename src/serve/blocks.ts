import type { Server } from "node:http";
import { http } from "../builtins.js";
import { isLoopback } from "../exposes/address.js";
import { mcpCounts } from "../exposes/mcp/counts.js";
import type { Exposes, ExposesControl } from "../spec/model.js";
import { addMcpApps, type Builder } from "./build.js";
import { listen, urlOf } from "./listen.js";
import { loadMcp } from "./mcp.js";
import { addressOf, type Listener } from "./options.js";
import type { Versions } from "./versions.js";

/** An exposes block served on a port or on stdio. */
type Block = Exclude<Exposes, ExposesControl>;

/** What serving the exposes blocks opened: a server per block on a port, and the stdio MCP client's. */
export interface OpenBlocks {
  servers: Server[];
  stdio?: { close(): Promise<void>; closed: Promise<void> };
}

/** The exposes blocks that listen on a port or on stdio (not the control block). */
export function servingBlocks(blocks: readonly Exposes[]): Block[] {
  return blocks.filter((b): b is Block => b.type === "rest" || b.type === "mcp" || b.type === "skill");
}

/**
 * Opens each exposes block, REST and skill blocks first and MCP blocks last: the code that compiles
 * MCP blocks loads while the others already answer (the MCP SDK itself waits for a block's first
 * request, see exposes/mcp/sdk.ts). Each is logged as it listens, and
 * added to `listeners` and `open` as it does, so a failure part-way closes what was opened.
 */
export async function listenBlocks(
  blocks: readonly Exposes[],
  {
    builder,
    versions,
    listeners,
    open,
    log,
  }: {
    builder: Builder;
    versions: Versions;
    listeners: Listener[];
    open: OpenBlocks;
    log: (line: string) => void;
  },
): Promise<void> {
  const { options, stdioBlock } = builder;
  const served = servingBlocks(blocks);
  const order = [...served.filter((b) => b.type !== "mcp"), ...served.filter((b) => b.type === "mcp")];
  for (const block of order) {
    if (block.type === "mcp" && !builder.mcpCode) {
      builder.mcpCode = await loadMcp();
      addMcpApps(builder, versions.current);
    }
    const built = versions.current.apps.get(block.namespace)!;
    if (block === stdioBlock) {
      // stdio is bound to the first version's tools: --watch reloads HTTP blocks only.
      open.stdio = await builder.mcpCode!.serveStdio(built.mcp!);
      listeners.push({ namespace: block.namespace, type: "mcp", url: "stdio", port: 0, address: "stdio", mcp: built.mcp });
      log(`naftiko: mcp ${block.namespace} serving on stdio (${mcpCounts(block)})`);
      continue;
    }
    const address = addressOf(options, block);
    if (!isLoopback(address) && !block.authentication) {
      log(
        `naftiko: warning: ${block.type} ${block.namespace} listens on ${address} without authentication; anyone who can reach it can call the upstream with this capability's credentials`,
      );
    }
    const server = http.createServer(versions.dispatch(block.namespace));
    const bound = await listen(server, options.ports?.[block.namespace] ?? block.port!, address, block.namespace);
    open.servers.push(server);
    const base = urlOf(bound);
    const at = { namespace: block.namespace, port: bound.port, address: bound.address };
    if (block.type === "skill") {
      const count = block.skills.length;
      listeners.push({ ...at, type: "skill", url: base });
      log(`naftiko: skill ${block.namespace} listening on ${base} (${count} skill${count === 1 ? "" : "s"})`);
    } else if (block.type === "rest") {
      const routes = built.routes!;
      listeners.push({ ...at, type: "rest", url: base, routes });
      log(`naftiko: rest ${block.namespace} listening on ${base} (${routes.length} route${routes.length === 1 ? "" : "s"})`);
    } else {
      const url = `${base}/mcp`;
      listeners.push({ ...at, type: "mcp", url, mcp: built.mcp });
      log(`naftiko: mcp ${block.namespace} listening on ${url} (${mcpCounts(block)}, ${options.mcpSessions ? "sessions" : "stateless"})`);
    }
  }
}
