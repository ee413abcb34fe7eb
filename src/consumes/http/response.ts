import { UpstreamError } from "../../errors.js";
import { readSparse, type ReadTree } from "../../json-text.js";
import { FormatError } from "../../mapping/formats.js";
import { decodeBody } from "../../mapping/output-raw-format.js";
import type { ConsumedOperation } from "../../spec/model.js";
import type { UpstreamBody } from "./body.js";
import { readBody, type CallOptions, type UpstreamResponse } from "./client.js";

/**
 * Reading what an upstream answered, the same way for a single call and for every step of an
 * orchestration.
 */

/**
 * An error body for relaying, at most `limit` bytes. A body that breaks off is relayed as far as it
 * came: the status is the answer, the body only explains it.
 */
export async function readErrorBody(body: UpstreamBody, limit: number, opts: CallOptions): Promise<Buffer> {
  const read = await body.read(limit);
  if (read.error && opts.signal?.aborted) throw new Error("caller aborted");
  if (!read.ended && !read.error) body.destroy();
  // Past the limit: what came before the chunk that crossed it.
  const kept: Buffer[] = [];
  let size = 0;
  for (const chunk of read.chunks) {
    if ((size += chunk.length) > limit) break;
    kept.push(chunk);
  }
  return Buffer.concat(kept);
}

/**
 * A successful body read whole and converted to data by the operation's `outputRawFormat` (and
 * `outputSchema`); one that is not what the operation declares is a bad upstream answer. With
 * `reads` (what a mapped output reads of it), a JSON document comes back with just those values:
 * the rest is checked, not built.
 */
export async function readData(res: UpstreamResponse, operation: ConsumedOperation, opts: CallOptions, reads?: ReadTree): Promise<unknown> {
  const body = await readBody(res, opts, operation.consumes.baseUri);
  const some = reads && (operation.outputRawFormat ?? "json") === "json" ? readSparse(body, reads) : undefined;
  if (some !== undefined) return some;
  try {
    return await decodeBody(operation, body);
  } catch (e) {
    if (e instanceof FormatError) throw new UpstreamError("bad_response", `${operation.key}: ${e.message}`);
    throw e;
  }
}
