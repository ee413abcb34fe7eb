import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { McpService } from "./server.js";

/**
 * Serves an MCP block over stdin/stdout (newline-delimited JSON-RPC), for desktop clients that launch
 * the runtime themselves. stdout then belongs to the protocol: every log line goes to stderr.
 */
export async function serveStdio(
  service: McpService,
  input: NodeJS.ReadableStream = process.stdin,
  output: NodeJS.WritableStream = process.stdout,
): Promise<{ close(): Promise<void>; closed: Promise<void> }> {
  const server = service.newServer();
  const transport = new StdioServerTransport(input as NodeJS.ReadStream, output as NodeJS.WriteStream);
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
  });
  // The client closing stdin ends the session, like a desktop client quitting.
  input.once("end", () => void server.close());
  await server.connect(transport);
  return { close: () => server.close(), closed };
}
