import { UpstreamError } from "../../errors.js";
import type { CallerSignal } from "./client.js";

export interface LimiterOptions {
  /** Upstream calls in flight at once; further callers wait. */
  maxInFlight: number;
  /** Milliseconds a caller may wait for a slot; then it gets 503 with `Retry-After`. */
  queueTimeout: number;
  /** Callers allowed to wait at once; beyond it they get 503 immediately. */
  maxQueue: number;
}

export const DEFAULT_LIMITS: LimiterOptions = { maxInFlight: 64, queueTimeout: 2_000, maxQueue: 1_000 };

interface Waiter {
  grant(): void;
  timer: NodeJS.Timeout;
}

/**
 * Bounds the in-flight upstream calls of one consumes block. A slow or failing upstream then costs
 * a bounded number of sockets and buffers, and callers beyond it learn quickly to come back later
 * (503 + Retry-After) instead of piling up until memory runs out.
 */
export class Limiter {
  private active = 0;
  private readonly queue: Waiter[] = [];

  constructor(
    readonly name: string,
    private readonly options: LimiterOptions,
  ) {}

  get inFlight(): number {
    return this.active;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** A release function when a slot is free now and nobody waits for one; otherwise undefined. */
  tryAcquire(): (() => void) | undefined {
    if (this.active >= this.options.maxInFlight || this.queue.length > 0) return undefined;
    this.active++;
    return this.releaser();
  }

  /** Resolves with a release function once a slot is free; rejects with a 503 UpstreamError. */
  acquire(signal?: CallerSignal, maxWait = this.options.queueTimeout): Promise<() => void> {
    if (this.active < this.options.maxInFlight && this.queue.length === 0) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    if (this.queue.length >= this.options.maxQueue || maxWait <= 0) return Promise.reject(this.overloaded());
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.remove(waiter);
        reject(signal!.reason);
      };
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(waiter.timer);
          signal?.removeEventListener("abort", onAbort);
          this.active++;
          resolve(this.releaser());
        },
        timer: setTimeout(
          () => {
            this.remove(waiter);
            signal?.removeEventListener("abort", onAbort);
            reject(this.overloaded());
          },
          Math.min(maxWait, this.options.queueTimeout),
        ),
      };
      this.queue.push(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.active--;
      const next = this.queue.shift();
      if (next) next.grant();
    };
  }

  private remove(w: Waiter): void {
    const i = this.queue.indexOf(w);
    if (i >= 0) this.queue.splice(i, 1);
  }

  private overloaded(): UpstreamError {
    const seconds = Math.max(1, Math.ceil(this.options.queueTimeout / 1000));
    return new UpstreamError(
      "overloaded",
      `too many calls in flight to consumes "${this.name}" (limit ${this.options.maxInFlight}); retry after ${seconds} s`,
      seconds,
    );
  }
}
