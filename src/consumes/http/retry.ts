/**
 * Retries of upstream calls: only for idempotent calls, only for failures where trying again is
 * safe and may help (the connection failed before an answer, 502/503/504, 429), with exponential
 * backoff and full jitter, bounded in count and by the call's own deadline.
 */
import type { CallerSignal } from "./client.js";

export interface RetryPolicy {
  /** Tries after the first one: 0 means never retry. */
  retries: number;
  /** Milliseconds before the first retry; doubled for each further one. */
  baseDelay: number;
  /** Largest wait between two tries, in milliseconds. */
  maxDelay: number;
  /** A `Retry-After` longer than this is not waited for: the caller gets the 429/503 and its `Retry-After`. */
  maxRetryAfter: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 2, baseDelay: 100, maxDelay: 2_000, maxRetryAfter: 5_000 };

/** Methods whose repetition has the same effect as one call (RFC 9110 §9.2.2), minus the unusual ones. */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);

export const RETRYABLE_STATUS: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/**
 * Milliseconds a `Retry-After` value asks for (delta-seconds or an HTTP date), or undefined when it is
 * absent or unreadable.
 */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return undefined;
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  const date = Date.parse(t);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Full jitter: a uniformly random wait up to the exponential step (AWS architecture blog, 2015). */
export function backoffMs(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const step = Math.min(policy.maxDelay, policy.baseDelay * 2 ** (retry - 1));
  return Math.round(random() * step);
}

/**
 * How long to wait before the next try, or undefined to stop: no tries left, a `Retry-After` beyond
 * the cap, or a wait that would not leave the next try any time before the deadline.
 */
export function nextDelay(
  retry: number,
  policy: RetryPolicy,
  remainingMs: number,
  retryAfter: number | undefined,
  random: () => number = Math.random,
): number | undefined {
  if (retry > policy.retries) return undefined;
  let wait = backoffMs(retry, policy, random);
  if (retryAfter !== undefined) {
    if (retryAfter > policy.maxRetryAfter) return undefined;
    wait = Math.max(wait, retryAfter);
  }
  // Leave the next try a reasonable share of what is left, or give up now with the answer in hand.
  if (wait + Math.min(100, remainingMs / 2) >= remainingMs) return undefined;
  return wait;
}

export function sleep(ms: number, signal?: CallerSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
