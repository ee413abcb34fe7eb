import path from "node:path";
import { serveCapability, type Served, type ServeOptions } from "../../src/serve.js";
import { loadCapability } from "../../src/spec/load.js";
import { ROOT } from "./cli.js";
import { startFaultUpstream, type FaultUpstream } from "./fault-upstream.js";

export const FAULTS_FILE = path.join(ROOT, "test/fixtures/reliability/faults.naftiko.yaml");
export const FAULTS_SECRET = "planted-Secret-7f3a9c1e55d2";

export interface FaultsRig {
  upstream: FaultUpstream;
  served: Served;
  /** REST base URL, e.g. http://127.0.0.1:1234 */
  rest: string;
  /** MCP endpoint URL, e.g. http://127.0.0.1:1235/mcp */
  mcp: string;
  logs: string[];
  callTool(
    name: string,
    args: Record<string, unknown>,
  ): Promise<{ status: number; result?: { isError?: boolean; content: Array<{ text: string }> }; error?: unknown }>;
  stop(): Promise<void>;
}

/** The test capability served in this process in front of a fault-injecting upstream. */
export async function startFaults(options: ServeOptions = {}, upstreamUrl?: string): Promise<FaultsRig> {
  const upstream = await startFaultUpstream();
  const logs: string[] = [];
  const served = await serveCapability(await loadCapability(FAULTS_FILE), {
    baseUris: { faults: `${upstreamUrl ?? upstream.url}/api` },
    ports: { "faults-rest": 0, "faults-mcp": 0 },
    env: { FAULTS_KEY: FAULTS_SECRET },
    log: (l) => logs.push(l),
    ...options,
  });
  const rest = served.listeners.find((l) => l.type === "rest")!.url;
  const mcp = served.listeners.find((l) => l.type === "mcp")!.url;
  let id = 0;
  return {
    upstream,
    served,
    rest,
    mcp,
    logs,
    async callTool(name, args) {
      const res = await fetch(mcp, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method: "tools/call", params: { name, arguments: args } }),
      });
      const body = (await res.json()) as { result?: { isError?: boolean; content: Array<{ text: string }> }; error?: unknown };
      return { status: res.status, ...body };
    },
    async stop() {
      await served.close();
      await upstream.stop();
    },
  };
}
