import { fs } from "./builtins.js";
import type { FSWatcher } from "node:fs";
import path from "node:path";
import type { Logger } from "./observability/log.js";
import type { Served } from "./serve.js";
import { BindError } from "./spec/binds.js";
import { loadCapability, type Capability } from "./spec/load.js";
import { CapabilityError, formatProblem } from "./spec/problems.js";

export interface Watching {
  /** Resolves after the reload a change triggered has been tried (for tests). */
  settled(): Promise<void>;
  close(): void;
}

/**
 * `serve --watch`: reloads when the capability file or a file it imports changes. The new version is
 * loaded and validated first; a broken edit is logged and the running version keeps serving. Calls
 * already in flight finish on the version they started with (see `Served.reload`).
 */
export function watchCapability(
  file: string,
  initial: Capability,
  served: Pick<Served, "reload" | "reloadFailed">,
  logger: Logger,
  debounceMs = 150,
): Watching {
  let watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let closed = false;

  const arm = (files: string[]) => {
    for (const w of watchers) w.close();
    watchers = [];
    // Watch directories, not files: editors often save by writing a new file and renaming it.
    const byDir = new Map<string, Set<string>>();
    for (const f of files) {
      const dir = path.dirname(f);
      byDir.set(dir, (byDir.get(dir) ?? new Set()).add(path.basename(f)));
    }
    for (const [dir, names] of byDir) {
      const w = fs.watch(dir, { persistent: false }, (_event, name) => {
        if (name && names.has(name.toString())) schedule();
      });
      w.on("error", (e) => logger.warn({ dir, err: (e as Error).message }, "naftiko: cannot watch directory"));
      watchers.push(w);
    }
  };

  const schedule = () => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => (running = running.then(reload)), debounceMs);
  };

  const reload = async () => {
    if (closed) return;
    let next: Capability;
    try {
      next = await loadCapability(file);
    } catch (e) {
      if (e instanceof CapabilityError) {
        const problems = e.problems.map(formatProblem);
        served.reloadFailed(`${e.problems.length} problem${e.problems.length === 1 ? "" : "s"}: ${problems[0]}`);
        logger.error(
          { file, problems },
          `naftiko: reload of ${file} failed (${e.problems.length} problem${e.problems.length === 1 ? "" : "s"}); still serving the previous version — fix the file and save it again`,
        );
      } else {
        served.reloadFailed((e as Error).message);
        logger.error({ file, err: (e as Error).message }, "naftiko: reload failed; still serving the previous version");
      }
      return;
    }
    try {
      await served.reload(next);
    } catch (e) {
      const hint = e instanceof BindError ? " — set the missing variable and save the file again" : "";
      logger.error({ file, err: (e as Error).message + hint }, "naftiko: reload failed; still serving the previous version");
      return;
    }
    for (const w of next.warnings) logger.warn({ problem: formatProblem(w) }, "naftiko: capability warning");
    arm(next.files);
    logger.info({ file, files: next.files.length }, `naftiko: reloaded ${file}`);
  };

  arm(initial.files);
  return {
    settled: () => new Promise<void>((r) => setTimeout(() => running.then(() => r()), debounceMs + 20)),
    close() {
      closed = true;
      clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}
