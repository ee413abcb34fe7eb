/**
 * Shared pieces for the focused behaviour tests: capability files written to a temp dir, served
 * in-process on an ephemeral port, in front of a real loopback upstream that records what it got.
 */
import path from "node:path";
import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import { serveCapability, type Served, type ServeOptions } from "../../src/serve.js";
import { loadCapability } from "../../src/spec/load.js";
import { writeTree } from "../support/official.js";
import { rawRequest as sendRaw, type RawResponse } from "../support/raw-http.js";
import { startRecordingUpstream, type Recorded, type RecordingUpstream, type Reply } from "../support/recording-upstream.js";

/** Writes files (name → text) into a fresh temp dir; returns the dir. */
export const tempDir = writeTree;

export type Seen = Recorded;
export type Upstream = RecordingUpstream;
export type { Reply };

/** The shared recording upstream, answering 200 `{}` unless told otherwise. */
export function startUpstream(reply: (req: Seen) => Reply = () => ({ body: "{}" })): Promise<Upstream> {
  return startRecordingUpstream(reply);
}

export interface Running {
  /** Base URL of the first REST exposes block. */
  url: string;
  served: Served;
  file: string;
  dir: string;
  close(): Promise<void>;
}

/**
 * Writes `yaml` as `capability.naftiko.yaml` (plus `files`) and serves it; every consumes block is
 * pointed at `upstream` (its base path kept) and every REST block at an ephemeral port.
 */
export async function serveYaml(
  yaml: string,
  opts: { upstream?: string; files?: Record<string, string>; env?: NodeJS.ProcessEnv; options?: Partial<ServeOptions> } = {},
): Promise<Running> {
  const dir = tempDir({ ...opts.files, "capability.naftiko.yaml": yaml });
  const file = path.join(dir, "capability.naftiko.yaml");
  const capability = await loadCapability(file);
  const baseUris = opts.upstream
    ? Object.fromEntries(capability.consumes.map((c) => [c.namespace, `${opts.upstream}${new URL(c.baseUri).pathname.replace(/\/$/, "")}`]))
    : undefined;
  const ports = Object.fromEntries(capability.exposes.filter((x) => x.type === "rest").map((x) => [x.namespace, 0]));
  const served = await serveCapability(capability, { baseUris, ports, env: opts.env ?? {}, log: () => {}, grace: 0, ...opts.options });
  return { url: served.listeners[0]?.url ?? "", served, file, dir, close: () => served.close() };
}

/**
 * A capability served for a whole test file in front of a recording upstream (vitest hooks), with
 * what a test needs to check the upstream requests it caused. Counting starts with each test
 * (or at `mark`).
 */
export function servedForTests(yaml: string, options?: Partial<ServeOptions>) {
  let upstream: Upstream;
  let running: Running;
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
      return running.url;
    },
    sent,
    /** Fetches `target`, expects 200, and returns the one upstream request it caused. */
    async ok(target: string, init?: RequestInit): Promise<Seen> {
      const res = await fetch(`${running.url}${target}`, init);
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

export type { RawResponse };

/** A request with the target sent exactly as given (fetch would normalise `..` and `%2e%2e`). */
export function rawRequest(
  base: string,
  target: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  return sendRaw(base, init.method ?? "GET", target, init.headers, init.body);
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
