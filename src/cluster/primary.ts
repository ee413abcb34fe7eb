import cluster, { type Worker } from "node:cluster";
import type { Server } from "node:http";
import { http } from "../builtins.js";
import { installCrashHandlers } from "../crash.js";
import { compileServerAuth } from "../exposes/auth.js";
import { Metrics } from "../observability/metrics.js";
import { localTraceBuffer } from "../observability/setup.js";
import { watchCapability, type Watching } from "../reload.js";
import { createRuntime, type Runtime } from "../runtime.js";
import { closeServer, listen, urlOf } from "../serve/listen.js";
import { CONTROL_NAMESPACE, DEFAULT_ADDRESS, type ServeOptions } from "../serve/options.js";
import type { Capability } from "../spec/load.js";
import type { ExposesControl } from "../spec/model.js";
import type { ReloadState } from "../exposes/control/server.js";
import { VERSION } from "../version.js";
import { clusterControl, type Workers } from "./control.js";
import {
  isNaftikoMessage,
  WORKER_INDEX,
  type Answer,
  type FromWorker,
  type Notice,
  type Request,
  type WorkerListener,
} from "./protocol.js";

/** A place for one worker; a worker that dies is replaced in the same place. */
interface Slot {
  index: number;
  worker?: Worker;
  listening: boolean;
  listeners?: WorkerListener[];
  /** Exits in a row before listening: the next start waits longer. */
  failures: number;
}

export interface PrimaryOptions {
  file: string;
  capability: Capability;
  /** The options every worker serves with (they parse the same command line). */
  options: ServeOptions;
  workers: number;
  watch: boolean;
}

/** How long a worker may take to answer the control port. */
const ASK_TIMEOUT_MS = 10_000;
/** After the grace period, how long a stopping worker may take before it is killed. */
const EXIT_MARGIN_MS = 5_000;

/**
 * `serve --workers N`: the primary process. It forks N workers (node:cluster; each serves every
 * exposes block on the same ports, the primary handing them connections in turn), replaces one that
 * dies, serves the control port over all of them, coordinates reloads (--watch and the control
 * port: the file is checked once here, then every worker swaps it in), and on SIGTERM or SIGINT
 * has every worker finish its in-flight calls before it stops. Resolves with the exit code.
 */
export async function servePrimary({ file, capability, options, workers: count, watch }: PrimaryOptions): Promise<number> {
  const logging = options.logger!;
  const { logger } = logging;
  const label = capability.info?.display ?? capability.file;
  // The primary serves no call; its runtime gives the binds (the control port's authentication)
  // and the redactor of what it writes.
  let runtime: Runtime = createRuntime(capability, options);
  let current = capability;
  logging.setScrub((line) => runtime.redactor.redact(line));
  installCrashHandlers((t) => runtime.redactor.redact(t));

  const slots: Slot[] = Array.from({ length: count }, (_, index) => ({ index, listening: false, failures: 0 }));
  const pending = new Map<number, { worker: Worker; resolve(a: Answer): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  let nextId = 0;
  let closing = false;
  let started = false;
  let reloads: ReloadState = { count: 0, failed: 0 };
  const metrics = new Metrics({ capability: label, version: VERSION });
  let tapped = false;
  let onLog: (line: string) => void = () => {};

  const ask = (slot: Slot, kind: Request["naftiko"], extra: Record<string, unknown> = {}): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const worker = slot.worker;
      if (!worker || !slot.listening) return reject(new Error(`worker ${slot.index} is not serving`));
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`worker ${slot.index} (pid ${worker.process.pid}) did not answer in ${ASK_TIMEOUT_MS / 1000} s`));
      }, ASK_TIMEOUT_MS);
      pending.set(id, { worker, resolve, reject, timer });
      worker.send({ naftiko: kind, id, ...extra });
    });
  const serving = () => slots.filter((s) => s.worker && s.listening);
  const workers: Workers = {
    askAll: (kind, extra) => Promise.all(serving().map((s) => ask(s, kind, extra))),
    askOne(kind, extra) {
      const slot = serving()[0];
      return slot ? ask(slot, kind, extra) : Promise.reject(new Error("no worker is serving"));
    },
    tell(notice: Notice) {
      if (notice.naftiko === "tap") tapped = notice.on;
      for (const s of slots) if (s.worker?.isConnected()) s.worker.send(notice);
    },
    allListening: () => slots.every((s) => s.worker && s.listening),
    listeners: () => serving()[0]?.listeners ?? [],
    processes: () => slots.map((s) => ({ pid: s.worker?.process.pid ?? 0, ready: s.listening })),
  };

  /** Has every serving worker swap in `next` (already loaded and checked here). */
  const applyEverywhere = async (next: Capability) => {
    const answers = await workers.askAll("reload");
    const refused = answers.find((a): a is { error: string } => "error" in a);
    if (refused) {
      failed(refused.error);
      throw new Error(refused.error);
    }
    const old = runtime;
    runtime = createRuntime(next, options);
    current = next;
    logging.setScrub((line) => runtime.redactor.redact(line));
    reloads = { ...reloads, count: reloads.count + 1, last: new Date().toISOString() };
    metrics.reloads.labels({ result: "ok" }).inc();
    await old.close();
  };
  const failed = (reason: string) => {
    reloads = { ...reloads, failed: reloads.failed + 1, lastError: reason, lastErrorAt: new Date().toISOString() };
    metrics.reloads.labels({ result: "error" }).inc();
  };

  // The control port comes up first, so /health/ready answers 503 until every worker listens.
  const controlBlock = capability.exposes.find((b): b is ExposesControl => b.type === "control");
  let controlServer: Server | undefined;
  if (controlBlock || options.controlPort !== undefined) {
    const [{ controlApp }, { getRequestListener }, { reloadFromControl }] = await Promise.all([
      import("../exposes/control/server.js"),
      import("@hono/node-server"),
      import("../exposes/control/reload.js"),
    ]);
    const control = clusterControl(
      workers,
      {
        label,
        file: capability.file,
        specVersion: capability.specVersion,
        runtimeVersion: VERSION,
        startedAt: Date.now(),
        reloads: () => reloads,
        closing: () => closing,
        scripting: () => runtime.scripting,
        traceBuffer: localTraceBuffer(controlBlock),
        config: {
          current: () => current,
          redact: (text) => runtime.redactor.redact(text),
          reload: () => reloadFromControl(current, applyEverywhere, failed, logger),
        },
      },
      logging,
      metrics,
    );
    onLog = control.onLog;
    const { app, endpoints } = controlApp(
      control.state,
      control.registry,
      controlBlock,
      compileServerAuth(controlBlock?.authentication, runtime.binds, CONTROL_NAMESPACE),
    );
    const server = http.createServer(getRequestListener(app.fetch));
    const address = options.hosts?.[CONTROL_NAMESPACE] ?? options.hosts?.["*"] ?? controlBlock?.address ?? DEFAULT_ADDRESS;
    const port = options.ports?.[CONTROL_NAMESPACE] ?? options.controlPort ?? controlBlock!.port;
    const bound = await listen(server, port, address, CONTROL_NAMESPACE, "--control-port <port>");
    controlServer = server;
    logger.info(
      `naftiko: control ${CONTROL_NAMESPACE} listening on ${urlOf(bound)} (${endpoints.join(", ") || "no endpoint enabled"}; over ${count} workers)`,
    );
  }

  let failStartup: (code: number) => void = () => {};
  const startupFailed = new Promise<number>((resolve) => (failStartup = resolve));
  const fork = (slot: Slot): Promise<void> =>
    new Promise((resolve) => {
      const worker = cluster.fork({ [WORKER_INDEX]: String(slot.index) });
      slot.worker = worker;
      slot.listening = false;
      worker.on("message", (message: unknown) => {
        if (!isNaftikoMessage<FromWorker>(message)) return;
        if (message.naftiko === "listening") {
          slot.listening = true;
          slot.listeners = message.listeners;
          slot.failures = 0;
          // A worker started after the level was changed, or a log stream opened, takes it too.
          worker.send({ naftiko: "level", level: logger.level });
          if (tapped) worker.send({ naftiko: "tap", on: true });
          resolve();
        } else if (message.naftiko === "reply") {
          const waiting = pending.get(message.id);
          if (!waiting) return;
          pending.delete(message.id);
          clearTimeout(waiting.timer);
          waiting.resolve(message.answer);
        } else if (message.naftiko === "log") onLog(message.line);
      });
      worker.once("exit", (code, signal) => {
        for (const [id, waiting] of pending) {
          if (waiting.worker !== worker) continue;
          pending.delete(id);
          clearTimeout(waiting.timer);
          waiting.reject(new Error(`worker ${slot.index} (pid ${worker.process.pid}) exited before it answered`));
        }
        const wasListening = slot.listening;
        slot.worker = undefined;
        slot.listening = false;
        if (closing) return;
        const how = signal ? `signal ${signal}` : `code ${code}`;
        if (!started) {
          // A worker that cannot start has said why on stderr; the others would fail the same way.
          logger.error({ worker: slot.index, pid: worker.process.pid }, `naftiko: worker ${slot.index} exited (${how}) before it listened`);
          return failStartup(code || 1);
        }
        if (!wasListening) slot.failures++;
        const delay = slot.failures ? Math.min(100 * 2 ** slot.failures, 10_000) : 0;
        logger.error(
          { worker: slot.index, pid: worker.process.pid },
          `naftiko: worker ${slot.index} (pid ${worker.process.pid}) exited (${how}); starting another${delay ? ` in ${delay} ms` : ""}`,
        );
        setTimeout(() => void (closing ? undefined : fork(slot)), delay).unref();
      });
    });

  let watching: Watching | undefined;
  const stopped = new Promise<void>((resolve) => {
    let stopping = false;
    const stop = async (why?: string) => {
      if (stopping) return;
      stopping = closing = true;
      if (why) logger.info({ signal: why }, `naftiko: ${why}, finishing in-flight calls`);
      watching?.close();
      await Promise.all(slots.map((s) => s.worker && stopWorker(s.worker, (options.grace ?? 10_000) + EXIT_MARGIN_MS)));
      if (controlServer) await closeServer(controlServer, 0);
      await runtime.close();
      resolve();
    };
    process.once("SIGINT", () => void stop("SIGINT"));
    process.once("SIGTERM", () => void stop("SIGTERM"));
    startupFailed.then(() => void stop());
  });

  // Worker 0 first, alone: a mistake only serving shows (a port in use) is reported once.
  const startAll = async () => {
    await fork(slots[0]);
    await Promise.all(slots.slice(1).map(fork));
  };
  const code = await Promise.race([startAll().then(() => 0), startupFailed, stopped.then(() => 0)]);
  if (code || closing) {
    await stopped;
    return code;
  }
  started = true;
  if (watch) watching = watchCapability(file, capability, { reload: applyEverywhere, reloadFailed: failed }, logger);
  logger.info({ capability: label, file: capability.file, watch, workers: count }, `naftiko: ready — ${label} (${count} workers)`);
  await stopped;
  logger.info("naftiko: stopped");
  return 0;
}

/** Asks a worker to finish its in-flight calls and exit; kills it if it has not after `deadline` ms. */
function stopWorker(worker: Worker, deadline: number): Promise<void> {
  return new Promise((resolve) => {
    if (worker.isDead()) return resolve();
    const timer = setTimeout(() => worker.process.kill("SIGKILL"), deadline);
    worker.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    if (worker.isConnected()) worker.send({ naftiko: "stop" });
    else worker.process.kill("SIGTERM");
  });
}
