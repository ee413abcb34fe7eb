import type { ExposesMcp } from "../../spec/model.js";

/** What an MCP block serves, as the log and `inspect` say it: "15 tools", "2 tools, 3 resources, 1 prompt". */
export function mcpCounts(block: ExposesMcp): string {
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  return [
    count(block.tools.length, "tool"),
    ...(block.resources.length ? [count(block.resources.length, "resource")] : []),
    ...(block.prompts.length ? [count(block.prompts.length, "prompt")] : []),
  ].join(", ");
}
