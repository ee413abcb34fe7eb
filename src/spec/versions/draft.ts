import type { Aggregate, Bind, ConsumesHttp, Exposes, Info } from "../model.js";
import type { Problem } from "../problems.js";

/**
 * What a version's normaliser makes of one file: model objects, with the references still as the
 * file wrote them (in `written`) and the imports not yet read. spec/resolve.ts turns drafts into
 * the resolved model.
 */
export interface Draft {
  /** `naftiko 1.0.0-alpha2`, `ikanos 1.0.0-beta5`. */
  specVersion: string;
  /** What the file's version calls an aggregate's reusable units, for messages in its words. */
  flowWord: "function" | "flow";
  info?: Info;
  binds: Array<Bind | ImportDirective>;
  consumes: Array<ConsumesHttp | ImportDirective>;
  exposes: Array<Exposes | ImportDirective>;
  aggregates: Array<Aggregate | ImportDirective>;
  /** What the file asks for that this runtime refuses (see `refuse` in normalise.ts). */
  problems: Problem[];
}

/** "Take the entry named `import` from the file at `from`, under the name `as`." */
export interface ImportDirective {
  kind: "import";
  from: string;
  import: string;
  as?: string;
  description?: string;
}

export const isImport = (entry: object): entry is ImportDirective => (entry as ImportDirective).kind === "import";
