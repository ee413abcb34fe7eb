/**
 * The errors a call can end in, shared by every exposes adapter so REST and MCP report the same
 * cases the same way (REST as a status code, MCP as `isError`).
 */

export interface ParameterProblem {
  /** The caller-facing name of the parameter (`connection-id`, `body.name`, …). */
  parameter: string;
  in?: string;
  message: string;
}

/** The caller's input is wrong: REST 400, MCP `isError`. Nothing was sent upstream. */
export class InputError extends Error {
  constructor(readonly problems: ParameterProblem[]) {
    super(problems.map((p) => `${p.parameter}: ${p.message}`).join("; "));
    this.name = "InputError";
  }
}

/**
 * The upstream could not be reached, did not answer in time, answered with something unusable (a body
 * over the size limit), or too many calls to it are already in flight: REST 502/504/502/503 (503 with
 * `Retry-After`), MCP `isError`.
 */
export class UpstreamError extends Error {
  constructor(
    readonly kind: "unreachable" | "timeout" | "overloaded" | "bad_response",
    message: string,
    /** Seconds after which trying again makes sense (`overloaded`). */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = "UpstreamError";
  }
  get status(): 502 | 503 | 504 {
    return this.kind === "timeout" ? 504 : this.kind === "overloaded" ? 503 : 502;
  }
}

/**
 * A script step did not produce its result: the script failed or passed a limit (REST 500), or it
 * could not run at all, because scripting is switched off or no sandbox was free (REST 503). MCP: `isError`.
 */
export class ScriptError extends Error {
  constructor(
    readonly kind: "failed" | "disabled" | "busy",
    message: string,
  ) {
    super(message);
    this.name = "ScriptError";
  }
  get status(): 500 | 503 {
    return this.kind === "failed" ? 500 : 503;
  }
  /** The machine-readable error of a REST answer. */
  get code(): string {
    return this.kind === "failed" ? "script_failed" : this.kind === "disabled" ? "scripting_disabled" : "scripting_busy";
  }
}
