import { fs } from "../builtins.js";
import path from "node:path";
import { locationPath } from "./binds.js";
import { MAX_FILE_BYTES } from "./source.js";
import { isBelow } from "../within.js";

/**
 * The files of a script step: `file` and `dependencies` are paths relative to the step's `location`
 * directory (a `file:///` URI), read once when the capability loads. A path must stay inside that
 * directory: every segment is `[a-zA-Z0-9._-]+` (as the spec says), `.` and `..` are refused, and the
 * real path (symbolic links followed) must still be inside the real directory.
 */

export interface ScriptSource {
  /** The path as the step writes it: the name errors and stack traces give. */
  name: string;
  /** Absolute path of the file read. */
  path: string;
  code: string;
}

/** Why a step's files cannot be read, and which field of the step says so. */
export class ScriptFileError extends Error {
  constructor(
    readonly field: "location" | "file" | "dependencies",
    readonly index: number | undefined,
    message: string,
  ) {
    super(message);
    this.name = "ScriptFileError";
  }
}

const SEGMENT = /^[a-zA-Z0-9._-]+$/;

/** The running binary of `naftiko build`: where it extracted the capability, and where it was built from. */
declare const globalThis: { __naftiko_sea?: { dir: string; origin?: string } };

/**
 * The directory a `location` names: `file:///abs/dir`, or `file:///./dir` relative to the file that
 * declares it. In a binary made by `naftiko build`, a directory under the capability's folder on the
 * build machine is the copy embedded in the binary.
 */
export function scriptDirectory(location: string, declaringFile: string): string {
  if (!location.startsWith("file:///")) throw new ScriptFileError("location", undefined, `location "${location}" is not a file:/// URI`);
  let dir: string;
  try {
    dir = locationPath(location, declaringFile);
  } catch (e) {
    throw new ScriptFileError("location", undefined, `location "${location}" is not a usable file:/// URI (${(e as Error).message})`);
  }
  const sea = globalThis.__naftiko_sea;
  if (sea?.origin) {
    const rel = path.relative(sea.origin, dir);
    if (rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel))) return path.join(sea.dir, "capability", rel);
  }
  return dir;
}

/** Reads a step's dependencies (in order) and its main file, from `dir`. */
export function readScriptFiles(dir: string, step: { file: string; dependencies?: string[] }): ScriptSource[] {
  let root: string;
  try {
    root = fs.realpathSync(dir);
    if (!fs.statSync(root).isDirectory()) throw new Error("not a directory");
  } catch (e) {
    throw new ScriptFileError("location", undefined, `script directory ${dir} cannot be used (${reason(e)})`);
  }
  const deps = (step.dependencies ?? []).map((file, i) => readOne(root, file, "dependencies", i));
  return [...deps, readOne(root, step.file, "file", undefined)];
}

function readOne(root: string, file: string, field: "file" | "dependencies", index: number | undefined): ScriptSource {
  const fail = (message: string) => new ScriptFileError(field, index, message);
  const segments = file.split("/");
  const bad = segments.find((s) => !SEGMENT.test(s) || s === "." || s === "..");
  if (bad !== undefined)
    throw fail(
      `"${file}" must be a relative path inside the location directory: each segment [a-zA-Z0-9._-]+, no "." or "..", "/" between segments (bad segment: "${bad}")`,
    );
  const target = path.join(root, ...segments);
  let real: string;
  try {
    real = fs.realpathSync(target);
  } catch (e) {
    throw fail(`"${file}" cannot be read in ${root} (${reason(e)})`);
  }
  if (!isBelow(real, root)) throw fail(`"${file}" leads outside ${root} (a symbolic link to ${real})`);
  const stat = fs.statSync(real);
  if (!stat.isFile()) throw fail(`"${file}" in ${root} is not a file`);
  if (stat.size > MAX_FILE_BYTES) throw fail(`"${file}" is ${stat.size} bytes; a script file is at most ${MAX_FILE_BYTES} bytes`);
  return { name: file, path: real, code: fs.readFileSync(real, "utf8") };
}

function reason(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}
