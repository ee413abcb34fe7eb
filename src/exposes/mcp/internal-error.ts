import type { ServerResponse } from "node:http";

const BODY = Buffer.from('{"jsonrpc":"2.0","error":{"code":-32603,"message":"Internal error"},"id":null}');

/**
 * The JSON-RPC internal error, for a request the MCP endpoint could not answer for a reason of its
 * own (logged by the caller); a response already under way is cut off instead.
 */
export function answerInternalError(res: ServerResponse): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(500, { "content-type": "application/json", "content-length": BODY.length }).end(BODY);
}
