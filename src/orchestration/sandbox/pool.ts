import { fs } from "../../builtins.js";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { SandboxJob, SandboxOutcome, WorkerReady, WorkerSetup } from "./protocol.js";

/**
 * Sandbox workers (worker.ts) for script steps, so a script never runs on the thread that serves
 * requests. Workers start when a script first needs one, up to `size`, and are kept for the next
 * jobs; one job at a time each, the others wait their turn (for at most the time their caller has).
 *
 * The host keeps its own deadline: a worker that has not answered `grace` ms after its script's
 * timeout (a single built-in call that runs long between two interrupt checks) is terminated and
 * replaced, and the job fails as timed out. A worker whose sandbox may be damaged (it ran out of
 * memory, its engine failed) is replaced after its job.
 */

export interface PoolOptions {
  size: number;
  /** Bytes of the sandbox's whole heap, per worker. */
  memoryLimit: number;
  /** Milliseconds the host waits beyond a job's timeout before it terminates the worker. */
  grace?: number;
  /** The worker's script; by default the compiled worker.ts beside this module. */
  script?: string;
}

/** What a job ended in, from the host's side too. */
export type PoolOutcome =
  | SandboxOutcome
  | { id: number; ok: false; kind: "busy"; message: string }
  | { id: number; ok: false; kind: "timeout" | "crash"; message: string; retire: true };

interface Slot {
  worker: Worker;
  ready: boolean;
  job?: Pending;
  timer?: NodeJS.Timeout;
}

interface Pending {
  job: SandboxJob;
  resolve(outcome: PoolOutcome): void;
  /** Until when it may wait for a worker. */
  waitUntil: number;
  waitTimer?: NodeJS.Timeout;
}

/** The most jobs that may wait for a worker; beyond, a script step fails at once as busy. */
export const MAX_WAITING = 1000;

export class SandboxPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Pending[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: PoolOptions) {}

  /** Runs one job; never rejects: every failure is an outcome. */
  run(job: Omit<SandboxJob, "id">, maxWait: number): Promise<PoolOutcome> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      if (this.closed) return resolve({ id, ok: false, kind: "busy", message: "the runtime is shutting down" });
      if (this.waiting.length >= MAX_WAITING)
        return resolve({ id, ok: false, kind: "busy", message: `${MAX_WAITING} script runs are already waiting for a sandbox` });
      const pending: Pending = { job: { ...job, id }, resolve, waitUntil: Date.now() + maxWait };
      pending.waitTimer = setTimeout(() => {
        const i = this.waiting.indexOf(pending);
        if (i < 0) return;
        this.waiting.splice(i, 1);
        resolve({ id, ok: false, kind: "busy", message: `no sandbox was free within ${maxWait} ms (every one is running a script)` });
      }, maxWait);
      this.waiting.push(pending);
      this.dispatch();
    });
  }

  /** Starts one worker now, if none is running, so the first job does not wait for it. */
  warm(): void {
    if (!this.closed && !this.slots.length) this.spawn();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.waiting.splice(0)) {
      clearTimeout(p.waitTimer);
      p.resolve({ id: p.job.id, ok: false, kind: "busy", message: "the runtime is shutting down" });
    }
    await Promise.all(this.slots.splice(0).map((slot) => this.stop(slot, "the runtime is shutting down")));
  }

  private dispatch() {
    while (this.waiting.length) {
      const idle = this.slots.find((s) => s.ready && !s.job);
      if (!idle) {
        // A worker still starting takes the next job when it is ready.
        const starting = this.slots.filter((s) => !s.ready).length;
        if (starting < this.waiting.length && this.slots.length < this.options.size) this.spawn();
        return;
      }
      const pending = this.waiting.shift()!;
      clearTimeout(pending.waitTimer);
      this.start(idle, pending);
    }
  }

  private start(slot: Slot, pending: Pending) {
    slot.job = pending;
    slot.worker.ref();
    slot.timer = setTimeout(
      () => {
        void this.stop(slot, "");
        pending.resolve({
          id: pending.job.id,
          ok: false,
          kind: "timeout",
          message: `the script did not stop within its timeout (${pending.job.timeout} ms); its sandbox was terminated`,
          retire: true,
        });
        this.dispatch();
      },
      pending.job.timeout + (this.options.grace ?? 1000),
    );
    slot.worker.postMessage(pending.job);
  }

  private spawn() {
    const setup: WorkerSetup = { memoryLimit: this.options.memoryLimit };
    const worker = new Worker(this.options.script ?? workerScript(), {
      workerData: setup,
      // A sandbox needs no environment: nothing of the runtime's (credentials included) reaches it.
      env: {},
      resourceLimits: { maxOldGenerationSizeMb: 256, stackSizeMb: 4 },
    });
    const slot: Slot = { worker, ready: false };
    this.slots.push(slot);
    worker.unref();
    worker.on("message", (msg: SandboxOutcome | WorkerReady) => {
      if ("ready" in msg) {
        slot.ready = true;
        return this.dispatch();
      }
      const pending = slot.job;
      if (!pending || msg.id !== pending.job.id) return;
      clearTimeout(slot.timer);
      slot.job = undefined;
      slot.worker.unref();
      if (!msg.ok && msg.retire) void this.stop(slot, "");
      pending.resolve(msg);
      this.dispatch();
    });
    const lost = (why: string) => {
      const i = this.slots.indexOf(slot);
      if (i < 0) return;
      this.slots.splice(i, 1);
      clearTimeout(slot.timer);
      const pending = slot.job;
      slot.job = undefined;
      pending?.resolve({ id: pending.job.id, ok: false, kind: "crash", message: `the sandbox stopped: ${why}`, retire: true });
      if (this.closed) return;
      if (!slot.ready) {
        // A worker that cannot even start would fail the same way again: the waiting jobs fail now.
        for (const p of this.waiting.splice(0)) {
          clearTimeout(p.waitTimer);
          p.resolve({ id: p.job.id, ok: false, kind: "crash", message: `the sandbox could not start: ${why}`, retire: true });
        }
        return;
      }
      this.dispatch();
    };
    worker.on("error", (e) => lost(e.message));
    worker.on("exit", (code) => lost(`its worker exited (code ${code})`));
  }

  /** Terminates a worker and forgets it; its job, if any, is answered by the caller. */
  private async stop(slot: Slot, why: string) {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    clearTimeout(slot.timer);
    const pending = slot.job;
    slot.job = undefined;
    if (pending && why) pending.resolve({ id: pending.job.id, ok: false, kind: "busy", message: why });
    await slot.worker.terminate();
  }
}

/** The running binary of `naftiko build`: the directory it extracted its files to. */
declare const globalThis: { __naftiko_sea?: { dir: string } };

/**
 * The worker's script: in a `naftiko build` binary, the bundle it carries; else worker.js beside this
 * module. Run from the TypeScript sources (tests), the compiled one in dist/.
 */
export function workerScript(): string {
  const sea = globalThis.__naftiko_sea;
  if (sea) return path.join(sea.dir, SEA_WORKER);
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith(".js")) return path.join(path.dirname(here), "worker.js");
  const built = path.resolve(path.dirname(here), "../../../dist/orchestration/sandbox/worker.js");
  if (!fs.existsSync(built)) throw new Error(`the sandbox worker is not built (${built}); run npm run build`);
  return built;
}

/** Where a `naftiko build` binary extracts the bundled worker (src/build/sea.ts). */
export const SEA_WORKER = "sandbox-worker.cjs";
