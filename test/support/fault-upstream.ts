import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import { createServer as createNetServer, type AddressInfo, type Socket } from "node:net";

/**
 * An upstream that misbehaves on request. The fault is the last path segment (the `id` of the
 * test capability's operations) or a JSON body's `fault` field, so callers choose it with an ordinary input:
 *
 *   ok                200 JSON naming the request
 *   reset             headers and half a body, then the socket is destroyed
 *   drop              the socket is destroyed before any answer (a connection error)
 *   slow-headers      never answers (until the runtime gives up)
 *   slow-body         headers and half a body, then nothing
 *   garbage           200 with a body that is not JSON
 *   s<code>           that status with a JSON body (s500, s502, s503, s504, s429)
 *   s429-long         429 with `Retry-After: 120`
 *   flaky<code>-<n>   the first n requests to this path get <code> (or a dropped socket for `drop`), then 200
 *   delay-<ms>        200 after <ms> milliseconds
 *   echo-secret       401 whose body repeats the request's X-Api-Key header (a careless upstream)
 *   huge, huge-chunked a 3 MB JSON body, with or without Content-Length
 *   redirect          302 to another origin
 */
export interface FaultUpstream {
  url: string;
  requests: Array<{ method: string; url: string; path: string; headers: IncomingHttpHeaders; body: string }>;
  /** Requests seen per path. */
  hits(path: string): number;
  /** Requests currently being answered. */
  open(): number;
  stop(): Promise<void>;
}

export async function startFaultUpstream(): Promise<FaultUpstream> {
  const requests: FaultUpstream["requests"] = [];
  const counts = new Map<string, number>();
  const faultCounts = new Map<string, number>();
  const sockets = new Set<Socket>();
  let open = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = req.url ?? "/";
      const path = url.split("?")[0];
      requests.push({ method: req.method ?? "", url, path, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      const n = (counts.get(path) ?? 0) + 1;
      counts.set(path, n);
      open++;
      res.once("close", () => open--);
      let fault = decodeURIComponent(path.slice(path.lastIndexOf("/") + 1));
      try {
        // A body naming a fault chooses it too (for POST, which has no id in its path).
        const f = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { fault?: unknown }).fault;
        if (typeof f === "string") fault = f;
      } catch {
        // not JSON: the path decides
      }
      // flaky faults count per fault name, so a POST body's fault starts afresh too.
      const k = (faultCounts.get(fault) ?? 0) + 1;
      faultCounts.set(fault, k);
      answer(fault, k, req.method ?? "", url, req.headers, res);
    });
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    hits: (path) => counts.get(path) ?? 0,
    open: () => open,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

function answer(fault: string, n: number, method: string, url: string, headers: IncomingHttpHeaders, res: ServerResponse): void {
  const ok = () => json(res, 200, { ok: true, method, url, n, name: "item" });
  const flaky = /^flaky(\w+)-(\d+)$/.exec(fault);
  if (flaky) {
    if (n > Number(flaky[2])) return ok();
    return answer(flaky[1] === "drop" ? "drop" : `s${flaky[1]}`, n, method, url, headers, res);
  }
  const delay = /^delay-(\d+)$/.exec(fault);
  if (delay) {
    const t = setTimeout(ok, Number(delay[1]));
    res.once("close", () => clearTimeout(t));
    return;
  }
  const status = /^s(\d{3})$/.exec(fault);
  if (status) {
    const code = Number(status[1]);
    return json(res, code, { error: `injected ${code}`, n }, code === 429 || code === 503 ? { "retry-after": "1" } : {});
  }
  switch (fault) {
    case "s429-long":
      return json(res, 429, { error: "slow down" }, { "retry-after": "120" });
    case "reset":
      res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
      res.write('{"ok": true, "items": [1, 2, 3');
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    case "drop":
      res.socket?.destroy();
      return;
    case "slow-headers":
      return; // never answers; the socket closes when the runtime gives up
    case "slow-body":
      res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
      res.write('{"ok": true, "items": [');
      return;
    case "garbage":
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{this is <not> json");
      return;
    case "huge":
    case "huge-chunked": {
      const body = Buffer.from(JSON.stringify({ name: "huge", pad: "p".repeat(3 * 1024 * 1024) }));
      res.writeHead(200, { "content-type": "application/json", ...(fault === "huge" ? { "content-length": String(body.length) } : {}) });
      res.end(body);
      return;
    }
    case "redirect":
      res.writeHead(302, { location: "http://127.0.0.1:9/stolen", "content-type": "application/json" });
      res.end('{"moved":true}');
      return;
    case "echo-secret":
      return json(res, 401, { error: "bad key", got: headers["x-api-key"] });
    default:
      return ok();
  }
}

/** A port on loopback where nothing listens: connecting to it is refused. */
export async function refusedPort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
