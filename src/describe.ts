import { compileTools, type CompiledTool } from "./exposes/mcp/tools.js";
import { compileRoutes, type RestRoute } from "./exposes/rest/server.js";
import { createRuntime, type Runtime, type RuntimeOptions } from "./runtime.js";
import type { Capability, ExposesMcp, ExposesRest } from "./spec/model.js";

/** A capability compiled to describe it (OpenAPI, inspect) or to call a tool once (`naftiko call`). */
export interface Described {
  runtime: Runtime;
  rest: Array<{ block: ExposesRest; routes: RestRoute[] }>;
  mcp: Array<{ block: ExposesMcp; tools: CompiledTool[] }>;
}

/**
 * Compiles routes and tools exactly as `serve` does, without listening. With `describeOnly` binds
 * are not resolved (no credential is needed to describe a capability) and nothing may be called.
 */
export function describeCapability(capability: Capability, options: RuntimeOptions = { describeOnly: true }): Described {
  const runtime = createRuntime(capability, options);
  const rest: Described["rest"] = [];
  const mcp: Described["mcp"] = [];
  for (const block of capability.exposes) {
    if (block.type === "rest") rest.push({ block, routes: compileRoutes(block, runtime) });
    if (block.type === "mcp") mcp.push({ block, tools: compileTools(block, runtime) });
  }
  return { runtime, rest, mcp };
}
