import { Readable } from "node:stream";
import { UpstreamError } from "../../errors.js";
import { digestAuthorization, type AuthApplier } from "./auth.js";
import { send, type CallOptions, type UpstreamRequest, type UpstreamResponse } from "./client.js";
import type { Limiter } from "./limiter.js";
import type { TokenSource } from "./oauth2-client.js";
import type { Pools } from "./pool.js";
import { nextDelay, RETRYABLE_STATUS, retryAfterMs, sleep, type RetryPolicy } from "./retry.js";

/** How calls of one consumes block are run: retries, the in-flight bound, its own timeout. */
export interface CallPolicy {
  retry: RetryPolicy;
  /** `false` when the file says the operation is not idempotent (an MCP tool's `hints.idempotent`). */
  idempotent?: boolean;
  limiter?: Limiter;
  /** Milliseconds for the whole call (queue, tries, body), overriding the caller's `timeout`. */
  timeout?: number;
  /** Most bytes of a response read whole (to map or convert it); 502 beyond. */
  maxResponseBody?: number;
}

/**
 * Sends one built request under a consumes block's rules: a slot of its in-flight limit (held until
 * the upstream is done with the body), its timeout over the whole call, retries when `retryable`,
 * and the authentication that needs a round trip (digest challenges, oauth2 tokens). Operations
 * and `forward` share it.
 */
export type Sender = (req: UpstreamRequest, given: CallOptions, retryable: boolean) => Promise<UpstreamResponse>;

export function compileSender(auth: AuthApplier, pools: Pools, policy: CallPolicy): Sender {
  let digestChallenge: string | undefined;
  let digestCount = 0;

  /**
   * One logical send: tries again on connection failures, 429 and 502/503/504 when allowed and time
   * is left. The first try is a plain `then`: nearly every call ends with it, and the retry loop's
   * async frame cost every proxied call.
   */
  const sendRetrying = (req: UpstreamRequest, opts: CallOptions, deadline: number): Promise<UpstreamResponse> =>
    send(pools, req, opts).then(
      (res) => (RETRYABLE_STATUS.has(res.status) ? retry(req, opts, deadline, res, undefined) : res),
      (failure: unknown) => retry(req, opts, deadline, undefined, failure),
    );
  /** After a first try that may deserve another: waits, tries again, until one is final. */
  const retry = async (
    req: UpstreamRequest,
    opts: CallOptions,
    deadline: number,
    res: UpstreamResponse | undefined,
    failure: unknown,
  ): Promise<UpstreamResponse> => {
    for (let attempt = 1; ; attempt++) {
      const again = res ? RETRYABLE_STATUS.has(res.status) : failure instanceof UpstreamError && failure.kind === "unreachable";
      const wait = again
        ? nextDelay(attempt, policy.retry, deadline - Date.now(), res && retryAfterMs(res.headers["retry-after"]))
        : undefined;
      if (wait === undefined) {
        if (res) return res;
        throw failure;
      }
      if (res) await res.body.dump().catch(() => {});
      await sleep(wait, opts.signal);
      res = undefined;
      failure = undefined;
      try {
        res = await send(pools, req, { ...opts, timeout: Math.max(1, deadline - Date.now()) });
      } catch (e) {
        failure = e;
      }
    }
  };
  const sendOnce = (req: UpstreamRequest, opts: CallOptions, deadline: number, retryable: boolean): Promise<UpstreamResponse> =>
    retryable ? sendRetrying(req, opts, deadline) : send(pools, req, opts);

  const sendDigest = async (
    req: UpstreamRequest,
    opts: CallOptions,
    deadline: number,
    retryable: boolean,
    digest: NonNullable<AuthApplier["digest"]>,
  ): Promise<UpstreamResponse> => {
    if (digestChallenge) {
      const header = digestAuthorization(digestChallenge, digest, req.method, req.path, ++digestCount);
      if (header) req.headers.authorization = header;
    }
    const first = await sendOnce(req, opts, deadline, retryable);
    const challenge = first.status === 401 ? [first.headers["www-authenticate"]].flat().find((h) => h && /^\s*Digest/i.test(h)) : undefined;
    if (!challenge) return first;
    digestChallenge = challenge;
    digestCount = 1;
    // A streamed request body is gone: the caller gets the 401, the next request answers the challenge.
    if (!replayable(req)) return first;
    await first.body.dump();
    const header = digestAuthorization(challenge, digest, req.method, req.path, digestCount);
    return sendOnce({ ...req, headers: header ? { ...req.headers, authorization: header } : req.headers }, opts, deadline, retryable);
  };

  /**
   * With a token from the authorization server; a 401 means the upstream no longer takes it
   * (revoked, or expired early): one new token and one more try, never more.
   */
  const sendOAuth2 = async (
    req: UpstreamRequest,
    opts: CallOptions,
    deadline: number,
    retryable: boolean,
    source: TokenSource,
  ): Promise<UpstreamResponse> => {
    const token = source.current() ?? (await beforeDeadline(source.token(), deadline, opts));
    const first = await sendOnce(withBearer(req, token), opts, deadline, retryable);
    if (first.status !== 401) return first;
    if (!replayable(req)) {
      // The caller gets the 401; the next request goes with a new token.
      source.renew(token).catch(() => {});
      return first;
    }
    await first.body.dump();
    return sendOnce(withBearer(req, await beforeDeadline(source.renew(token), deadline, opts)), opts, deadline, retryable);
  };

  /** Sends while holding an in-flight slot (if any) until the upstream is done with the body: that is when the socket is free. */
  const sendHolding = (
    req: UpstreamRequest,
    opts: CallOptions,
    deadline: number,
    retryable: boolean,
    release: (() => void) | undefined,
  ): Promise<UpstreamResponse> =>
    (auth.digest
      ? sendDigest(req, opts, deadline, retryable, auth.digest)
      : auth.oauth2
        ? sendOAuth2(req, opts, deadline, retryable, auth.oauth2)
        : sendOnce(req, opts, deadline, retryable)
    ).then(
      (res) => {
        if (policy.maxResponseBody) res.maxBody = policy.maxResponseBody;
        if (release) res.body.onDone(release);
        return res;
      },
      (e: unknown) => {
        release?.();
        throw e;
      },
    );

  // Promise chains, not async functions: these run on every proxied call, and each async frame
  // and await was measurable there.
  return (req, given, retryable) => {
    const timeout = policy.timeout ?? given.timeout;
    // `timeout` shrinks on retries; `totalTimeout` is the whole call's budget, named in messages.
    const opts: CallOptions = { signal: given.signal, timeout, totalTimeout: timeout, context: given.context };
    const deadline = Date.now() + timeout;
    const limiter = policy.limiter;
    const release = limiter?.tryAcquire();
    if (limiter && !release)
      return limiter.acquire(opts.signal, timeout).then((queued) => sendHolding(req, opts, deadline, retryable, queued));
    return sendHolding(req, opts, deadline, retryable, release);
  };
}

/** A body that can be sent again: not a stream that was read once. */
function replayable(req: UpstreamRequest): boolean {
  return !(req.body instanceof Readable);
}

function withBearer(req: UpstreamRequest, token: string): UpstreamRequest {
  return { ...req, headers: { ...req.headers, authorization: `Bearer ${token}` } };
}

/** A token wait bounded by the call's own budget and its caller: neither waits on a slow token endpoint. */
function beforeDeadline<T>(pending: Promise<T>, deadline: number, opts: CallOptions): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", gone);
    };
    const gone = () => {
      done();
      reject(opts.signal?.reason);
    };
    const timer = setTimeout(
      () => {
        done();
        reject(
          new UpstreamError("timeout", `no token from the authorization server within the call's ${opts.totalTimeout ?? opts.timeout} ms`),
        );
      },
      Math.max(0, deadline - Date.now()),
    );
    pending.then(
      (v) => {
        done();
        resolve(v);
      },
      (e: unknown) => {
        done();
        reject(e);
      },
    );
    if (opts.signal?.aborted) return gone();
    opts.signal?.addEventListener("abort", gone, { once: true });
  });
}
