import { open, readdir, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { isSafeSegment } from "../../spec/mcp-resources.js";
import { isBelow } from "../../within.js";
import { invalidParams, resourceNotFound } from "./sdk.js";

/**
 * The files of a static resource's directory, as the reference engine serves them: a file is
 * `<uri>/<relative path>`, each path segment letters, digits, `.`, `_` and `-` only (so no `..`,
 * no encoded escapes, no empty segments), and the file's real path, links resolved, inside the
 * directory's.
 */

export interface StaticDirectory {
  /** Every regular file a read can reach, as relative paths (`/`-separated), sorted. */
  list(): Promise<string[]>;
  /**
   * The file at `relative` and its size, or a protocol error: an unsafe or escaping path, a
   * directory, or no such file (`uri` names it in the error).
   */
  resolve(relative: string, uri: string): Promise<{ file: string; size: number }>;
}

export function staticDirectory(dir: string): StaticDirectory {
  return {
    async list() {
      const base = await realpath(dir);
      const found: string[] = [];
      await walk(base, base, [], found);
      return found.sort();
    },
    async resolve(relative, uri) {
      if (relative === "") throw invalidParams(`Resource URI resolves to a directory, not a file: ${uri}`);
      const segments = relative.split("/");
      for (const segment of segments) {
        if (!isSafeSegment(segment)) throw invalidParams(`Invalid path segment in resource URI: ${JSON.stringify(segment)}`);
      }
      let base: string;
      let target: string;
      try {
        base = await realpath(dir);
        target = await realpath(path.join(dir, ...segments));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR")
          throw resourceNotFound(uri, `Resource not found: ${uri}`);
        throw e;
      }
      if (!inside(target, base)) throw invalidParams(`Resource URI leads outside its directory: ${uri}`);
      const info = await stat(target);
      if (info.isDirectory()) throw invalidParams(`Resource URI resolves to a directory, not a file: ${uri}`);
      if (!info.isFile()) throw resourceNotFound(uri, `Resource not found: ${uri}`);
      return { file: target, size: info.size };
    },
  };
}

/**
 * A file's bytes, at most `limit` of them: the size is checked again on the open file, so a file
 * that grew since it was listed is refused rather than read without bound.
 */
export async function readFileUpTo(file: string, limit: number, tooLarge: (size: number) => Error): Promise<Buffer> {
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    if (size > limit) throw tooLarge(size);
    const buffer = Buffer.alloc(size);
    let read = 0;
    while (read < size) {
      const { bytesRead } = await handle.read(buffer, read, size - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return read === size ? buffer : buffer.subarray(0, read);
  } finally {
    await handle.close();
  }
}

/** The directory itself, or a path below it (both real paths). */
function inside(target: string, base: string): boolean {
  return target === base || isBelow(target, base);
}

/**
 * Regular files below `current`, directories entered but links to directories not (as Java's
 * `Files.walk`, which the reference engine lists with), links to files kept when they stay
 * inside; a name a read would refuse is left out, so every listed URI can be read.
 */
async function walk(base: string, current: string, prefix: string[], found: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(current, { withFileTypes: true });
  } catch {
    return; // a directory that cannot be read lists nothing, as a walk that cannot enter it
  }
  for (const entry of entries) {
    if (!isSafeSegment(entry.name)) continue;
    const full = path.join(current, entry.name);
    const relative = [...prefix, entry.name];
    if (entry.isDirectory()) await walk(base, full, relative, found);
    else if (entry.isFile()) found.push(relative.join("/"));
    else if (entry.isSymbolicLink()) {
      try {
        const real = await realpath(full);
        if (inside(real, base) && (await stat(real)).isFile()) found.push(relative.join("/"));
      } catch {
        // a dangling link is no file
      }
    }
  }
}
