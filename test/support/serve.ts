/**
 * A capability served in-process for a test: every exposes block on a free port, logs off. For the
 * real CLI in a child process, see test/support/cli.ts.
 */
import path from "node:path";
import { serveCapability, type Served, type ServeOptions } from "../../src/serve.js";
import { loadCapability, type Capability } from "../../src/spec/load.js";
import { writeTree } from "./temp.js";

export interface Serving {
  served: Served;
  /** The capability file. */
  file: string;
  /** Its folder (for an inline capability, the temp folder it was written to). */
  dir: string;
  /** exposes namespace → base URL (an MCP block's without `/mcp`). */
  url: Record<string, string>;
  /** Base URL of the first REST block ("" when there is none). */
  rest: string;
  close(): Promise<void>;
}

/** Port 0 for every exposes block of a capability, so test servers never collide. */
export function anyPorts(capability: Capability): Record<string, number> {
  return Object.fromEntries(capability.exposes.flatMap((b) => (b.namespace ? [[b.namespace, 0]] : [])));
}

/** Serves a capability file (or one already loaded); `options` win over the test defaults. */
export async function serveFile(file: string | Capability, options: ServeOptions = {}): Promise<Serving> {
  const capability = typeof file === "string" ? await loadCapability(file) : file;
  const served = await serveCapability(capability, { log: () => {}, ...options, ports: { ...anyPorts(capability), ...options.ports } });
  const url = Object.fromEntries(served.listeners.map((l) => [l.namespace, l.url.replace(/\/mcp$/, "")]));
  return {
    served,
    file: capability.file,
    dir: path.dirname(capability.file),
    url,
    rest: served.listeners.find((l) => l.type === "rest")?.url ?? "",
    close: () => served.close(),
  };
}

/** `files["capability.yml"]` is the capability; every other entry is written beside it. */
export async function serveFiles(files: Record<string, string>, options: ServeOptions = {}): Promise<Serving> {
  const dir = writeTree(files);
  return serveFile(path.join(dir, "capability.yml"), options);
}

/**
 * Writes `yaml` as `capability.naftiko.yaml` (plus `files` beside it) and serves it, every consumes
 * block pointed at `upstream` with its own base path kept.
 */
export async function serveYaml(
  yaml: string,
  opts: { upstream?: string; files?: Record<string, string>; env?: NodeJS.ProcessEnv; options?: Partial<ServeOptions> } = {},
): Promise<Serving> {
  const dir = writeTree({ ...opts.files, "capability.naftiko.yaml": yaml });
  const capability = await loadCapability(path.join(dir, "capability.naftiko.yaml"));
  const baseUris = opts.upstream
    ? Object.fromEntries(capability.consumes.map((c) => [c.namespace, `${opts.upstream}${new URL(c.baseUri).pathname.replace(/\/$/, "")}`]))
    : undefined;
  return serveFile(capability, { baseUris, env: opts.env ?? {}, grace: 0, ...opts.options });
}
