// The MCP peer: `fastmcp`'s `fromOpenAPI` (from `fastmcp/openapi`), the OpenAPI → MCP server a Node
// user would reach for instead of the runtime, built from the flagship's own OpenAPI document (one
// tool per operation) and served as the runtime's MCP endpoint is by default: Streamable HTTP,
// stateless, JSON answers (no SSE stream), revision 2025-11-25 (fastmcp's newest). Everything else
// is fastmcp's default: tools named after the operationIds (the bench calls `getInterconnection`
// with the arguments it gives the flagship's `get-interconnection`), upstream calls through the
// global `fetch`, its console logger (a debug line per request, on stderr, which the bench reads
// as it reads the runtime's call lines).
//   node peer-mcp.mjs <upstream base URL, e.g. http://127.0.0.1:4010/metal/v1> [port]
import path from "node:path";
import { fileURLToPath } from "node:url";
import { fromOpenAPI } from "fastmcp/openapi";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const spec = path.join(ROOT, "test/fixtures/upstream/metal-interconnections.openapi.yaml");
const server = await fromOpenAPI({
  spec,
  baseUrl: process.argv[2],
  name: "metal-interconnections",
  headers: { "X-Auth-Token": process.env.EQUINIX_API_KEY ?? "" },
});
const port = Number(process.argv[3] ?? 0) || (await freePort());
await server.start({ transportType: "httpStream", httpStream: { port, host: "127.0.0.1", stateless: true, enableJsonResponse: true } });
process.on("SIGINT", () => process.exit(0));
process.stdout.write(`${JSON.stringify({ port })}\n`);

/** fastmcp takes a port number and does not report the one an ephemeral listen got. */
async function freePort() {
  const net = await import("node:net");
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port: p } = s.address();
      s.close(() => resolve(p));
    });
  });
}
