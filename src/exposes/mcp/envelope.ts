import { CLIENT_CAPABILITIES_META_KEY, PROTOCOL_VERSION_META_KEY } from "@modelcontextprotocol/server";
import { isJsonObject } from "../../json.js";

/**
 * Methods answered when a 2026-07-28 request's `_meta` leaves out the client's capabilities: those
 * of tools, resources and prompts, none of which needs any capability of the client.
 */
const NEEDING_NO_CLIENT_CAPABILITY = new Set([
  "tools/list",
  "tools/call",
  "resources/list",
  "resources/templates/list",
  "resources/read",
  "prompts/list",
  "prompts/get",
]);

/**
 * 2026-07-28 asks for `io.modelcontextprotocol/clientCapabilities` in every request's `_meta`. The
 * reference engine (Ikanos) never reads it, and the clients written for it, its own test workflow
 * among them, send only the protocol version. For those methods an absent
 * declaration is read as the empty one (the revision's own meaning of `{}`: no optional
 * capability), so those clients get their answers; every other method, `server/discover`
 * included, keeps the rule and its `-32602`.
 */
export function withAbsentCapabilitiesAsNone(message: unknown): unknown {
  if (!isJsonObject(message) || typeof message.method !== "string" || !NEEDING_NO_CLIENT_CAPABILITY.has(message.method)) return message;
  const params = message.params;
  if (!isJsonObject(params)) return message;
  const meta = params._meta;
  if (!isJsonObject(meta) || meta[PROTOCOL_VERSION_META_KEY] === undefined || meta[CLIENT_CAPABILITIES_META_KEY] !== undefined)
    return message;
  return { ...message, params: { ...params, _meta: { ...meta, [CLIENT_CAPABILITIES_META_KEY]: {} } } };
}
