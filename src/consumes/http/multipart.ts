import { randomBytes } from "node:crypto";

/** One part of a `multipart/form-data` body: a plain field, or a file when it has a filename. */
export interface FormPart {
  name: string;
  value: string;
  filename?: string;
  contentType?: string;
}

/**
 * A `multipart/form-data` body (RFC 7578) as bytes, with the content type that names its boundary.
 * Built whole rather than handed to the pool as a `FormData`: the pool's dispatch sends only bytes
 * and streams, and bytes can be sent again when a try is repeated.
 */
export function encodeMultipart(parts: readonly FormPart[]): { payload: Buffer; contentType: string } {
  const boundary = `----naftiko-${randomBytes(12).toString("hex")}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(p.name)}"`;
    if (p.filename !== undefined) {
      head += `; filename="${quoted(p.filename)}"\r\nContent-Type: ${headerSafe(p.contentType ?? "application/octet-stream")}`;
    }
    chunks.push(Buffer.from(`${head}\r\n\r\n`), Buffer.from(p.value), Buffer.from("\r\n"));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** A name or filename inside the quotes of Content-Disposition, escaped as browsers do (WHATWG). */
function quoted(text: string): string {
  return text.replace(/\r/g, "%0D").replace(/\n/g, "%0A").replace(/"/g, "%22");
}

/** A part's media type never ends its header line early. */
function headerSafe(text: string): string {
  return text.replace(/[\r\n]/g, "");
}
