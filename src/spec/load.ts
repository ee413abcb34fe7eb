import path from "node:path";
import type { Capability } from "./model.js";
import { CapabilityError } from "./problems.js";
import { resolveDraft } from "./resolve.js";
import { readDocument } from "./read.js";
import { LoadRecord } from "./record.js";

export type { Capability } from "./model.js";

/**
 * Loads, validates and resolves a capability file; throws a CapabilityError listing every problem.
 * With `text`, that text is read as if it were the file's (imports and schema files still resolve
 * from the file's folder): a candidate version checked before it is saved.
 */
export async function loadCapability(file: string, text?: string): Promise<Capability> {
  const abs = path.resolve(file);
  const record = new LoadRecord();
  const read = await readDocument(abs, file, record, text);
  const schemaOk = !read.problems.some((p) => p.severity === "error");
  if (!read.draft) throw new CapabilityError(read.problems);
  try {
    const resolved = await resolveDraft(read.draft, { file: abs, record, problems: read.problems });
    if (read.problems.some((p) => p.severity === "error")) throw new CapabilityError(read.problems);
    return resolved;
  } catch (e) {
    // A document the schema rejected may not have the shape resolution walks; its schema problems
    // are already reported. A valid one must never get here.
    if (!schemaOk && !(e instanceof CapabilityError)) throw new CapabilityError(read.problems);
    throw e;
  }
}
