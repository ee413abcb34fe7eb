import type { CallContext } from "../../observability/context.js";

/** Reads one header of the request a call came with (lowercase name); undefined over stdio. */
export type HeaderReader = (name: string) => string | undefined;

/**
 * Wraps each tool call and resource read (observability: logs, metrics, traces), under the tool's
 * or resource's name. `carrier` reads the request's request id and trace context: HTTP headers
 * first, then the request's `_meta`, where the 2026-07-28 revision carries `traceparent` over any
 * transport. `failed` tells a result that is an error (a tool's `isError`); a thrown error is one.
 */
export type CallWrapper = <T>(
  call: { name: string; method: "tools/call" | "resources/read" },
  carrier: HeaderReader,
  run: (context: CallContext) => Promise<T>,
  failed: (result: T) => boolean,
) => Promise<T>;
