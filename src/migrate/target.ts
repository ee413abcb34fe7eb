import { formatPath, type Locator, type Problem } from "../spec/problems.js";
import { schemaProblems } from "../spec/schema.js";
import { VERSIONS, type SpecVersion } from "../spec/versions/index.js";

/**
 * What the target version's schema refuses in a migrated document, said so a user can act on it: a
 * field (or value) the target does not have yet is named with the first version that has it. Any
 * other refusal means the target cannot say what the file says.
 */
export function targetProblems(data: Record<string, unknown>, to: SpecVersion, file: string, locate: Locator): Problem[] {
  const problems = schemaProblems(to.schemaFile, data, file, locate);
  if (problems.length === 0) return [];
  const later = VERSIONS.slice(VERSIONS.indexOf(to) + 1).filter((v) => v.spec === to.spec);
  const refusedBy = new Map<SpecVersion, Set<string>>();
  const refuses = (v: SpecVersion, path: string) => {
    let paths = refusedBy.get(v);
    if (!paths) {
      const asV = { ...data, [v.spec]: v.version };
      refusedBy.set(v, (paths = new Set(schemaProblems(v.schemaFile, asV, file, locate).map((p) => p.path))));
    }
    return paths.has(path);
  };
  return problems.map((p) => {
    const since = later.find((v) => !refuses(v, p.path));
    const target = `${to.spec} ${to.version}`;
    const message = since
      ? `${fieldOf(p.path)} needs ${to.spec} ${since.version} or later (${target}: ${p.message}); migrate --to ${since.version} or later, or remove it`
      : `${target} cannot say this: ${p.message}`;
    return { ...p, message, severity: "error" as const };
  });
}

/** The last segment of a problem's path, as the file writes it: `ttlMs`, `outputRawFormat`. */
function fieldOf(path: string): string {
  const quoted = /\[("(?:[^"\\]|\\.)*")\]$/.exec(path);
  if (quoted) return JSON.parse(quoted[1]) as string;
  const last = /([^.[\]]+)(?:\[\d+\])*$/.exec(path);
  return last ? last[1] : formatPath([]);
}
