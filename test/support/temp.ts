/**
 * Temporary folders for tests. Each one is removed after the test file that made it (the
 * `afterAll` in test/support/setup-file.ts), so a run leaves nothing in the OS temp folder even
 * when a test fails half-way.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const made: string[] = [];

/** A fresh, empty folder under the OS temp folder, named `<prefix>XXXXXX`. */
export function tempDir(prefix = "naftiko-test-"): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Writes files (relative name → text) into a fresh temp folder; returns the folder. */
export function writeTree(files: Record<string, string>, prefix = "naftiko-tree-"): string {
  const dir = tempDir(prefix);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** Removes every folder made so far by this test file. */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
