import type { Readable } from "node:stream";

/**
 * Reads a stream until it ends, or until more than `limit` bytes have come: it is then paused and
 * left as it is (the caller reads on, drains or destroys it); `chunks` holds everything read. A
 * stream that closes before its end is an error, so a caller that hangs up mid-body (or an
 * upstream body torn down) never leaves the read waiting. Events, not `for await`: an async
 * iterator costs several times more per call, and leaving its loop early destroys the stream
 * (issue 6). Used for REST request bodies, and for a passed-through body an MCP tool reads whole.
 */
export function readUpTo(body: Readable, limit: number): Promise<{ chunks: Buffer[]; size: number; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      body.off("data", onData);
      body.off("end", onEnd);
      body.off("error", onError);
      body.off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size <= limit) return;
      stop();
      body.pause();
      resolve({ chunks, size, ended: false });
    };
    const onEnd = () => {
      stop();
      resolve({ chunks, size, ended: true });
    };
    const onError = (e: unknown) => {
      stop();
      reject(e);
    };
    const onClose = () => onError(new Error("the stream closed before its end"));
    body.on("data", onData);
    body.once("end", onEnd);
    body.once("error", onError);
    body.once("close", onClose);
  });
}

/** A whole stream, or undefined when it is larger than `limit` bytes (the caller destroys it). */
export async function readAll(body: Readable, limit: number): Promise<Buffer | undefined> {
  const read = await readUpTo(body, limit);
  if (!read.ended) return undefined;
  return read.chunks.length === 1 ? read.chunks[0] : Buffer.concat(read.chunks, read.size);
}
