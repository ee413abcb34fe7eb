import path from "node:path";
import { formatPath, type DocPath, type Locator, type Problem } from "./problems.js";

/**
 * What loading one capability keeps beside the model: where every object was written (so problems
 * name file, line, column and path, in whichever file and version it came from), and the
 * references a normaliser read as names, for the resolver to turn into objects.
 */

/** Where a model object was written: its file and its path there. */
export interface Origin {
  file: string;
  locate: Locator;
  path: DocPath;
}

/** References as written, resolved into objects by spec/resolve.ts. */
export interface Written {
  /** `call: <consumes>.<operation>` of a unit or a call step. */
  call?: string;
  /** `ref: <aggregate>.<flow>` of a unit. */
  ref?: string;
  /** `forward.targetNamespace` of an exposed REST resource. */
  forward?: string;
}

/**
 * Side tables kept while loading one capability: every model object's origin (for problems with
 * file, line and column), and the references a normaliser read as names.
 */
export class LoadRecord {
  // Plain maps, not weak ones: the record lives only while one capability loads, and a weak map
  // costs the garbage collector far more per entry (one entry per model object here).
  private readonly origins = new Map<object, Origin>();
  private readonly refs = new Map<object, Written>();
  private readonly names = new Map<object, { path: DocPath; key: boolean }>();

  place<T extends object>(node: T, file: string, locate: Locator, path: DocPath): T {
    this.origins.set(node, { file, locate, path });
    return node;
  }

  origin(node: object): Origin | undefined {
    return this.origins.get(node);
  }

  /** Where an entity's name was written: its `name` field (named lists) or its key (maps). */
  placeName(node: object, path: DocPath, key: boolean): void {
    this.names.set(node, { path, key });
  }

  nameOrigin(node: object): (Origin & { key: boolean }) | undefined {
    const origin = this.origins.get(node);
    const name = this.names.get(node);
    return origin && name ? { ...origin, path: name.path, key: name.key } : undefined;
  }

  write(node: object, written: Written): void {
    let clean: Written | undefined;
    for (const k of Object.keys(written) as Array<keyof Written>) if (written[k] !== undefined) (clean ??= {})[k] = written[k];
    if (clean) this.refs.set(node, { ...this.refs.get(node), ...clean });
  }

  written(node: object): Written {
    return this.refs.get(node) ?? {};
  }

  /** A copy of `node` that keeps its origin and written references. */
  copy<T extends object>(node: T, changes: Partial<T>): T {
    const out = { ...node, ...changes };
    const origin = this.origins.get(node);
    if (origin) this.origins.set(out, origin);
    const refs = this.refs.get(node);
    if (refs) this.refs.set(out, refs);
    const name = this.names.get(node);
    if (name) this.names.set(out, name);
    return out;
  }
}

/** Stands for "the entity's name" where a path below an entity is expected. */
export const NAME: DocPath = ["\0name"];

/** Reports a problem at a model object (or a path below it, or its NAME), where its file wrote it. */
export function reporter(ctx: { record: LoadRecord; problems: Problem[]; file: string }) {
  return (node: object, below: DocPath, message: string, severity: Problem["severity"] = "error", key = false) => {
    const named = below === NAME ? ctx.record.nameOrigin(node) : undefined;
    if (named) key = named.key;
    const origin = named ?? ctx.record.origin(node);
    const at = named ? named.path : [...(origin?.path ?? []), ...(below === NAME ? [] : below)];
    const file = origin?.file ?? path.relative(process.cwd(), ctx.file);
    ctx.problems.push({ file, ...(origin ? origin.locate(at, key) : { line: 1, col: 1 }), path: formatPath(at), message, severity });
  };
}
