/**
 * A problem found in a capability file. Every load-time error and warning is one of these, so the
 * CLI can print them all at once as `file:line:col path: message`.
 */
export interface Problem {
  file: string;
  line: number;
  col: number;
  /** Path in the document, e.g. `capability.exposes[1].tools[4].call`. */
  path: string;
  message: string;
  severity: "error" | "warning";
}

/** Path segments as they appear in the parsed document: map keys and sequence indexes. */
export type DocPath = ReadonlyArray<string | number>;

/** Finds where a path of the document was written; `key` asks for the key rather than the value. */
export type Locator = (path: DocPath, key?: boolean) => { line: number; col: number };

export function formatPath(path: DocPath): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out || "(document)";
}

export function formatProblem(p: Problem): string {
  const tag = p.severity === "warning" ? "warning: " : "";
  return `${p.file}:${p.line}:${p.col} ${p.path}: ${tag}${p.message}`;
}

/** Thrown by the loader when a file has errors; carries every problem, not just the first. */
export class CapabilityError extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map(formatProblem).join("\n"));
    this.name = "CapabilityError";
  }
}
