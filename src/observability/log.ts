import { pino, type Logger, type LevelWithSilent } from "pino";

export type { Logger };
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

export interface LogOptions {
  level?: LevelWithSilent;
  /** Human-readable lines instead of JSON; defaults to whether stderr is a terminal. */
  pretty?: boolean;
  /** Where lines go; stderr by default. */
  write?: (line: string) => void;
  /**
   * Other processes write to the same stderr (`serve --workers`): each write is at most PIPE_BUF
   * bytes, so that the kernel never interleaves another process's lines within one of ours.
   */
  atomicLines?: boolean;
}

/**
 * Every line the logger writes passes through this function before it leaves the process, so a
 * bound value (a credential) can never reach the log, whatever field it hides in.
 */
export type Scrub = (line: string) => string;

export interface RuntimeLogger {
  logger: Logger;
  /**
   * Writes one finished JSON line (with its newline) where the logger's lines go, scrubbed like
   * them: for a line built faster than pino builds it (the per-call line, see Observer).
   */
  line(text: string): void;
  /** Sets the scrubber once the binds are known (they are resolved after the logger exists). */
  setScrub(scrub: Scrub): void;
  /**
   * Hands every line written from now on (scrubbed, as it leaves) to `listener` as well, until the
   * returned function is called: the control port's `/logs/stream`.
   */
  tap(listener: (line: string) => void): () => void;
}

/** pino JSON lines on stderr (or pretty ones on a TTY), scrubbed of secrets. */
export async function createLogger(options: LogOptions = {}): Promise<RuntimeLogger> {
  let scrub: Scrub = (l) => l;
  const out =
    options.write ?? (stderrLines ??= coalesced((chunk) => void process.stderr.write(chunk), options.atomicLines ? PIPE_BUF : undefined));
  let write = out;
  if (options.pretty ?? process.stderr.isTTY === true) {
    const { prettyFactory } = (await import("pino-pretty")).default;
    const prettify = prettyFactory({ colorize: !process.env.NO_COLOR, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname" });
    write = (line) => out(prettify(line));
  }
  const taps = new Set<(line: string) => void>();
  const output = (line: string) => {
    const clean = scrub(line);
    write(clean);
    if (taps.size) for (const t of taps) t(clean);
  };
  const logger = pino({ level: options.level ?? "info", base: undefined, timestamp: isoTime }, { write: output });
  return {
    logger,
    line: output,
    setScrub: (s) => (scrub = s),
    tap(listener) {
      taps.add(listener);
      return () => void taps.delete(listener);
    },
  };
}

let lastMs = -1;
let lastTime = "";

/** pino's ISO time field, formatted once per millisecond: under load many lines share one. */
export function isoTime(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

/** A logger that writes nothing: for embedders and tests that pass their own `log`. */
export function silentLogger(): RuntimeLogger {
  return { logger: pino({ level: "silent" }), line: () => {}, setScrub: () => {}, tap: () => () => {} };
}

/** Every logger of the process writing to stderr shares one buffer (and one exit hook). */
let stderrLines: ((line: string) => void) | undefined;

/**
 * Lines are written in batches: when 16 KiB are pending, or 25 ms after the first pending line,
 * whichever comes first. Under load that is one system call for some fifty call lines instead of
 * one each: a write per line is a sizeable part of a proxied call's CPU. Each line is encoded into
 * the batch's buffer as it comes, so no line string outlives its call (a batch of strings would
 * keep a dozen calls' lines alive across young-generation collections). A quiet server's line
 * leaves within 25 ms. What is pending when the process exits is written first.
 */
const BATCH_BYTES = 16 * 1024;
/** Room in one batch buffer: a flush is due at BATCH_BYTES, so a line of up to this much more always fits. */
const BUFFER_BYTES = 32 * 1024;
const BATCH_MS = 25;
/** The most bytes one write to a pipe may carry and still reach it whole, lines of other writers around it (Linux). */
export const PIPE_BUF = 4096;

/**
 * A line writer that hands `write` the lines in batches, in order, each line whole; with `atomic`,
 * no batch longer than that (a longer line goes alone).
 */
export function coalesced(write: (chunk: Buffer) => void, atomic?: number): (line: string) => void {
  let buffer = Buffer.allocUnsafeSlow(BUFFER_BYTES);
  let used = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (used === 0) return;
    // The written chunk is the stream's until it is out (a full pipe queues it): a new buffer follows.
    const chunk = buffer.subarray(0, used);
    buffer = Buffer.allocUnsafeSlow(BUFFER_BYTES);
    used = 0;
    write(chunk);
  };
  process.on("exit", flush);
  const room = atomic ?? BUFFER_BYTES;
  const due = atomic ?? BATCH_BYTES;
  return (line) => {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (used + line.length * 3 > room) {
      flush();
      if (line.length * 3 > BUFFER_BYTES) return write(Buffer.from(line));
    }
    used += buffer.write(line, used);
    if (used >= due) flush();
    else if (!timer) {
      timer = setTimeout(flush, BATCH_MS);
      timer.unref();
    }
  };
}
