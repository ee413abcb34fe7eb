/**
 * What the host and a sandbox worker say to each other. One job at a time per worker: the host sends
 * a job, the worker answers with its outcome, then waits for the next.
 */

/** Sent once, when the worker starts: the size of its sandbox's whole heap. */
export interface WorkerSetup {
  memoryLimit: number;
}

export interface SandboxJob {
  id: number;
  /** Evaluated in order in one fresh context: the dependencies, then the main file. */
  sources: Array<{ name: string; code: string }>;
  /** The `context` binding, as JSON text. */
  context: string;
  /** Milliseconds the scripts may run. */
  timeout: number;
  /** Interrupt checks (function calls and jumps) the scripts may make. */
  statementLimit: number;
}

/** Which limit stopped a script, or how else it failed. */
export type FailureKind = "timeout" | "statements" | "memory" | "stack" | "error";

export type SandboxOutcome =
  | {
      id: number;
      ok: true;
      /** The JSON text of `result`; undefined when the scripts assigned none. */
      result?: string;
    }
  | {
      id: number;
      ok: false;
      kind: FailureKind;
      message: string;
      /** The worker's sandbox may be unusable (its heap ran out, the engine broke): replace the worker. */
      retire?: boolean;
    };

/** The first message of a worker: its sandbox is loaded and it takes jobs. */
export interface WorkerReady {
  ready: true;
}
