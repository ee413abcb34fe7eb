import type { RequestListener } from "node:http";
import type { McpService } from "../exposes/mcp/server.js";
import type { RestRoute } from "../exposes/rest/server.js";
import type { Runtime } from "../runtime.js";
import type { Capability } from "../spec/load.js";

/** What one exposes block serves in one version of the capability. */
export interface BlockApp {
  listener: RequestListener;
  routes?: RestRoute[];
  mcp?: McpService;
  close?(): Promise<void>;
}

/** One version of the capability: its runtime and the apps built on it, with its in-flight count. */
export interface Generation {
  capability: Capability;
  runtime: Runtime;
  apps: Map<string, BlockApp>;
  inFlight: number;
  retired: boolean;
}
