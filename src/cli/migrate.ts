import { realpath, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { MigrationRefused, migrateFile } from "../migrate/migrate.js";
import { loadCapability } from "../spec/load.js";
import { CapabilityError, formatProblem } from "../spec/problems.js";
import { LATEST_RELEASE, VERSIONS } from "../spec/versions/index.js";
import { parseCommandArgs } from "./args.js";

/** The versions a file can be migrated to: Ikanos, the spec's name from alpha3 on. */
const TARGETS = VERSIONS.filter((v) => v.spec === "ikanos");

/**
 * `naftiko migrate <file> [--to <version>] [-o <out> | --write]`: the file rewritten into an Ikanos
 * version, on stdout unless told where to write it. Nothing is printed or written unless it is a
 * valid file of that version; a written file is loaded again to prove it.
 */
export async function migrateCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parseCommandArgs(argv, {
    to: { type: "string" },
    output: { type: "string", short: "o" },
    write: { type: "boolean" },
  });
  if (positionals.length !== 1) return usage("name one capability file, e.g. naftiko migrate capability.naftiko.yaml");
  if (values.output !== undefined && values.write) return usage("-o and --write both say where to write; give one");
  const wanted = (values.to ?? LATEST_RELEASE).replace(/^ikanos[: ]\s*/, "");
  const to = TARGETS.find((v) => v.version === wanted);
  if (!to) return usage(`unknown --to version "${values.to}" (known: ${TARGETS.map((v) => v.version).join(", ")})`);

  const [file] = positionals;
  let migration;
  try {
    migration = await migrateFile(file, to);
  } catch (e) {
    if (!(e instanceof CapabilityError) && !(e instanceof MigrationRefused)) throw e;
    for (const p of e.problems) process.stderr.write(`${formatProblem(p)}\n`);
    process.stderr.write(
      e instanceof CapabilityError
        ? `naftiko migrate: ${file} has problems; fix them (see "naftiko validate ${file}") and try again\n`
        : `naftiko migrate: ${file} cannot be written in ikanos ${to.version}; nothing was written\n`,
    );
    return 1;
  }
  const { capability, from, text } = migration;
  for (const w of capability.warnings) process.stderr.write(`${formatProblem(w)}\n`);
  if (text === undefined) {
    process.stderr.write(`naftiko migrate: ${file} is already ${from.spec} ${from.version}; nothing to do\n`);
    return 0;
  }
  for (const note of migration.notes) process.stderr.write(`${formatProblem(note)}\n`);
  const imported = capability.imports.map((f) => path.relative(process.cwd(), f) || f);
  if (imported.length) {
    process.stderr.write(
      `naftiko migrate: the files it imports keep their own version (each file is read by the version it declares): ${imported.join(", ")}\n`,
    );
  }

  const out = values.write ? file : values.output;
  if (out === undefined) {
    process.stdout.write(text);
    return 0;
  }
  try {
    await replaceFile(out, text, values.write === true);
  } catch (e) {
    process.stderr.write(`naftiko migrate: cannot write ${out} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})\n`);
    return 1;
  }
  try {
    const written = await loadCapability(out);
    process.stderr.write(`naftiko migrate: wrote ${out} (${written.specVersion}, from ${from.spec} ${from.version})\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof CapabilityError)) throw e;
    for (const p of e.problems) process.stderr.write(`${formatProblem(p)}\n`);
    process.stderr.write(`naftiko migrate: wrote ${out}, but it does not load from there (see the problems above)\n`);
    return 1;
  }
}

/**
 * Writes beside the target and renames over it, so that an interrupted write never leaves half a
 * file. In place, the file the path leads to (through a symbolic link) is replaced, keeping its mode.
 */
async function replaceFile(out: string, text: string, inPlace: boolean): Promise<void> {
  const target = inPlace ? await realpath(out) : path.resolve(out);
  const partial = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.migrating`);
  try {
    await writeFile(partial, text, inPlace ? { mode: (await stat(target)).mode & 0o7777 } : {});
    await rename(partial, target);
  } finally {
    await rm(partial, { force: true });
  }
}

function usage(message: string): number {
  process.stderr.write(`naftiko migrate: ${message}\n`);
  return 2;
}
