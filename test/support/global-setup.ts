/**
 * Runs once around the whole test run (vitest `globalSetup`). Every temp folder of the run —
 * the tests', and those of the processes they start, which are given the same TMPDIR — is made
 * inside one folder of its own, removed at the end: a run, even one cut short by a failure, leaves
 * nothing behind in the OS temp folder.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export default function setup(): () => void {
  const dir = mkdtempSync(path.join(os.tmpdir(), "naftiko-test-run-"));
  const previous = process.env.TMPDIR;
  // Test workers are started after this and inherit it; test/support/cli.ts passes it to the CLI.
  process.env.TMPDIR = dir;
  return () => {
    // Node's compile cache (bin/naftiko.js turns it on) is meant to stay; anything else is a leak.
    const left = readdirSync(dir).filter((name) => name !== "node-compile-cache");
    if (left.length) process.stderr.write(`temp folders a test did not remove (removed now): ${left.join(", ")}\n`);
    rmSync(dir, { recursive: true, force: true });
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  };
}
