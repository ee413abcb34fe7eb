/*
 * The MCP SDK (and zod with it) is a fifth of a cold start and about 20 MB of memory. An MCP block
 * loads it when it first needs it (its first HTTP request, or a stdio client), not at start: a
 * capability served over REST, or whose agents have not connected yet, does not pay for it.
 *
 * What an MCP block compiles at start (tools, resources, prompts) names the SDK's error classes
 * only in code that runs inside the SDK's own request handlers, so it reaches them through
 * {@link sdk}; the modules that serve requests import the SDK directly and are themselves loaded
 * after {@link loadSdk}.
 */
type Sdk = typeof import("@modelcontextprotocol/server") & typeof import("@modelcontextprotocol/server/validators/ajv");

let loaded: Sdk | undefined;
let loading: Promise<Sdk> | undefined;

export function loadSdk(): Promise<Sdk> {
  return (loading ??= Promise.all([import("@modelcontextprotocol/server"), import("@modelcontextprotocol/server/validators/ajv")]).then(
    ([server, ajv]) => (loaded = { ...server, ...ajv }),
  ));
}

/** The SDK, in code that runs only once it has loaded. */
export function sdk(): Sdk {
  if (!loaded) throw new Error("the MCP SDK is used before it was loaded (loadSdk)");
  return loaded;
}

/** A JSON-RPC "invalid params" error, answered as it is by the SDK. */
export function invalidParams(message: string): Error {
  const { ProtocolError, ProtocolErrorCode } = sdk();
  return new ProtocolError(ProtocolErrorCode.InvalidParams, message);
}

/** A JSON-RPC "internal error", answered as it is by the SDK (the message is the client's to read). */
export function internalError(message: string): Error {
  const { ProtocolError, ProtocolErrorCode } = sdk();
  return new ProtocolError(ProtocolErrorCode.InternalError, message);
}

/** The SDK's "resource not found" (its code and the URI in `data`). */
export function resourceNotFound(uri: string, message: string): Error {
  return new (sdk().ResourceNotFoundError)(uri, message);
}
