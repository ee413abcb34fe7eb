import type { RequestListener } from "node:http";
import type { ConfigOperations } from "../exposes/control/config.js";
import type { ReloadState } from "../exposes/control/server.js";
import type { Logger } from "../observability/log.js";
import type { Capability } from "../spec/load.js";
import { loadCapability } from "../spec/load.js";
import { CapabilityError, formatProblem } from "../spec/problems.js";
import { structuralChanges } from "../structural-changes.js";
import { buildGeneration, closeGeneration, type Builder } from "./build.js";
import type { Generation } from "./generation.js";

/**
 * The versions of the capability a process serves: the current one, which each new request runs
 * on to the end of its answer, and the ones a reload replaced, closed once their last call ends.
 */
export class Versions {
  current: Generation;
  reloads: ReloadState = { count: 0, failed: 0 };
  /** Called with each version swapped in (listeners follow its routes and MCP services). */
  onSwap: (g: Generation) => void = () => {};

  constructor(
    private readonly builder: Builder,
    first: Capability,
  ) {
    this.current = buildGeneration(builder, first);
    this.current.runtime.scripting?.warm();
  }

  /** The listener of one exposes block, on whichever version is current when a request arrives. */
  dispatch(namespace: string): RequestListener {
    return (req, res) => {
      const g = this.current;
      g.inFlight++;
      // `on`, not `once`: a response closes once, and once's wrapper is one more allocation a call.
      res.on("close", () => {
        if (--g.inFlight === 0 && g.retired) void closeGeneration(g);
      });
      g.apps.get(namespace)!.listener(req, res);
    };
  }

  /** Swaps in a new version; refused (and counted as failed) when it changes what needs a restart or cannot be built. */
  async reload(next: Capability): Promise<void> {
    try {
      const structural = structuralChanges(this.current.capability, next);
      if (structural.length) throw new Error(`${structural.join("; ")}: restart naftiko serve to apply that`);
      const g = buildGeneration(this.builder, next);
      g.runtime.scripting?.warm();
      const old = this.current;
      this.current = g;
      this.onSwap(g);
      this.reloads = { ...this.reloads, count: this.reloads.count + 1, last: new Date().toISOString() };
      this.builder.observer.metrics.reloads.labels({ result: "ok" }).inc();
      old.retired = true;
      if (old.inFlight === 0) await closeGeneration(old);
    } catch (e) {
      this.rescrub();
      this.failed((e as Error).message);
      throw e;
    }
  }

  /** Counts a reload that did not happen. */
  failed(message: string): void {
    this.reloads = { ...this.reloads, failed: this.reloads.failed + 1, lastError: message, lastErrorAt: new Date().toISOString() };
    this.builder.observer.metrics.reloads.labels({ result: "error" }).inc();
  }

  /** A version built and thrown away: what serving it would refuse (binds, overrides), changing nothing. */
  async tryBuild(cap: Capability): Promise<string | undefined> {
    try {
      await closeGeneration(buildGeneration(this.builder, cap));
      return undefined;
    } catch (e) {
      return (e as Error).message;
    } finally {
      this.rescrub();
    }
  }

  /** What the control port's /config endpoints do, for this process. */
  config(logger: Logger): ConfigOperations {
    return {
      current: () => this.current.capability,
      redact: (text) => this.current.runtime.redactor.redact(text),
      reload: async () => {
        const { reloadFromControl } = await import("../exposes/control/reload.js");
        return reloadFromControl(
          this.current.capability,
          (next) => this.reload(next),
          (reason) => this.failed(reason),
          logger,
        );
      },
      validate: async (text) => {
        let next: Capability;
        try {
          next = await loadCapability(this.current.capability.file, text);
        } catch (e) {
          if (!(e instanceof CapabilityError)) throw e;
          const of = (severity: string) => e.problems.filter((p) => p.severity === severity).map(formatProblem);
          return { valid: false, reloadable: false, structuralChanges: [], problems: of("error"), warnings: of("warning") };
        }
        const structural = structuralChanges(this.current.capability, next);
        const refused = await this.tryBuild(next);
        return {
          valid: !refused,
          reloadable: !refused && structural.length === 0,
          structuralChanges: structural,
          problems: refused ? [refused] : [],
          warnings: next.warnings.map(formatProblem),
        };
      },
    };
  }

  close(): Promise<void> {
    return closeGeneration(this.current);
  }

  /** Building a version points the log scrubber at its secrets: back to the current version's. */
  private rescrub(): void {
    this.builder.logging.setScrub((line) => this.current.runtime.redactor.redact(line));
  }
}
