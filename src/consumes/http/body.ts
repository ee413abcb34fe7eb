import { Readable } from "node:stream";
import type { Dispatcher } from "undici";

/** What a read of an upstream body got: its chunks as they came (not copied), and how it stopped. */
export interface BodyRead {
  chunks: Buffer[];
  size: number;
  /** The body ended within the limit: `chunks` is all of it. */
  ended: boolean;
  /** The body broke off (reset, deadline, caller gone): `chunks` is what came before. */
  error?: Error;
}

/** Most bytes held for a body nobody reads yet, before the upstream is paused. */
const HIGH_WATER = 64 * 1024;
/** Most bytes read and dropped to keep a connection when a body is not wanted (as undici's `dump`). */
const DUMP_LIMIT = 128 * 1024;

/**
 * The body of one upstream response, fed by undici's dispatch handler (client.ts) with no stream in
 * between. A body answered whole — nearly all of them — is a list of chunks handed over once; only a
 * body larger than the read-ahead becomes a Readable, with backpressure down to the socket. undici's
 * `request` would make a stream, an AsyncResource and a handful of listeners for every call.
 *
 * Exactly one reader: `read` (then maybe `stream` for the rest), or `dump`, or `destroy`.
 */
export class UpstreamBody {
  private chunks: Buffer[] = [];
  private size = 0;
  private ended = false;
  private error?: Error;
  private dropping = false;
  private dropped = 0;
  private waiter?: { limit: number; resolve(read: BodyRead): void };
  private sink?: Readable;
  private finished?: Array<() => void>;
  private isDone = false;

  constructor(private readonly controller: Dispatcher.DispatchController) {}

  // ---- fed by the dispatch handler

  /** @internal */ push(chunk: Buffer): void {
    if (this.dropping) {
      this.dropped += chunk.length;
      if (this.dropped > DUMP_LIMIT) this.abort(new Error("body dropped"));
      return;
    }
    if (this.sink) {
      if (!this.sink.push(chunk)) this.controller.pause();
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size > (this.waiter?.limit ?? HIGH_WATER)) {
      this.controller.pause();
      if (this.waiter) this.answer(this.held(false));
    }
  }

  /** @internal */ end(): void {
    this.ended = true;
    this.done();
    if (this.sink) this.sink.push(null);
    else if (this.waiter) this.answer(this.held(true));
  }

  /** @internal */ fail(error: Error): void {
    if (this.ended || this.error) return;
    this.error = error;
    this.done();
    if (this.sink) this.sink.destroy(error);
    else if (this.waiter) this.answer({ ...this.held(false), error });
  }

  // ---- for readers

  /**
   * Reads until the body ends or more than `limit` bytes have come (the upstream is then paused, and
   * `stream` gives the whole body, these chunks first). A body that breaks off resolves with its
   * `error` and what came before it.
   */
  read(limit: number): Promise<BodyRead> {
    if (this.ended) return Promise.resolve(this.held(true));
    if (this.error) return Promise.resolve({ ...this.held(false), error: this.error });
    if (this.size > limit) return Promise.resolve(this.held(false));
    return new Promise((resolve) => {
      this.waiter = { limit, resolve };
      this.controller.resume();
    });
  }

  /**
   * The whole body when it has already ended — most small answers come in the same packet as their
   * headers — without waiting for a promise.
   */
  whole(): BodyRead | undefined {
    return this.ended ? this.held(true) : undefined;
  }

  /** The body as a stream, from its first byte; destroying the stream cancels the call. */
  stream(): Readable {
    const sink = new Readable({
      read: () => this.controller.resume(),
      destroy: (err, cb) => {
        if (!this.isDone) this.abort(err ?? new Error("body stream destroyed"));
        cb(err);
      },
    });
    this.sink = sink;
    for (const chunk of this.chunks) sink.push(chunk);
    this.chunks = [];
    if (this.ended) sink.push(null);
    else if (this.error) sink.destroy(this.error);
    return sink;
  }

  /** The body is not wanted: a small rest is read and dropped (the connection stays), a large one cut. */
  dump(): Promise<void> {
    this.chunks = [];
    if (this.isDone) return Promise.resolve();
    this.dropping = true;
    this.dropped = this.size;
    if (this.dropped > DUMP_LIMIT) {
      this.abort(new Error("body dropped"));
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.onDone(resolve);
      this.controller.resume();
    });
  }

  /** Cancels the rest of the body (and so the call, whose socket is closed). */
  destroy(): void {
    this.chunks = [];
    if (!this.isDone) this.abort(new Error("body destroyed"));
  }

  /**
   * Runs `fn` once the upstream is done with this body — ended, failed or cancelled — which is when
   * its socket is free (in-flight slot, deadline). Right away when it already is.
   */
  onDone(fn: () => void): void {
    if (this.isDone) fn();
    else (this.finished ??= []).push(fn);
  }

  /** Resolves the pending `read`. */
  private answer(read: BodyRead): void {
    const waiter = this.waiter!;
    this.waiter = undefined;
    waiter.resolve(read);
  }

  private abort(reason: Error): void {
    this.controller.abort(reason);
    // undici reports the abort through the handler (fail); this covers a request already finished.
    this.fail(reason);
  }

  private done(): void {
    if (this.isDone) return;
    this.isDone = true;
    const finished = this.finished;
    this.finished = undefined;
    if (finished) for (const fn of finished) fn();
  }

  /** What has come so far; a copy of the list while more may be added to it. */
  private held(ended: boolean): BodyRead {
    return { chunks: ended ? this.chunks : this.chunks.slice(), size: this.size, ended };
  }
}
