/**
 * Programs a few tests need from the machine (Chromium, nginx, jq), which `npm ci` cannot install.
 * Where one is missing its tests are reported as not run, naming the program and how to install it,
 * so a newcomer's run stays honest without being red. CI sets NAFTIKO_TESTS_REQUIRE_ALL=1 after
 * installing them: there a missing program fails those tests instead, so they cannot quietly stop
 * running.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import type { TestContext } from "vitest";

export const REQUIRE_ALL = process.env.NAFTIKO_TESTS_REQUIRE_ALL === "1";

export interface Prerequisite {
  name: string;
  /** The program's path, when it is installed. */
  path?: string;
  /** How to install it (Debian's package). */
  install: string;
}

/** Looks a program up on PATH, then at the given absolute paths. */
export function findProgram(name: string, install: string, candidates: string[] = []): Prerequisite {
  const which = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  const onPath = which.status === 0 ? which.stdout.trim() : "";
  const path = onPath.startsWith("/") ? onPath : candidates.find((p) => existsSync(p));
  return { name, path, install };
}

// Assembled here so that this file does not contain the fuse itself.
const SEA_FUSE = ["NODE", "SEA", "FUSE", "fce680ab2cc467b6e072b8b5df1996b2"].join("_");

let seaNode: string | undefined | null = null;

/**
 * What `naftiko build` needs: a Node.js binary with single-executable support (some distributions'
 * builds lack it). Looked for on first use: it means reading the whole binary.
 */
export const SEA: Prerequisite = {
  name: "a Node.js build with single-executable support",
  get path() {
    if (seaNode === null) seaNode = readFileSync(process.execPath).includes(SEA_FUSE) ? process.execPath : undefined;
    return seaNode;
  },
  install: "an official build from nodejs.org",
};

/** The reason a test needing `p` is not run (the summary line lists it). */
export function notRunReason(p: Prerequisite): string {
  return `${p.name} is not installed (${p.install})`;
}

/**
 * Called first in a test that needs `p`: returns its path, skips the test as not run when it is
 * missing, or fails it when NAFTIKO_TESTS_REQUIRE_ALL=1.
 */
export function need(ctx: TestContext, p: Prerequisite): string {
  if (p.path) return p.path;
  if (REQUIRE_ALL) throw new Error(`${notRunReason(p)}; NAFTIKO_TESTS_REQUIRE_ALL=1 requires every test to run`);
  return ctx.skip(notRunReason(p));
}
