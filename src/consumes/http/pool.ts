import type { Pool } from "undici";
import { Pool as PoolClass } from "./undici.js";

export interface PoolOptions {
  /** Milliseconds to establish a connection (TCP + TLS). */
  connectTimeout: number;
  /** Keep-alive connections per upstream origin. */
  connections: number;
}

/**
 * One keep-alive pool per upstream origin, shared by every operation of every consumes block that
 * points there: connection reuse is most of an upstream call's speed.
 */
export class Pools {
  private readonly pools = new Map<string, Pool>();
  constructor(private readonly options: PoolOptions) {}

  get(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new PoolClass(origin, {
        connections: this.options.connections,
        connect: { timeout: this.options.connectTimeout },
        keepAliveTimeout: 30_000,
        // Timeouts on headers and body are enforced per call with one abort signal (see client.ts).
        headersTimeout: 0,
        bodyTimeout: 0,
        pipelining: 1,
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close().catch(() => p.destroy())));
    this.pools.clear();
  }
}
