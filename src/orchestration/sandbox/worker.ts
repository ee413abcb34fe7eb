/**
 * A sandbox worker: runs script steps in QuickJS compiled to WebAssembly, one job at a time, each in a
 * fresh QuickJS runtime and context (nothing is left from one job to the next).
 *
 * The sandbox has no host API at all: no `require`, no file system, no network, no timers, no
 * `process`, no `console`; a script sees the language's built-ins and the `context` binding, and
 * answers by assigning `result`. Its limits:
 * - memory: the WebAssembly memory it runs in cannot grow past the limit, so an allocation beyond it
 *   fails inside the script ("out of memory"), whatever allocates it;
 * - time and statements: QuickJS calls an interrupt handler once at the first check, then every
 *   10 000 interrupt checks (one per function call and per jump: each loop iteration, each branch);
 *   the handler stops the script past its deadline or past its statement budget;
 * - stack: QuickJS stops recursion deeper than 256 KiB of its stack ("stack overflow").
 * The host (pool.ts) also stops a worker that does not answer in time, in case a single built-in
 * call runs long between two checks.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime, QuickJSSyncVariant, QuickJSWASMModule } from "quickjs-emscripten-core";
import { newQuickJSWASMModuleFromVariant, newVariant } from "quickjs-emscripten-core";
import * as releaseSync from "@jitl/quickjs-singlefile-cjs-release-sync";
import type { FailureKind, SandboxJob, SandboxOutcome, WorkerSetup } from "./protocol.js";

/** Interrupt checks between two calls of the interrupt handler (QuickJS's JS_INTERRUPT_COUNTER_INIT). */
export const CHECK_INTERVAL = 10_000;
const MAX_STACK = 256 * 1024;
const PAGE = 64 * 1024;
/** The WebAssembly module asks for 16 MiB to start with. */
const INITIAL_MEMORY = 16 * 1024 * 1024;

async function main() {
  const port = parentPort!;
  const { memoryLimit } = workerData as WorkerSetup;
  const wasm = (globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number; maximum: number }) => object } }).WebAssembly;
  const memory = new wasm.Memory({ initial: INITIAL_MEMORY / PAGE, maximum: Math.max(INITIAL_MEMORY, memoryLimit) / PAGE });
  // The package is CommonJS: imported as ESM the variant is its `default`, bundled by esbuild it may be one level deeper.
  const unwrap = (m: unknown): QuickJSSyncVariant => {
    const d = (m as { default?: unknown }).default;
    return d && typeof d === "object" ? unwrap(d) : (m as QuickJSSyncVariant);
  };
  const base = unwrap(releaseSync);
  const quickjs = await newQuickJSWASMModuleFromVariant(newVariant(base, { wasmMemory: memory as never }));
  port.on("message", (job: SandboxJob) => port.postMessage(run(quickjs, job, memoryLimit)));
  port.postMessage({ ready: true });
}

function run(quickjs: QuickJSWASMModule, job: SandboxJob, memoryLimit: number): SandboxOutcome {
  let rt: QuickJSRuntime | undefined;
  let ctx: QuickJSContext | undefined;
  const handles: QuickJSHandle[] = [];
  const keep = <T extends QuickJSHandle>(h: T): T => (handles.push(h), h);
  let stopped: "timeout" | "statements" | undefined;
  let outcome: SandboxOutcome;
  try {
    rt = quickjs.newRuntime();
    // QuickJS's own accounting, as a second line: in this build it undercounts, the memory cap above holds.
    rt.setMemoryLimit(memoryLimit);
    rt.setMaxStackSize(MAX_STACK);
    const deadline = Date.now() + job.timeout;
    let checks = -1;
    rt.setInterruptHandler(() => {
      checks++;
      if (Date.now() > deadline) stopped = "timeout";
      else if (checks * CHECK_INTERVAL > job.statementLimit) stopped = "statements";
      return stopped !== undefined;
    });
    const vm = (ctx = rt.newContext());
    // Taken before any script runs: a script that replaces JSON cannot change how its result is read.
    const json = keep(vm.getProp(vm.global, "JSON"));
    const stringify = keep(vm.getProp(json, "stringify"));
    const parse = keep(vm.getProp(json, "parse"));
    const fail = (error: QuickJSHandle, where: string): SandboxOutcome => ({ id: job.id, ...failure(vm, keep(error), where, stopped) });

    const parsed = vm.callFunction(parse, vm.undefined, keep(vm.newString(job.context)));
    if (parsed.error) return (outcome = fail(parsed.error, "while reading the context"));
    vm.setProp(vm.global, "context", keep(parsed.value));
    for (const source of job.sources) {
      const done = vm.evalCode(source.code, source.name);
      if (done.error) return (outcome = fail(done.error, `in ${source.name}`));
      keep(done.value);
    }
    // Promise reactions the scripts queued run before the result is read, as they would after a script.
    const jobs = rt.executePendingJobs(-1);
    if (jobs.error) return (outcome = fail(jobs.error, "in a promise reaction"));
    // `result` as the scripts see it: a global property or a top-level let/const/var.
    const read = vm.evalCode("result", "<result>");
    if (read.error) {
      const err = keep(read.error);
      const name = vm.typeof(err) === "object" ? vm.getString(keep(vm.getProp(err, "name"))) : "";
      if (name === "ReferenceError" && !stopped) return (outcome = { id: job.id, ok: true });
      return (outcome = fail(err, "while reading result"));
    }
    const text = vm.callFunction(stringify, vm.undefined, keep(read.value));
    if (text.error) return (outcome = fail(text.error, "while turning result into JSON"));
    const value = keep(text.value);
    // `undefined`, a function or a symbol has no JSON text: the result is null.
    return (outcome = { id: job.id, ok: true, result: vm.typeof(value) === "string" ? vm.getString(value) : "null" });
  } catch (e) {
    // The engine itself failed (its native stack overflowed, the WebAssembly trapped): this worker's
    // sandbox may be broken, so it is replaced.
    const message = e instanceof Error ? e.message : String(e);
    const stack = /call stack/i.test(message);
    outcome = {
      id: job.id,
      ok: false,
      kind: stopped ?? (stack ? "stack" : "error"),
      message: stack ? "the script recursed too deeply (stack overflow)" : `the sandbox failed: ${message}`,
      retire: true,
    };
    return outcome;
  } finally {
    try {
      for (const h of handles.reverse()) if (h.alive) h.dispose();
      ctx?.dispose();
      rt?.dispose();
    } catch {
      // A runtime that cannot be freed cleanly leaves the heap in doubt: the next job gets a new worker.
      if (outcome!.ok)
        outcome = { id: job.id, ok: false, kind: "error", message: "the sandbox could not be reset after the script", retire: true };
      else outcome!.retire = true;
    }
  }
}

/** A script's error as the host reports it: which limit stopped it, or the error and where it was thrown. */
function failure(
  vm: QuickJSContext,
  error: QuickJSHandle,
  where: string,
  stopped: "timeout" | "statements" | undefined,
): { ok: false; kind: FailureKind; message: string; retire?: boolean } {
  const dumped: unknown = vm.dump(error);
  const err = dumped && typeof dumped === "object" ? (dumped as { name?: unknown; message?: unknown; stack?: unknown }) : undefined;
  const message = err ? String(err.message ?? "") : "";
  let kind: FailureKind = stopped ?? "error";
  if (!stopped && message === "out of memory") kind = "memory";
  else if (!stopped && message === "stack overflow") kind = "stack";
  const at = err && typeof err.stack === "string" ? /\(([^()]+:\d+:\d+)\)/.exec(err.stack)?.[1] : undefined;
  const text = err ? `${String(err.name ?? "Error")}: ${message}` : `threw ${JSON.stringify(dumped) ?? String(dumped)}`;
  // After running out of memory the heap is at its cap and may be fragmented: start afresh.
  return { ok: false, kind, message: `${text} ${at ? `(at ${at})` : `(${where})`}`, retire: kind === "memory" };
}

void main();
