import type { Readable } from "node:stream";

/**
 * Reads a stream until it ends, or until more than `limit` bytes have come: it is then paused and
 * left as it is (the caller reads on, drains or destroys it); `chunks` holds everything read. A
 * stream that closes before its end is an error, so a caller that hangs up mid-body (or an
 * upstream body torn down) never leaves the read waiting. Events, not `for await`: an async
 * iterator costs several times more per call, and leaving its loop early destroys the stream.
 * Used for REST request bodies, and for a passed-through body an MCP tool reads whole.
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
  return read.ended ? joined(read.chunks, read.size) : undefined;
}

/** Chunks as one buffer of `size` bytes: a single chunk as it is, without a copy. */
export function joined(chunks: Buffer[], size: number): Buffer {
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
}

// `decode` without `stream` keeps no state between calls, so one decoder serves every request.
const UTF8 = new TextDecoder();

/** Bytes as text, as Fetch's `Request.text()` reads them: UTF-8, a leading BOM dropped, bad bytes replaced. */
export function utf8Text(bytes: Uint8Array): string {
  return UTF8.decode(bytes);
}
