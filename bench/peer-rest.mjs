// The REST peer: `@fastify/http-proxy`, the gateway plugin a Node user would reach for instead of
// the runtime, in front of the same upstream with the same pool as the runtime (undici, keep-alive,
// 64 connections, no pipelining). Fastify's own defaults otherwise: no logger (Fastify logs nothing
// unless asked), no request-id header, no metrics; so it does less per call than the runtime, whose
// per-call log line, metrics and request ids stay on.
//   node peer-rest.mjs <upstream origin> [port]
//   GET /v1/… → <upstream>/metal/v1/…, as the flagship's REST routes map them.
import Fastify from "fastify";
import proxy from "@fastify/http-proxy";

const upstream = process.argv[2]; // e.g. http://127.0.0.1:4010
const app = Fastify({ logger: false });
await app.register(proxy, {
  upstream,
  prefix: "/v1",
  rewritePrefix: "/metal/v1",
  httpMethods: ["GET"],
  undici: { connections: 64, pipelining: 1, keepAliveTimeout: 30_000 },
});
// Exit normally on Ctrl-C, so that a --cpu-prof run writes its profile.
process.on("SIGINT", () => process.exit(0));
await app.listen({ port: Number(process.argv[3] ?? 0), host: "127.0.0.1" });
process.stdout.write(`${JSON.stringify({ port: app.server.address().port })}\n`);
