import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One request as the upstream saw it, byte for byte where it matters. */
export interface Recorded {
  method: string;
  /** Raw request target: encoded path plus raw query. */
  url: string;
  path: string;
  query: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Set when the request's connection closed before the upstream answered. */
  closedEarly: boolean;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  /** Milliseconds before the status line is written. */
  delay?: number;
}

export interface RecordingUpstream {
  url: string;
  port: number;
  requests: Recorded[];
  /** TCP connections accepted so far. */
  connections: number;
  /** Decides the answer per request; the default echoes what was received as JSON. */
  reply: (req: Recorded) => Reply;
  /** Resolves when some request's connection closes before its answer. */
  closedEarly: Promise<Recorded>;
  stop(): Promise<void>;
}

/**
 * A real HTTP server on loopback that records every request and answers as told. Tests assert on
 * exactly what the runtime sent upstream, not on what the runtime thinks it sent.
 */
export async function startRecordingUpstream(reply?: (req: Recorded) => Reply): Promise<RecordingUpstream> {
  const requests: Recorded[] = [];
  let onClosedEarly!: (r: Recorded) => void;
  const handle: RecordingUpstream = {
    url: "",
    port: 0,
    requests,
    connections: 0,
    reply: reply ?? echo,
    closedEarly: new Promise((r) => (onClosedEarly = r)),
    stop: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = req.url ?? "/";
      const q = url.indexOf("?");
      const rec: Recorded = {
        method: req.method ?? "",
        url,
        path: q < 0 ? url : url.slice(0, q),
        query: q < 0 ? "" : url.slice(q + 1),
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        closedEarly: false,
      };
      requests.push(rec);
      res.on("close", () => {
        if (!res.writableFinished) {
          rec.closedEarly = true;
          onClosedEarly(rec);
        }
      });
      const r = handle.reply(rec);
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(r.status ?? 200, { "content-type": "application/json", ...r.headers });
        res.end(r.body ?? "");
      };
      if (r.delay) setTimeout(send, r.delay);
      else send();
    });
  });
  server.on("connection", () => handle.connections++);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  handle.port = port;
  handle.url = `http://127.0.0.1:${port}`;
  handle.stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return handle;
}

let counter = 0;

/** Answers with a JSON document naming the request, unique per call, so a test can match it. */
export function echo(req: Recorded): Reply {
  return { body: JSON.stringify({ seen: { method: req.method, url: req.url }, n: ++counter, note: "recorded" }) };
}
