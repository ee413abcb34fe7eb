import type { Server } from "node:http";
import { createLogger, silentLogger } from "./observability/log.js";
import { createObserver } from "./observability/setup.js";
import type { Capability } from "./spec/load.js";
import type { ExposesControl } from "./spec/model.js";
import { VERSION } from "./version.js";
import { loadSkill, type Builder } from "./serve/build.js";
import { listenBlocks, servingBlocks, type OpenBlocks } from "./serve/blocks.js";
import { startControlPort } from "./serve/control.js";
import { closeServer } from "./serve/listen.js";
import { checkNamespaces, DEFAULT_MAX_BODY, type Listener, type ServeOptions, type Served } from "./serve/options.js";
import { chooseStdioBlock } from "./serve/stdio.js";
import { Versions } from "./serve/versions.js";

export { closeServer, listen, urlOf } from "./serve/listen.js";
export { CONTROL_NAMESPACE, DEFAULT_ADDRESS, DEFAULT_MAX_BODY } from "./serve/options.js";
export type { Listener, ServeOptions, Served } from "./serve/options.js";

/**
 * Starts every exposes block of a capability in this process: the control port first, then each
 * block (src/serve/blocks.ts), each request on the version current when it arrived
 * (src/serve/versions.ts, which also reloads).
 */
export async function serveCapability(capability: Capability, options: ServeOptions = {}): Promise<Served> {
  const logging = options.logger ?? (options.log ? silentLogger() : await createLogger());
  const logger = logging.logger;
  const log = options.log ?? ((line: string) => logger.info(line));
  const blocks = capability.exposes;
  const controlBlock = options.stdio ? undefined : blocks.find((b): b is ExposesControl => b.type === "control");
  const controlHere = (controlBlock !== undefined || options.controlPort !== undefined) && !options.controlElsewhere;
  const stdioBlock = chooseStdioBlock(capability, options);
  checkNamespaces(capability, options, controlBlock);
  const observer = await createObserver(capability, logging, options.env);
  const builder: Builder = {
    options,
    observer,
    logging,
    maxBodySize: options.maxBodySize ?? DEFAULT_MAX_BODY,
    stdioBlock,
    skillCode: blocks.some((b) => b.type === "skill") ? await loadSkill() : undefined,
  };
  const startedAt = Date.now();
  const versions = new Versions(builder, capability);
  const config = versions.config(logger);
  const listeners: Listener[] = [];
  const open: OpenBlocks = { servers: [] };
  let controlServer: Server | undefined;
  let closing = false;

  const servedBlocks = options.stdio ? [stdioBlock!] : blocks;
  const expected = servingBlocks(servedBlocks).filter((b) => b !== stdioBlock).length;
  try {
    if (controlHere) {
      const control = await startControlPort(
        {
          label: capability.info?.display ?? capability.file,
          file: capability.file,
          specVersion: capability.specVersion,
          runtimeVersion: VERSION,
          startedAt,
          ready: () => !closing && open.servers.length === expected && open.servers.every((s) => s.listening),
          exposes: () => listeners.map(({ namespace, type, url, port }) => ({ namespace, type, url, port })),
          reloads: () => versions.reloads,
          logging,
          traces: observer.tracing?.recent,
          scripting: () => versions.current.runtime.scripting,
          config,
        },
        { options, observer, controlBlock, runtime: versions.current.runtime, log },
      );
      controlServer = control.server;
      listeners.push(control.listener);
    }
    await listenBlocks(servedBlocks, { builder, versions, listeners, open, log });
  } catch (e) {
    await Promise.all([...open.servers, ...(controlServer ? [controlServer] : [])].map((s) => closeServer(s, 0)));
    await open.stdio?.close();
    await versions.close();
    await observer.shutdown();
    throw e;
  }
  const served: Served = {
    runtime: versions.current.runtime,
    listeners,
    observer,
    stdioClosed: open.stdio?.closed,
    config,
    reload: (next) => versions.reload(next),
    reloadFailed: (reason) => versions.failed(reason),
    async close() {
      closing = true;
      // The control port stays up while calls drain, answering /health/ready with 503.
      await Promise.all(open.servers.map((s) => closeServer(s, options.grace ?? 10_000)));
      await open.stdio?.close();
      await versions.close();
      if (controlServer) await closeServer(controlServer, 0);
      await observer.shutdown();
    },
  };
  versions.onSwap = (g) => {
    served.runtime = g.runtime;
    for (const l of listeners) {
      if (l.type === "rest") l.routes = g.apps.get(l.namespace)?.routes;
      if (l.type === "mcp" && l.url !== "stdio") l.mcp = g.apps.get(l.namespace)?.mcp;
    }
  };
  return served;
}
