import type { Logger } from "../../observability/log.js";
import { loadCapability, type Capability } from "../../spec/load.js";
import { CapabilityError, formatProblem } from "../../spec/problems.js";
import { changesBetween, servedDocument, type ReloadOutcome } from "./config.js";

/**
 * `POST /config/reload`: the served file read again and, when it loads, handed to `apply`, which
 * swaps it in (one process) or has every worker swap it in (`--workers`). A file with problems is
 * rejected before `apply`; an `apply` that throws (a change that needs a restart, an unset bound
 * variable) is a structural rejection. Either way the running version keeps serving.
 */
export async function reloadFromControl(
  before: Capability,
  apply: (next: Capability) => Promise<void>,
  failed: (reason: string) => void,
  logger: Logger,
): Promise<ReloadOutcome> {
  let next: Capability;
  try {
    next = await loadCapability(before.file);
  } catch (e) {
    const problems = e instanceof CapabilityError ? e.problems.filter((p) => p.severity === "error").map(formatProblem) : undefined;
    const reason = problems
      ? `${before.file} has ${problems.length} problem${problems.length === 1 ? "" : "s"}; still serving the previous version`
      : `cannot read ${before.file} (${(e as Error).message}); still serving the previous version`;
    failed(reason);
    logger.error({ file: before.file, problems }, `naftiko: reload from the control port failed: ${reason}`);
    return { status: "rejected", reason, ...(problems ? { problems } : {}) };
  }
  try {
    await apply(next);
  } catch (e) {
    const reason = `${(e as Error).message}; still serving the previous version`;
    logger.error({ file: before.file }, `naftiko: reload from the control port failed: ${reason}`);
    return { status: "rejected", reason, structural: true };
  }
  logger.info({ file: before.file }, `naftiko: reloaded ${before.file} (control port)`);
  return { status: "applied", changes: changesBetween(servedDocument(before), servedDocument(next)) };
}
