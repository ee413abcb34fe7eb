/**
 * Shipped capabilities rewritten by `naftiko migrate`, for the suites that serve the shipped files:
 * each serves the migrated copy too, with its cases derived from the original file, so that a
 * migration that changes what is served fails the same assertions.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { migrateFile } from "../../src/migrate/migrate.js";
import { LATEST_RELEASE, VERSIONS } from "../../src/spec/versions/index.js";
import { ROOT } from "./cli.js";
import { tempDir } from "./temp.js";

/** The version the copies are migrated to: what `naftiko migrate` writes by default. */
export const MIGRATED_VERSION = LATEST_RELEASE;

/** The file migrated into a temporary folder of its own, under its own name. */
export async function migratedCopy(file: string, version = MIGRATED_VERSION): Promise<string> {
  const to = VERSIONS.find((v) => v.spec === "ikanos" && v.version === version);
  if (!to) throw new Error(`no ikanos ${version}`);
  const { text } = await migrateFile(file, to);
  if (text === undefined) throw new Error(`${file} already is ikanos ${version}`);
  const out = path.join(tempDir("naftiko-migrated-"), path.basename(file));
  writeFileSync(out, text);
  return out;
}

/** A shipped file as served: as written, and migrated. `file()` gives the path to serve. */
export function editions(file: string): Array<{ title: string; file: () => Promise<string> }> {
  const shown = path.relative(ROOT, file);
  return [
    { title: shown, file: async () => file },
    { title: `${shown} migrated to ikanos ${MIGRATED_VERSION}`, file: () => migratedCopy(file) },
  ];
}
