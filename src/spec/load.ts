import path from "node:path";
import { consumesAuthenticationProblems } from "./authentication.js";
import { locationPath } from "./binds.js";
import type { ConsumedOperation, ConsumedParam, ConsumedResource, ConsumesEntry, ConsumesHttp, Document } from "./model.js";
import { CapabilityError, formatPath, type DocPath, type Locator, type Problem } from "./problems.js";
import { checkReferences } from "./references.js";
import { schemaProblems } from "./schema.js";
import { readSource } from "./source.js";

/** A consumed operation with everything a call needs, found once at load time. */
export interface ConsumedRef {
  consumes: ConsumesHttp;
  resource: ConsumedResource;
  operation: ConsumedOperation;
  /** Adapter, resource and operation parameters merged; the most specific wins per name and `in`. */
  params: ConsumedParam[];
}

/** A loaded, validated capability: the document plus what the loader resolved for everyone else. */
export interface Capability {
  file: string;
  doc: Document;
  /** Inline and imported consumes blocks; an import appears under its local name (`as`). */
  consumes: ConsumesHttp[];
  /** `namespace.operation` → the consumed operation. */
  operations: ReadonlyMap<string, ConsumedRef>;
  /** Every file the capability was read from (itself and its imports), for `--watch`. */
  files: string[];
  warnings: Problem[];
  locate: Locator;
}

/** Loads, validates and resolves a capability file; throws a CapabilityError listing every problem. */
export async function loadCapability(file: string): Promise<Capability> {
  const abs = path.resolve(file);
  const shown = file;
  const src = await readSource(abs).catch((e: NodeJS.ErrnoException) => {
    throw new CapabilityError([
      { file: shown, line: 1, col: 1, path: "(file)", message: `cannot read file (${e.code ?? e.message})`, severity: "error" },
    ]);
  });
  const problems: Problem[] = src.problems.map((p) => ({ ...p, file: shown }));
  if (problems.some((p) => p.severity === "error")) throw new CapabilityError(problems);
  problems.push(...schemaProblems(src.data, shown, src.locate));
  const schemaOk = !problems.some((p) => p.severity === "error");
  if (!schemaOk && (src.data === null || typeof src.data !== "object")) throw new CapabilityError(problems);

  try {
    return await resolveDocument(src.data as Document, abs, shown, src.locate, problems, schemaOk);
  } catch (e) {
    // A document the schema rejected may not have the shape the resolution below walks (an
    // `operations` that is not a list, …); its schema problems are already reported. A valid one
    // must never get here.
    if (!schemaOk && !(e instanceof CapabilityError)) throw new CapabilityError(problems);
    throw e;
  }
}

async function resolveDocument(
  doc: Document,
  abs: string,
  shown: string,
  locate: Locator,
  problems: Problem[],
  schemaOk: boolean,
): Promise<Capability> {
  const src = { locate };
  const files = [abs];
  const consumes: ConsumesHttp[] = [];
  const entries: Array<[ConsumesEntry, DocPath]> = [
    ...(doc.consumes ?? []).map((c, i): [ConsumesEntry, DocPath] => [c, ["consumes", i]]),
    ...(doc.capability?.consumes ?? []).map((c, i): [ConsumesEntry, DocPath] => [c, ["capability", "consumes", i]]),
  ];
  for (const [entry, at] of entries) {
    if (!entry || typeof entry !== "object") continue;
    if (!("location" in entry)) {
      consumes.push(entry);
      continue;
    }
    const imported = await importConsumes(entry.location, entry.import, abs, shown, src.locate, at);
    if ("problems" in imported) {
      problems.push(...imported.problems);
      continue;
    }
    files.push(imported.file);
    consumes.push({
      ...imported.consumes,
      namespace: entry.as ?? entry.import,
      description: entry.description ?? imported.consumes.description,
    });
  }

  const operations = indexOperations(consumes);
  try {
    problems.push(...checkReferences({ doc, consumes, operations, file: shown, locate: src.locate }));
  } catch (e) {
    // A document the schema rejected may not have the shape reference checks walk; its schema
    // problems are already reported. A valid one must never get here.
    if (schemaOk) throw e;
  }
  const errors = problems.filter((p) => p.severity === "error");
  if (errors.length) throw new CapabilityError(problems);
  return { file: abs, doc, consumes, operations, files, warnings: problems, locate: src.locate };
}

async function importConsumes(
  location: string,
  name: string,
  capabilityFile: string,
  shown: string,
  locate: Locator,
  at: DocPath,
): Promise<{ consumes: ConsumesHttp; file: string } | { problems: Problem[] }> {
  const where = (message: string, field: string): { problems: Problem[] } => ({
    problems: [{ file: shown, ...locate([...at, field]), path: formatPath([...at, field]), message, severity: "error" }],
  });
  let file: string;
  try {
    file = locationPath(location, capabilityFile);
  } catch (e) {
    return where((e as Error).message.replace(/^.*?: /, ""), "location");
  }
  const src = await readSource(file).catch(() => null);
  if (!src) return where(`cannot read imported file ${file}`, "location");
  const rel = path.relative(process.cwd(), file) || file;
  const own = [
    ...src.problems.map((p) => ({ ...p, file: rel })),
    ...(src.problems.length ? [] : schemaProblems(src.data, rel, src.locate)),
  ];
  if (own.some((p) => p.severity === "error")) return { problems: own };
  const index = ((src.data as Document).consumes ?? []).findIndex((c) => "namespace" in c && c.namespace === name);
  if (index < 0) {
    const names = ((src.data as Document).consumes ?? []).map((c) => ("namespace" in c ? c.namespace : c.import));
    return where(`${rel} has no consumes namespace "${name}" (it has: ${names.join(", ") || "none"})`, "import");
  }
  const found = (src.data as Document).consumes![index] as ConsumesHttp;
  const auth = consumesAuthenticationProblems(found, ["consumes", index], rel, src.locate);
  if (auth.some((p) => p.severity === "error")) return { problems: auth };
  return { consumes: found, file };
}

export function indexOperations(consumes: ConsumesHttp[]): Map<string, ConsumedRef> {
  const index = new Map<string, ConsumedRef>();
  for (const c of consumes) {
    for (const resource of c.resources ?? []) {
      for (const operation of resource.operations) {
        const params = mergeParams(c.inputParameters, resource.inputParameters, operation.inputParameters);
        const key = `${c.namespace}.${operation.name}`;
        if (!index.has(key)) index.set(key, { consumes: c, resource, operation, params });
      }
    }
  }
  return index;
}

function mergeParams(...levels: Array<ConsumedParam[] | undefined>): ConsumedParam[] {
  const merged = new Map<string, ConsumedParam>();
  for (const level of levels) for (const p of level ?? []) merged.set(`${p.in}:${p.name}`, p);
  return [...merged.values()];
}
