/**
 * The SDK's message-kind checks, with the runtime's cheaper failing `safeParse` installed
 * (src/exposes/mcp/guards.ts): every message is still classified as the MCP schemas say, and a
 * failed parse still explains itself with zod's own error.
 */
import "../../src/exposes/mcp/guards.js";
import {
  InitializeRequestSchema,
  isInitializeRequest,
  isJSONRPCErrorResponse,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  JSONRPCErrorResponseSchema,
  JSONRPCResultResponseSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";

const call = { jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "get-thing", arguments: { id: "a-1" } } };
const initialize = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "test", version: "1.0.0" } },
};
const result = { jsonrpc: "2.0", id: 7, result: { content: [{ type: "text", text: "{}" }], structuredContent: {} } };
const error = { jsonrpc: "2.0", id: 7, error: { code: -32602, message: "Invalid params" } };
const notJsonRpc = { hello: "world" };

describe("MCP message-kind checks", () => {
  it.each([
    ["a tools/call request", call, { request: true, initialize: false, result: false, error: false }],
    ["an initialize request", initialize, { request: true, initialize: true, result: false, error: false }],
    ["a result", result, { request: false, initialize: false, result: true, error: false }],
    ["an error", error, { request: false, initialize: false, result: false, error: true }],
    ["something else", notJsonRpc, { request: false, initialize: false, result: false, error: false }],
    [
      "an initialize request without clientInfo",
      { ...initialize, params: { protocolVersion: "2025-06-18", capabilities: {} } },
      { request: true, initialize: false, result: false, error: false },
    ],
  ])("tells %s for what it is", (_name, message, kind) => {
    expect({
      request: isJSONRPCRequest(message),
      initialize: isInitializeRequest(message),
      result: isJSONRPCResultResponse(message),
      error: isJSONRPCErrorResponse(message),
    }).toEqual(kind);
  });

  it.each([
    ["initialize", InitializeRequestSchema],
    ["result", JSONRPCResultResponseSchema],
    ["error", JSONRPCErrorResponseSchema],
  ] as const)("explains a mismatch with %s with zod's own error", (_name, schema) => {
    // Standard Schema's validate is zod's own parse, untouched by the guards.
    const zods = schema["~standard"].validate(call) as { issues?: unknown[] };
    const ours = schema.safeParse(call);
    expect(ours.success).toBe(false);
    expect(zods.issues?.length).toBeGreaterThan(0);
    expect(ours.error?.issues).toEqual(zods.issues);
  });

  it("parses a match as zod does", () => {
    const parsed = JSONRPCResultResponseSchema.safeParse(result);
    expect(parsed).toEqual({ success: true, data: result });
  });
});
