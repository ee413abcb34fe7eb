/**
 * Secret comparison that takes the same time whatever the input: `crypto.timingSafeEqual` over
 * SHA-256 digests, so neither where two values first differ nor the length of the secret leaks.
 */
import { createHash, timingSafeEqual } from "node:crypto";

export function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/** Whether `given` equals the value whose {@link digest} is `expected`. */
export function same(given: string, expected: Buffer): boolean {
  return timingSafeEqual(digest(given), expected);
}
