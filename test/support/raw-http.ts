import http from "node:http";
import net from "node:net";

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Header names and values as received, repeated headers one by one (`WWW-Authenticate` challenges). */
  rawHeaders: string[];
  body: string;
}

/**
 * Sends a request with exactly this request target: fetch() would normalise `..` and friends away,
 * and hostile input is precisely what a normalising client never sends.
 */
export function rawRequest(
  base: string,
  method: string,
  target: string,
  headers: Record<string, string | string[]> = {},
  body?: string | Buffer | string[],
): Promise<RawResponse> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path: target, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    // Pieces are written one by one: a chunked body without Content-Length.
    if (Array.isArray(body)) for (const piece of body) req.write(piece);
    else if (body !== undefined) req.write(body);
    req.end();
  });
}

/**
 * Writes bytes straight to the socket (for header tricks an HTTP client refuses to send); returns
 * the status line, or the whole answer as it came.
 */
export function rawBytes(base: string, bytes: string, answer: "status" | "whole" = "status"): Promise<string> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(u.port), u.hostname, () => socket.end(bytes));
    let text = "";
    socket.on("data", (d: Buffer) => (text += d.toString("latin1")));
    socket.on("close", () => resolve(answer === "whole" ? text : text.split("\r\n")[0]));
    socket.on("error", reject);
    socket.setTimeout(5_000, () => socket.destroy());
  });
}
