import type { RuntimeLogger } from "../observability/log.js";
import type { Served } from "../serve.js";
import { loadCapability } from "../spec/load.js";
import { CapabilityError, formatProblem } from "../spec/problems.js";
import { isNaftikoMessage, type Answer, type FromWorker, type ScriptingView, type ToWorker } from "./protocol.js";

/**
 * Metrics the primary keeps itself: it coordinates reloads (a worker's own count would be added up
 * once per worker) and states the capability once.
 */
export const PRIMARY_METRICS = new Set(["naftiko_reloads_total", "naftiko_capability_info"]);

/**
 * A worker of `serve --workers`: serves the exposes blocks like a single process, tells the primary
 * when it listens, and answers what the primary's control port asks of every worker (metrics,
 * traces, a reload, a validation, the log level, the log stream). `stop` finishes in-flight calls
 * and ends the process; it is called when the primary asks, and when the primary is gone.
 */
export function attachWorker(served: Served, logging: RuntimeLogger, file: string, stop: () => void): void {
  const send = (message: FromWorker) => {
    if (process.connected) process.send!(message);
  };
  let untap: (() => void) | undefined;
  const answer = async (message: ToWorker & { id: number }): Promise<Answer> => {
    switch (message.naftiko) {
      case "metrics": {
        const registry = await served.observer.metrics.registry();
        return { metrics: (await registry.getMetricsAsJSON()).filter((m) => !PRIMARY_METRICS.has(m.name)) };
      }
      case "traces":
        return { traces: served.observer.tracing?.recent?.all() ?? [] };
      case "validate":
        return { report: await served.config.validate(message.text) };
      case "scripting":
        return { scripting: served.runtime.scripting?.view() as ScriptingView | undefined };
      case "scripting-update":
        return { updated: served.runtime.scripting?.update(message.body) ?? { ok: false, error: "no script steps" } };
      case "reload":
        try {
          await served.reload(await loadCapability(file));
          return { applied: true };
        } catch (e) {
          // The primary loaded the file before asking, so a problem here means it changed since.
          if (e instanceof CapabilityError)
            return { error: `${file} changed while reloading: ${e.problems.map(formatProblem).join("; ")}` };
          return { error: (e as Error).message };
        }
      default:
        return { error: `unknown request "${message.naftiko}"` };
    }
  };
  process.on("message", (message: unknown) => {
    if (!isNaftikoMessage<ToWorker>(message)) return;
    switch (message.naftiko) {
      case "level":
        logging.logger.level = message.level;
        return;
      case "tap":
        untap?.();
        untap = message.on ? logging.tap((line) => send({ naftiko: "log", line })) : undefined;
        return;
      case "stop":
        return stop();
      default:
        answer(message).then(
          (a) => send({ naftiko: "reply", id: message.id, answer: a }),
          (e: unknown) => send({ naftiko: "reply", id: message.id, answer: { error: (e as Error).message } }),
        );
    }
  });
  // Without its primary a worker would serve on, out of reach of signals and the control port.
  process.once("disconnect", stop);
  send({ naftiko: "listening", listeners: served.listeners.map(({ namespace, type, url, port }) => ({ namespace, type, url, port })) });
}
