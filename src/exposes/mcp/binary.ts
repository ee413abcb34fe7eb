import { randomUUID } from "node:crypto";
import { UpstreamError } from "../../errors.js";
import { joined, readUpTo } from "../../streams.js";
import type { Outcome } from "../invocation.js";

/**
 * Raw bytes (`outputRawFormat: binary`) as MCP carries them: base64, in the content block its
 * media type calls for. The invocation already bounds them by `maxBinarySize` (a larger body fails
 * as it is read), so they are read whole here.
 */

export interface ImageContent {
  type: "image";
  data: string;
  mimeType: string;
}

export interface AudioContent {
  type: "audio";
  data: string;
  mimeType: string;
}

export interface EmbeddedBlob {
  type: "resource";
  resource: { uri: string; mimeType: string; blob: string };
}

export type BinaryContent = ImageContent | AudioContent | EmbeddedBlob;

/** The bytes of a successful binary outcome and their media type (the file's, else the upstream's). */
export async function readBinary(
  outcome: Exclude<Outcome, { kind: "upstream-error" | "value" }>,
): Promise<{ bytes: Buffer; mediaType: string }> {
  const type = outcome.headers["content-type"];
  const mediaType = typeof type === "string" && type ? type : "application/octet-stream";
  if (outcome.kind === "bytes") return { bytes: joined(outcome.chunks, outcome.length), mediaType };
  let read;
  try {
    read = await readUpTo(outcome.body, Number.POSITIVE_INFINITY);
  } catch (e) {
    if (e instanceof UpstreamError) throw e;
    throw new UpstreamError("unreachable", `upstream response broke off (${(e as Error).message})`);
  }
  return { bytes: joined(read.chunks, read.size), mediaType };
}

/**
 * A tool's binary result as the reference engine answers it: `image/*` an image, `audio/*` audio,
 * anything else an embedded blob resource under a URI made for this answer only
 * (`naftiko://transient/<exposes>/<tool>/<uuid>`: nothing can read it again).
 */
export function binaryContent(bytes: Buffer, mediaType: string, exposes: string, tool: string): BinaryContent {
  const data = bytes.toString("base64");
  const lower = mediaType.toLowerCase();
  if (lower.startsWith("image/")) return { type: "image", data, mimeType: mediaType };
  if (lower.startsWith("audio/")) return { type: "audio", data, mimeType: mediaType };
  return { type: "resource", resource: { uri: `naftiko://transient/${exposes}/${tool}/${randomUUID()}`, mimeType: mediaType, blob: data } };
}
