import v8 from "node:v8"; import vm from "node:vm";
v8.setFlagsFromString("--expose-gc"); const gc = vm.runInNewContext("gc");
const mode = process.env.G;
if (mode === "g") await import("./dist/exposes/mcp/guards.js");
const { isJSONRPCResultResponse, isJSONRPCErrorResponse, isInitializeRequest } = await import("@modelcontextprotocol/sdk/types.js");
const refs = [];
function make(i) { const m = { jsonrpc: "2.0", id: i, method: "tools/call", params: { name: "x", arguments: { a: "b".repeat(10) + i } } }; if (mode !== "none") { isJSONRPCResultResponse(m); isJSONRPCErrorResponse(m); isInitializeRequest(m); } refs.push(new WeakRef(m.params)); }
for (let i = 0; i < 100; i++) make(i);
await new Promise((r) => setTimeout(r, 10));
for (let i = 0; i < 3; i++) { gc({ type: "minor" }); await new Promise((r) => setTimeout(r, 1)); }
console.log(mode, "alive after minor GCs:", refs.filter((r) => r.deref()).length);
gc(); await new Promise((r) => setTimeout(r, 1));
console.log(mode, "alive after full GC:", refs.filter((r) => r.deref()).length);
