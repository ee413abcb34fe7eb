import { availableParallelism } from "node:os";
import { ScriptError } from "../errors.js";
import type { Capability, ScriptStep } from "../spec/model.js";
import { readScriptFiles, scriptDirectory, type ScriptSource } from "../spec/script-files.js";
import { SCRIPT_LANGUAGES, scriptingOf, scriptSteps } from "../spec/scripts.js";
import { SandboxPool, type PoolOutcome } from "./sandbox/pool.js";

/**
 * Script steps as one capability runs them, under the control block's `management.scripting`: the
 * settings in force (the file's, as changed by `PUT /scripting`), each step's files, the sandbox
 * workers, and the execution stats `GET /scripting` reports.
 *
 * Settings are read on every run, so a change applies to the next script. A step's files are read
 * when the capability is loaded (and again on reload); a new `defaultLocation` reads the files of the
 * steps that use it before it is taken.
 */

export const DEFAULT_TIMEOUT = 60_000;
export const DEFAULT_STATEMENT_LIMIT = 100_000;
/** The sandbox's whole heap: the script's data, the engine's own and the context it is given. */
export const DEFAULT_MEMORY_LIMIT = 64 * 1024 * 1024;

interface Settings {
  enabled?: boolean;
  defaultLocation?: string;
  defaultLanguage?: string;
  timeout: number;
  statementLimit: number;
  allowedLanguages: string[];
}

/** What a script step produced: `result`'s value, or nothing when the script assigned none. */
export type ScriptResult = { assigned: true; value: unknown } | { assigned: false };

export interface ScriptingOptions {
  /** Bytes of each sandbox's heap. */
  memoryLimit?: number;
  /** Sandbox workers at most. */
  workers?: number;
}

export class Scripting {
  private settings: Settings;
  private readonly sources = new Map<ScriptStep, ScriptSource[]>();
  private readonly stats = { executions: 0, errors: 0, durationMs: 0, last: undefined as string | undefined };
  private pool?: SandboxPool;
  readonly memoryLimit: number;

  constructor(
    private readonly capability: Capability,
    private readonly options: ScriptingOptions = {},
  ) {
    const declared = scriptingOf(capability)?.scripting ?? {};
    this.settings = {
      enabled: declared.enabled,
      defaultLocation: declared.defaultLocation,
      defaultLanguage: declared.defaultLanguage,
      timeout: declared.timeout ?? DEFAULT_TIMEOUT,
      statementLimit: declared.statementLimit ?? DEFAULT_STATEMENT_LIMIT,
      allowedLanguages: [...(declared.allowedLanguages ?? [])],
    };
    this.memoryLimit = options.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
    const problems = this.readAll(this.settings.defaultLocation);
    if (problems.length) throw new Error(problems.join("; "));
  }

  /** Runs a step's scripts with `context` bound; `maxMs` is what is left of the call's time. */
  async run(step: ScriptStep, context: Record<string, unknown>, maxMs: number): Promise<ScriptResult> {
    const settings = this.settings;
    const name = `script step "${step.name}"`;
    if (settings.enabled === false)
      throw new ScriptError(
        "disabled",
        `${name} cannot run: scripting is disabled (management.scripting.enabled is false on the control port)`,
      );
    const language = step.language ?? settings.defaultLanguage ?? "javascript";
    if (settings.allowedLanguages.length && !settings.allowedLanguages.includes(language))
      throw new ScriptError(
        "failed",
        `${name} uses language "${language}", which is not in the allowed languages (${settings.allowedLanguages.join(", ")})`,
      );
    const sources = this.sources.get(step);
    if (!sources) throw new Error(`${name} is not one of this capability's`);
    const timeout = Math.min(settings.timeout, maxMs);
    const started = performance.now();
    const outcome = await this.sandboxes().run(
      {
        sources: sources.map(({ name: file, code }) => ({ name: file, code })),
        context: JSON.stringify(context),
        timeout,
        statementLimit: settings.statementLimit,
      },
      maxMs,
    );
    this.stats.executions++;
    this.stats.durationMs += performance.now() - started;
    this.stats.last = new Date().toISOString();
    if (outcome.ok) return outcome.result === undefined ? { assigned: false } : { assigned: true, value: JSON.parse(outcome.result) };
    this.stats.errors++;
    throw this.failure(name, outcome, timeout < settings.timeout ? timeout : undefined, settings);
  }

  private failure(name: string, outcome: PoolOutcome & { ok: false }, callLeft: number | undefined, settings: Settings): ScriptError {
    switch (outcome.kind) {
      case "timeout":
        return new ScriptError(
          "failed",
          callLeft !== undefined
            ? `${name} did not finish within the ${callLeft} ms left of the call's timeout`
            : `${name} exceeded the timeout limit (${settings.timeout} ms)`,
        );
      case "statements":
        return new ScriptError("failed", `${name} exceeded the statement limit (${settings.statementLimit})`);
      case "memory":
        return new ScriptError("failed", `${name} exceeded the memory limit (${this.memoryLimit / (1024 * 1024)} MiB): ${outcome.message}`);
      case "stack":
        return new ScriptError("failed", `${name} exceeded the stack limit: ${outcome.message}`);
      case "busy":
        return new ScriptError("busy", `${name} could not run: ${outcome.message}`);
      default:
        return new ScriptError("failed", `${name} failed: ${outcome.message}`);
    }
  }

  /** `GET /scripting`: the settings in force and the execution stats. */
  view(): Record<string, unknown> {
    const s = this.settings;
    return {
      ...(s.enabled !== undefined ? { enabled: s.enabled } : {}),
      ...(s.defaultLocation !== undefined ? { defaultLocation: s.defaultLocation } : {}),
      ...(s.defaultLanguage !== undefined ? { defaultLanguage: s.defaultLanguage } : {}),
      timeout: s.timeout,
      statementLimit: s.statementLimit,
      ...(s.allowedLanguages.length ? { allowedLanguages: s.allowedLanguages } : {}),
      stats: {
        totalExecutions: this.stats.executions,
        totalErrors: this.stats.errors,
        averageDurationMs: this.stats.executions ? Math.round((this.stats.durationMs / this.stats.executions) * 100) / 100 : 0,
        ...(this.stats.last ? { lastExecutionAt: this.stats.last } : {}),
      },
    };
  }

  /**
   * `PUT /scripting`: any of `enabled`, `timeout`, `statementLimit`, `defaultLocation`,
   * `defaultLanguage`, `allowedLanguages`. All are checked before any is taken; the answer is the
   * first problem.
   */
  update(body: unknown): { ok: true } | { ok: false; error: string } {
    if (!body || typeof body !== "object" || Array.isArray(body)) return { ok: false, error: "send a JSON object of settings" };
    const patch = body as Record<string, unknown>;
    const known = ["enabled", "timeout", "statementLimit", "defaultLocation", "defaultLanguage", "allowedLanguages"];
    const unknown = Object.keys(patch).filter((k) => !known.includes(k));
    if (unknown.length)
      return {
        ok: false,
        error: `unknown setting${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `'${k}'`).join(", ")}; settable: ${known.join(", ")}`,
      };
    const next: Settings = { ...this.settings, allowedLanguages: [...this.settings.allowedLanguages] };
    const supported = `Supported: [${SCRIPT_LANGUAGES.join(", ")}]`;
    if ("enabled" in patch) {
      if (typeof patch.enabled !== "boolean") return { ok: false, error: "'enabled' must be true or false" };
      next.enabled = patch.enabled;
    }
    for (const key of ["timeout", "statementLimit"] as const) {
      if (!(key in patch)) continue;
      const v = patch[key];
      if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 2 ** 31 - 1)
        return { ok: false, error: `'${key}' must be an integer greater than or equal to 1` };
      next[key] = v;
    }
    if ("defaultLanguage" in patch) {
      const v = patch.defaultLanguage;
      if (typeof v !== "string" || !(SCRIPT_LANGUAGES as readonly string[]).includes(v))
        return { ok: false, error: `Unsupported language '${String(v)}'. ${supported}` };
      next.defaultLanguage = v;
    }
    if ("allowedLanguages" in patch) {
      const v = patch.allowedLanguages;
      if (!Array.isArray(v)) return { ok: false, error: "'allowedLanguages' must be an array" };
      const bad = v.find((l) => typeof l !== "string" || !(SCRIPT_LANGUAGES as readonly string[]).includes(l));
      if (bad !== undefined) return { ok: false, error: `Unsupported language '${String(bad)}'. ${supported}` };
      next.allowedLanguages = v as string[];
    }
    let location: string | undefined;
    if ("defaultLocation" in patch) {
      const v = patch.defaultLocation;
      if (typeof v !== "string" || !v.startsWith("file:///")) return { ok: false, error: "'defaultLocation' must be a file:/// URI" };
      location = v;
    }
    if (location !== undefined && location !== this.settings.defaultLocation) {
      const problems = this.readAll(location, true);
      if (problems.length) return { ok: false, error: `'defaultLocation' cannot be used: ${problems.join("; ")}` };
      next.defaultLocation = location;
    }
    this.settings = next;
    return { ok: true };
  }

  /** Starts a sandbox before the first script needs one: its WebAssembly is compiled meanwhile. */
  warm(): void {
    this.sandboxes().warm();
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }

  private sandboxes(): SandboxPool {
    return (this.pool ??= new SandboxPool({
      size: this.options.workers ?? Math.max(2, Math.min(4, availableParallelism())),
      memoryLimit: this.memoryLimit,
    }));
  }

  /**
   * Reads the files of every step (with `onlyDefault`, of those that use `defaultLocation`) from
   * where they are now; takes them only if all can be read. Returns the problems.
   */
  private readAll(defaultLocation: string | undefined, onlyDefault = false): string[] {
    const problems: string[] = [];
    const read = new Map<ScriptStep, ScriptSource[]>();
    let defaultDir: string | undefined;
    for (const step of scriptSteps(this.capability)) {
      if (onlyDefault && step.directory !== undefined) continue;
      try {
        let dir = step.directory;
        if (dir === undefined) {
          if (defaultLocation === undefined) throw new Error("it has no location and there is no defaultLocation");
          dir = defaultDir ??= scriptDirectory(defaultLocation, this.capability.file);
        }
        read.set(step, readScriptFiles(dir, step));
      } catch (e) {
        problems.push(`script step "${step.name}": ${(e as Error).message}`);
      }
    }
    if (!problems.length) for (const [step, files] of read) this.sources.set(step, files);
    return problems;
  }
}
