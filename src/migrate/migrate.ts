import { readFile } from "node:fs/promises";
import type { Capability } from "../spec/model.js";
import { loadCapability } from "../spec/load.js";
import { formatPath, formatProblem, type DocPath, type Problem } from "../spec/problems.js";
import { parseSource } from "../spec/source.js";
import { VERSIONS, type SpecVersion } from "../spec/versions/index.js";
import { yaml } from "../spec/yaml.js";
import { layoutOf } from "./layout.js";
import { rewriteDocument } from "./rewrite.js";
import { targetProblems } from "./target.js";

/** A capability file rewritten into another version of the spec. */
export interface Migration {
  from: SpecVersion;
  to: SpecVersion;
  /** The capability as the original file loads. */
  capability: Capability;
  /** The rewritten file; absent when the file already is in the target version. */
  text?: string;
  /** What the rewrite decided on its own (a name it had to give), at the original file's positions. */
  notes: Problem[];
}

/** The file cannot be written in the target version; every reason, at the original file's positions. */
export class MigrationRefused extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map(formatProblem).join("\n"));
    this.name = "MigrationRefused";
  }
}

/**
 * Rewrites a capability file into `to`. The file must load (a CapabilityError lists its problems
 * otherwise); the result is checked against the target's schema before it is returned, so what
 * comes back is a valid file of that version or a MigrationRefused saying why it cannot be.
 */
export async function migrateFile(file: string, to: SpecVersion): Promise<Migration> {
  const capability = await loadCapability(file);
  const from = VERSIONS.find((v) => `${v.spec} ${v.version}` === capability.specVersion);
  if (!from) throw new Error(`${file} loaded as ${capability.specVersion}, which is not a known version`);
  if (from === to) return { from, to, capability, notes: [] };

  const text = await readFile(file, "utf8");
  const source = parseSource(file, text);
  const notes: Problem[] = [];
  const refusals: Problem[] = [];
  const at = (path: DocPath, message: string, severity: Problem["severity"]): Problem => ({
    file,
    ...source.locate(path),
    path: formatPath(path),
    message,
    severity,
  });
  const doc = yaml().parseDocument(text);
  rewriteDocument(doc, from, to, (path, message, kind) =>
    kind === "note" ? notes.push(at(path, message, "warning")) : refusals.push(at(path, message, "error")),
  );
  if (refusals.length) throw new MigrationRefused(refusals);

  const migrated = doc.toString(layoutOf(text));
  const written = parseSource(file, migrated);
  if (written.problems.length || !written.data || typeof written.data !== "object") {
    throw new Error(`naftiko migrate wrote YAML it cannot read back:\n${written.problems.map(formatProblem).join("\n")}`);
  }
  const problems = targetProblems(written.data as Record<string, unknown>, to, file, source.locate);
  if (problems.length) throw new MigrationRefused(problems);
  return { from, to, capability, text: migrated, notes };
}
