import { fs } from "../builtins.js";
import path from "node:path";
import { locationPath } from "./binds.js";
import { readDocument, type ReadDocument } from "./read.js";
import type { Aggregate, Bind, Capability, ConsumedOperation, ConsumesHttp, Exposes, Flow, Invocable, Step } from "./model.js";
import type { Problem } from "./problems.js";
import { checkControl } from "./control.js";
import { checkOutputFormats } from "./output-formats.js";
import { checkReferences } from "./references.js";
import { checkScripts } from "./scripts.js";
import { reporter, type LoadRecord } from "./record.js";
import { isImport, type Draft, type ImportDirective } from "./versions/draft.js";

export interface ResolveContext {
  /** The capability file, absolute. */
  file: string;
  record: LoadRecord;
  /** Where every problem goes; the caller throws if any is an error. */
  problems: Problem[];
}

type Section = "binds" | "consumes" | "exposes" | "aggregates";

/**
 * Turns a capability's draft into the resolved model: imports read and inlined (under their `as`
 * names), every `call`, `ref` and `forward` made an object reference, then every cross-reference
 * the schema cannot see checked (references.ts). Problems go to `ctx.problems`.
 */
export async function resolveDraft(draft: Draft, ctx: ResolveContext): Promise<Capability> {
  const files = [ctx.file];
  const imports = new Importer(ctx, files);
  const binds = await imports.section(
    draft,
    "binds",
    (b: Bind) => b.namespace,
    (b, ns) => ctx.record.copy(b, { namespace: ns }),
  );
  const consumes = await imports.section(
    draft,
    "consumes",
    (c: ConsumesHttp) => c.namespace,
    (c, ns) => renameConsumes(c, ns, ctx.record),
  );
  const aggregates = await imports.section(
    draft,
    "aggregates",
    (a: Aggregate) => a.namespace,
    (a, ns) => ctx.record.copy(a, { namespace: ns }),
  );
  const exposes = await imports.section(
    draft,
    "exposes",
    (x: Exposes) => x.namespace ?? "",
    (x, ns) => ctx.record.copy(x, { namespace: ns }),
  );

  const report = reporter(ctx);
  const operations = new Map<string, ConsumedOperation>();
  for (const c of consumes) for (const r of c.resources) for (const o of r.operations) if (!operations.has(o.key)) operations.set(o.key, o);

  const resolveCall = (node: object, written: string | undefined): ConsumedOperation | undefined => {
    if (written === undefined) return undefined;
    const found = operations.get(written);
    if (found) return found;
    const [ns, op] = written.split(".");
    const block = consumes.find((x) => x.namespace === ns);
    report(
      node,
      ["call"],
      block
        ? `consumes "${ns}" has no operation "${op}" (operations: ${block.resources.flatMap((r) => r.operations.map((o) => o.name)).join(", ")})`
        : `call "${written}" names no consumes namespace "${ns}" (namespaces: ${consumes.map((x) => x.namespace).join(", ") || "none"})`,
    );
    return undefined;
  };
  const resolveUnit = <T extends Invocable>(unit: T): T => {
    const written = ctx.record.written(unit);
    const call = resolveCall(unit, written.call);
    if (call) unit.call = call;
    if (unit.steps) unit.steps = unit.steps.map((s) => resolveStep(s));
    return unit;
  };
  const resolveStep = (step: Step): Step => {
    if (step.type !== "call") return step;
    const call = resolveCall(step, ctx.record.written(step).call);
    if (call) step.call = call;
    return step;
  };

  // Flows first: a unit's `ref` merges a flow that is already resolved.
  const flows = new Map<string, Flow>();
  for (const agg of aggregates) {
    agg.flows = agg.flows.map((f) => ctx.record.copy(resolveUnit(f), { key: `${agg.namespace}.${f.name}` }));
    for (const f of agg.flows) flows.set(`${agg.namespace}.${f.name}`, f);
  }
  const resolveRef = <T extends Invocable>(unit: T): T => {
    const ref = ctx.record.written(unit).ref;
    if (ref === undefined) return resolveUnit(unit);
    const flow = flows.get(ref);
    if (!flow) {
      report(unit, ["ref"], `ref "${ref}" names no aggregate ${draft.flowWord} (known: ${[...flows.keys()].join(", ") || "none"})`);
      return resolveUnit(unit);
    }
    return mergeFlow(resolveUnit(unit), flow, ctx.record);
  };

  for (const block of exposes) {
    if (block.type === "rest") {
      for (const resource of block.resources) {
        resource.operations = resource.operations.map(resolveRef);
        if (resource.forward) {
          const ns = ctx.record.written(resource.forward).forward;
          const target = consumes.find((c) => c.namespace === ns);
          if (target) resource.forward.target = target;
          else
            report(
              resource.forward,
              ["targetNamespace"],
              `no consumes namespace "${ns}" (namespaces: ${consumes.map((c) => c.namespace).join(", ") || "none"})`,
            );
        }
      }
    } else if (block.type === "mcp") {
      block.tools = block.tools.map(resolveRef);
      block.resources = block.resources.map(resolveRef);
    }
  }

  const capability: Capability = {
    file: ctx.file,
    files,
    imports: files.slice(1),
    specVersion: draft.specVersion,
    info: draft.info,
    binds,
    consumes,
    operations,
    aggregates,
    exposes,
    warnings: [],
  };
  ctx.problems.push(...checkReferences(capability, ctx.record));
  ctx.problems.push(...checkControl(capability, ctx.record));
  ctx.problems.push(...checkScripts(capability, ctx.record));
  ctx.problems.push(...(await checkOutputFormats(capability, ctx.record)));
  capability.warnings = ctx.problems;
  return capability;
}

/**
 * A unit that refers to an aggregate flow: the flow's fields under the unit's own. A field the unit
 * leaves out (or writes as an empty list) is the flow's.
 */
function mergeFlow<T extends Invocable>(unit: T, flow: Flow, record: LoadRecord): T {
  const given = (v: unknown) => v !== undefined && !(Array.isArray(v) && v.length === 0);
  const own = Object.fromEntries(Object.entries(unit).filter(([, v]) => given(v)));
  const { key: _key, ...inherited } = flow;
  return record.copy(unit, { ...inherited, ...own, name: unit.name, flow, semantics: flow.semantics } as Partial<T>);
}

/** A consumes block imported under another name: its operations answer to the new one. */
function renameConsumes(block: ConsumesHttp, namespace: string, record: LoadRecord): ConsumesHttp {
  if (block.namespace === namespace) return block;
  const renamed = record.copy(block, { namespace, resources: [] });
  for (const r of block.resources) {
    const resource = record.copy(r, { operations: [] });
    resource.operations = r.operations.map((o) => record.copy(o, { key: `${namespace}.${o.name}`, consumes: renamed, resource }));
    renamed.resources.push(resource);
  }
  return renamed;
}

/** Reads the files imports name, each once, and inlines the entries they take. */
class Importer {
  private readonly read = new Map<string, Promise<ReadDocument>>();

  constructor(
    private readonly ctx: ResolveContext,
    private readonly files: string[],
  ) {}

  async section<T extends object>(
    draft: Draft,
    name: Section,
    namespaceOf: (entry: T) => string,
    rename: (entry: T, ns: string) => T,
  ): Promise<T[]> {
    const out: T[] = [];
    for (const entry of draft[name] as Array<T | ImportDirective>) {
      if (!isImport(entry)) {
        out.push(entry);
        continue;
      }
      const taken = await this.take(entry, name, namespaceOf);
      if (!taken) continue;
      const renamed = rename(taken, entry.as ?? entry.import);
      out.push(
        entry.description !== undefined && "description" in renamed
          ? this.ctx.record.copy(renamed, { description: entry.description } as unknown as Partial<T>)
          : renamed,
      );
    }
    return out;
  }

  private async take<T extends object>(entry: ImportDirective, name: Section, namespaceOf: (entry: T) => string): Promise<T | undefined> {
    const report = reporter(this.ctx);
    let file: string;
    try {
      file = locationPath(entry.from, this.ctx.file);
    } catch (e) {
      report(entry, [], (e as Error).message.replace(/^.*?: /, ""));
      return undefined;
    }
    const shown = path.relative(process.cwd(), file) || file;
    if (!fs.existsSync(file)) {
      report(entry, [], `cannot read imported file ${file}`);
      return undefined;
    }
    let pending = this.read.get(file);
    if (!pending) {
      this.read.set(file, (pending = readDocument(file, shown, this.ctx.record)));
      const source = await pending;
      this.ctx.problems.push(...source.problems);
      if (source.draft) this.files.push(file);
    }
    const source = await pending;
    if (!source.draft) {
      if (!source.problems.length) report(entry, [], `cannot read imported file ${file}`);
      return undefined;
    }
    const entries = source.draft[name] as Array<T | ImportDirective>;
    if (entries.some((e) => isImport(e))) {
      report(entry, [], `${shown} imports entries itself; an imported file must define what it offers (imports do not chain)`);
      return undefined;
    }
    const found = (entries as T[]).find((e) => namespaceOf(e) === entry.import);
    if (!found) {
      const names = (entries as T[]).map(namespaceOf).filter(Boolean);
      report(entry, ["import"], `${shown} has no ${name} namespace "${entry.import}" (it has: ${names.join(", ") || "none"})`);
      return undefined;
    }
    return found;
  }
}
