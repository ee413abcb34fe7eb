import type { Problem } from "./problems.js";
import type { LoadRecord } from "./record.js";
import { schemaProblems } from "./schema.js";
import { parseSource, readSource } from "./source.js";
import type { Draft } from "./versions/draft.js";
import { declaredVersion, type SpecVersion } from "./versions/index.js";
import { normalise } from "./versions/normalise.js";

/** One file read by the version it declares and normalised; `draft` is absent when it could not be. */
export interface ReadDocument {
  draft?: Draft;
  version?: SpecVersion;
  problems: Problem[];
  /** The file as problems name it. */
  shown: string;
}

/**
 * Reads one file by the version it declares: parse (with positions), pick the version, validate
 * against that version's schema, normalise. A document its schema rejects is still normalised (the
 * normaliser reads defensively), so that reference problems can be reported beside schema ones.
 */
export async function readDocument(abs: string, shown: string, record: LoadRecord, text?: string): Promise<ReadDocument> {
  const read = text !== undefined ? Promise.resolve(parseSource(abs, text)) : readSource(abs);
  const src = await read.catch((e: NodeJS.ErrnoException) => {
    const problem: Problem = {
      file: shown,
      line: 1,
      col: 1,
      path: "(file)",
      message: `cannot read file (${e.code ?? e.message})`,
      severity: "error",
    };
    return { problems: [problem], data: null, locate: () => ({ line: 1, col: 1 }) };
  });
  const problems: Problem[] = src.problems.map((p) => ({ ...p, file: shown }));
  if (problems.some((p) => p.severity === "error")) return { problems, shown };
  const declared = declaredVersion(src.data);
  if ("problem" in declared) {
    const at = declared.path === "(document)" ? [] : [declared.path];
    problems.push({ file: shown, ...src.locate(at), path: declared.path, message: declared.problem, severity: "error" });
    return { problems, shown };
  }
  const { version } = declared;
  problems.push(...schemaProblems(version.schemaFile, src.data, shown, src.locate));
  if (src.data === null || typeof src.data !== "object" || Array.isArray(src.data)) return { problems, version, shown };
  const draft = normalise(src.data, version.version, version.vocabulary, { abs, shown }, src.locate, record);
  problems.push(...draft.problems);
  return { draft, version, problems, shown };
}
