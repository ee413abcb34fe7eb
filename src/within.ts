import path from "node:path";

/**
 * Whether the absolute path `target` is below the directory `dir` (not `dir` itself). Both must be
 * real paths (symbolic links resolved) wherever a link could lead out: the check is on the text.
 */
export function isBelow(target: string, dir: string): boolean {
  return target.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);
}
