import type { Authentication } from "../spec/model.js";

/** The contract every scheme (auth.ts, auth-digest.ts, auth-oauth2.ts) implements. */

/** What a check needs from a request, whatever the HTTP stack. */
export interface AuthRequest {
  header(name: string): string | undefined;
  /** The request URL (for `apikey` in the query, and the digest `uri`). */
  url: string;
  /** The request method (part of a digest answer). */
  method: string;
}

export interface Denial {
  /** 401: no or wrong credentials; 403: valid, but not enough (OAuth scopes); 503: they cannot be checked now. */
  status: 401 | 403 | 503;
  /** The `WWW-Authenticate` value(s): one header line each. */
  challenge?: string | string[];
  message: string;
  /** Seconds, for `Retry-After` (503). */
  retryAfter?: number;
}

export interface ServerAuth {
  readonly type: Authentication["type"];
  /**
   * `undefined` when the request may pass. A check that needs the network (an OAuth issuer's keys)
   * answers with a promise, which never rejects.
   */
  check(req: AuthRequest): Denial | undefined | Promise<Denial | undefined>;
  /** Documents served to anyone at these paths (OAuth Protected Resource Metadata). */
  readonly documents?: Readonly<Record<string, unknown>>;
}
