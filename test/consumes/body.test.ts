import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { send } from "../../src/consumes/http/client.js";
import { Pools } from "../../src/consumes/http/pool.js";

/*
 * Upstream bodies as the runtime reads them (consumes/http/body.ts), against a real server: a body
 * read whole, read ahead then streamed, dropped, cut, or breaking off. What a caller would notice is
 * the bytes, the errors, and whether the upstream connection is kept or closed.
 */

const KB = 1024;
/** `size` bytes of JSON-ish text, the same every time for one size. */
const bytesOf = (size: number) => Buffer.alloc(size, "x");
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

let server: Server;
let origin: string;
const sockets = new Set<Socket>();
let connections = 0;
/** The server side of the connection that carried the latest request. */
let lastSocket: Socket | undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    lastSocket = req.socket;
    const [, kind, arg] = (req.url ?? "").split("/");
    const size = Number(arg) * KB;
    if (kind === "whole") return res.writeHead(200, { "content-type": "application/json", "content-length": size }).end(bytesOf(size));
    if (kind === "chunked") {
      // Written in 16 KB pieces with back-pressure, as a large upstream answer comes.
      res.writeHead(200, { "content-type": "application/json" });
      let left = size;
      const write = () => {
        while (left > 0) {
          const n = Math.min(16 * KB, left);
          left -= n;
          if (!res.write(bytesOf(n))) return res.once("drain", write);
        }
        res.end();
      };
      return write();
    }
    if (kind === "breaks") {
      res.writeHead(200, { "content-type": "application/json", "content-length": size });
      res.write(bytesOf(size / 2));
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    res.writeHead(404).end();
  });
  server.on("connection", (s: Socket) => {
    connections++;
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});

const get = (pools: Pools, path: string, timeout = 5_000) => send(pools, { origin, path, method: "GET", headers: {} }, { timeout });
const waitFor = async (check: () => boolean) => {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  return check();
};

describe("upstream bodies", () => {
  it("a body within the read-ahead is read whole, as its chunks, and the connection is kept", async () => {
    const pools = new Pools({ connectTimeout: 1_000, connections: 1 });
    const before = connections;
    for (let i = 0; i < 3; i++) {
      const res = await get(pools, "/whole/40");
      const read = await res.body.read(256 * KB);
      expect(read.ended).toBe(true);
      expect(read.error).toBeUndefined();
      expect(Buffer.concat(read.chunks)).toEqual(bytesOf(40 * KB));
      expect(read.size).toBe(40 * KB);
    }
    expect(connections - before).toBe(1);
    await pools.close();
  });

  it("a body larger than the read-ahead streams whole, the read-ahead first, and the upstream waits for a slow reader", async () => {
    const pools = new Pools({ connectTimeout: 1_000, connections: 1 });
    const res = await get(pools, "/chunked/4096");
    const read = await res.body.read(256 * KB);
    expect(read.ended).toBe(false);
    expect(read.size).toBeGreaterThan(256 * KB);
    expect(read.size).toBeLessThan(4096 * KB);
    const stream = res.body.stream();
    const got: Buffer[] = [];
    for await (const chunk of stream) {
      got.push(chunk as Buffer);
      // A slow reader: the body must not pile up in memory ahead of it.
      if (got.length % 50 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    const all = Buffer.concat(got);
    expect(all.length).toBe(4096 * KB);
    expect(sha(all)).toBe(sha(bytesOf(4096 * KB)));
    await pools.close();
  });

  it("a body nobody reads is held only up to a bound: the upstream is paused, not buffered whole", async () => {
    const pools = new Pools({ connectTimeout: 1_000, connections: 1 });
    const res = await get(pools, "/chunked/8192");
    await new Promise((r) => setTimeout(r, 200));
    // Read everything that was held so far without asking for more: far less than the 8 MB body.
    const held = await res.body.read(0);
    expect(held.ended).toBe(false);
    expect(held.size).toBeLessThan(1024 * KB);
    res.body.destroy();
    await pools.close();
  });

  it("dump keeps the connection for a small rest, and closes it for a large one; both free the call", async () => {
    const pools = new Pools({ connectTimeout: 1_000, connections: 1 });
    let before = connections;
    const small = await get(pools, "/chunked/64");
    let done = false;
    small.body.onDone(() => (done = true));
    await small.body.dump();
    expect(done).toBe(true);
    await (await get(pools, "/whole/1")).body.read(KB * 2);
    expect(connections - before).toBe(1);

    before = connections;
    const large = await get(pools, "/chunked/4096");
    await large.body.dump();
    await (await get(pools, "/whole/1")).body.read(KB * 2);
    // The large body was cut: the next call needed a new connection.
    expect(connections - before).toBe(1);
    expect(await waitFor(() => sockets.size <= 1)).toBe(true);
    await pools.close();
  });

  it("a body that breaks off is an error with what came before it, and later readers see the error too", async () => {
    const pools = new Pools({ connectTimeout: 1_000, connections: 1 });
    const res = await get(pools, "/breaks/64");
    let done = false;
    res.body.onDone(() => (done = true));
    const read = await res.body.read(256 * KB);
    expect(read.ended).toBe(false);
    expect(read.error).toBeInstanceOf(Error);
    expect(read.size).toBe(32 * KB);
    expect(done).toBe(true);
    const stream = res.body.stream();
    await expect(new Promise((_, reject) => stream.once("error", reject))).rejects.toBeInstanceOf(Error);
    await pools.close();
  });

  it("destroying a body's stream cancels the call: the upstream connection is closed", async () => {
    const pools = new Pools({ connectTimeout: 1_000, connections: 1 });
    const res = await get(pools, "/chunked/8192", 10_000);
    const stream = res.body.stream();
    let done = false;
    res.body.onDone(() => (done = true));
    await new Promise((r) => stream.once("readable", r));
    const upstreamSide = lastSocket!;
    expect(upstreamSide.destroyed).toBe(false);
    stream.destroy();
    expect(done).toBe(true);
    expect(await waitFor(() => upstreamSide.destroyed)).toBe(true);
    await pools.close();
  });

  it("the deadline covers the body: a body nobody reads in time ends in a timeout", async () => {
    const pools = new Pools({ connectTimeout: 1_000, connections: 1 });
    const res = await get(pools, "/chunked/8192", 100);
    await new Promise((r) => setTimeout(r, 300));
    const read = await res.body.read(64 * 1024 * KB);
    expect(read.ended).toBe(false);
    expect(read.error?.name).toBe("TimeoutError");
    await pools.close();
  });
});
