/**
 * A capability served for a REST test file in front of a recording upstream, with what a test
 * needs to check the upstream requests it caused.
 */
import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import type { ServeOptions } from "../../src/serve.js";
import { startRecordingUpstream, type Recorded, type RecordingUpstream, type Reply } from "../support/recording-upstream.js";
import { serveYaml, type Serving } from "../support/serve.js";

export type Seen = Recorded;
export type Upstream = RecordingUpstream;
export type { Reply };

/** The shared recording upstream, answering 200 `{}` unless told otherwise. */
export function startUpstream(reply: (req: Seen) => Reply = () => ({ body: "{}" })): Promise<Upstream> {
  return startRecordingUpstream(reply);
}

/**
 * A capability served for a whole test file in front of a recording upstream (vitest hooks), with
 * what a test needs to check the upstream requests it caused. Counting starts with each test
 * (or at `mark`).
 */
export function servedForTests(yaml: string, options?: Partial<ServeOptions>) {
  let upstream: Upstream;
  let running: Serving;
  let before = 0;
  beforeAll(async () => {
    upstream = await startUpstream();
    running = await serveYaml(yaml, { upstream: upstream.url, options });
  });
  afterAll(async () => {
    await running?.close();
    await upstream?.stop();
  });
  beforeEach(() => {
    before = upstream.requests.length;
  });
  /** The one request the upstream got since the test began. */
  const sent = (): Seen => {
    expect(upstream.requests.length, "exactly one upstream request").toBe(before + 1);
    return upstream.requests[before];
  };
  return {
    /** Base URL of the served REST block. */
    get url() {
      return running.rest;
    },
    sent,
    /** Fetches `target`, expects 200, and returns the one upstream request it caused. */
    async ok(target: string, init?: RequestInit): Promise<Seen> {
      const res = await fetch(`${running.rest}${target}`, init);
      expect(res.status, await res.clone().text()).toBe(200);
      return sent();
    },
    /** Nothing reached the upstream since the test began. */
    nothingSent(): void {
      expect(upstream.requests.length, "no upstream call").toBe(before);
    },
    /** Counts upstream requests from here on. */
    mark(): void {
      before = upstream.requests.length;
    },
  };
}

/** Parses a JSON response body, failing with the text when it is not JSON. */
export async function json(res: Response): Promise<any> {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`not JSON (status ${res.status}): ${text}`);
  }
}
