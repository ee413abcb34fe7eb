/** Talking to an MCP block the way clients of the reference engine do (test/support/serve.ts serves it). */
import { post } from "./shipyard.js";

/** A bare JSON-RPC request, as clients of the reference engine send it (no initialize, no Accept). */
export async function mcp(base: string, method: string, params: unknown, headers: Record<string, string> = {}) {
  const res = await post(
    `${base.replace(/^http:\/\/[^/:]+/, "http://localhost")}/`,
    { "Content-Type": "application/json", ...headers },
    JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  );
  return { ...res, json: () => JSON.parse(res.text) };
}

/** `tools/call` → the parsed text result (or the error text when `isError`). */
export async function callTool(base: string, name: string, args: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await mcp(base, "tools/call", { name, arguments: args }, headers);
  const body = res.json();
  const text: string = body.result?.content?.[0]?.text ?? "";
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  return { status: res.status, body, isError: body.result?.isError === true, text, value };
}
