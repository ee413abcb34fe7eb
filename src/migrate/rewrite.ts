import type { Document, Node, Pair, Scalar, YAMLMap, YAMLSeq } from "yaml";
import { yaml } from "../spec/yaml.js";
import type { DocPath } from "../spec/problems.js";
import type { SpecVersion } from "../spec/versions/index.js";
import type { Vocabulary } from "../spec/versions/normalise.js";

/**
 * A finding, at the source document's path: a `note` says what the rewrite decided on its own (a
 * name it had to give), a `refusal` what the target version cannot say.
 */
export type Report = (at: DocPath, message: string, kind: "note" | "refusal") => void;

type Entry = { map: YAMLMap; name: string; at: DocPath };
/** A name for an entry written without one, where the target version keys entries by name. */
type Invent = { what: string; shownBy: string; name: (entry: YAMLMap) => string };

/**
 * Rewrites a parsed document from the vocabulary of its version into the target version's, in
 * place: the nodes are kept and moved, so comments, key order and scalar styles survive. The walk
 * follows the spec's structure as the normaliser (spec/versions/normalise.ts) reads it; what the
 * two versions spell the same is left untouched.
 */
export function rewriteDocument(doc: Document, from: SpecVersion, to: SpecVersion, report: Report): void {
  const root = doc.contents;
  if (!yaml().isMap(root)) return;
  new Rewriter(from.vocabulary, to.vocabulary, report).document(root, to);
}

class Rewriter {
  private readonly y = yaml();

  constructor(
    private readonly from: Vocabulary,
    private readonly to: Vocabulary,
    private readonly report: Report,
  ) {}

  document(root: YAMLMap, to: SpecVersion): void {
    const version = this.pair(root, this.from.spec);
    if (version) {
      (version.key as Scalar).value = to.spec;
      if (this.y.isScalar(version.value)) version.value.value = to.version;
    }
    const info = this.map(root, "info");
    if (info) this.display(info);
    for (const holder of [root, this.map(root, "capability")]) {
      if (!holder) continue;
      this.section(holder, "binds", [], () => {});
      this.section(holder, "consumes", holder === root ? [] : ["capability"], (c, at) => this.consumes(c, at));
      this.section(holder, "exposes", holder === root ? [] : ["capability"], (x, at) => this.exposes(x, at));
      this.section(holder, "aggregates", holder === root ? [] : ["capability"], (a, at) => this.aggregate(a, at));
    }
  }

  /** A section's entries: imports get the target's words, the rest its own rewrite. */
  private section(
    holder: YAMLMap,
    name: "binds" | "consumes" | "exposes" | "aggregates",
    prefix: DocPath,
    each: (v: YAMLMap, at: DocPath) => void,
  ) {
    const entries = this.get(holder, name);
    if (!this.y.isSeq(entries)) return;
    entries.items.forEach((entry, i) => {
      if (!this.y.isMap(entry)) return;
      const at = [...prefix, name, i];
      const isImport = this.from.importable.includes(name) && entry.has(this.from.importFrom) && entry.has("import");
      if (isImport) this.rename(entry, this.from.importFrom, this.to.importFrom);
      else each(entry, at);
    });
  }

  // -------------------------------------------------------------------------------------------
  // consumes

  private consumes(block: YAMLMap, at: DocPath) {
    this.keyed(block, "inputParameters", at);
    this.keyed(block, "resources", at, (resource) => {
      this.display(resource.map);
      this.keyed(resource.map, "inputParameters", resource.at);
      this.keyed(resource.map, "operations", resource.at, (op) => {
        this.display(op.map);
        this.keyed(op.map, "inputParameters", op.at);
        this.keyed(op.map, "outputParameters", op.at);
      });
    });
  }

  // -------------------------------------------------------------------------------------------
  // exposes

  private exposes(block: YAMLMap, at: DocPath) {
    switch (this.scalar(block, "type")) {
      case "rest":
        this.keyed(
          block,
          "resources",
          at,
          (resource) => {
            this.display(resource.map);
            this.keyed(resource.map, "inputParameters", resource.at);
            const method = (op: YAMLMap) => (this.scalar(op, "method") ?? "get").toLowerCase();
            this.keyed(resource.map, "operations", resource.at, (op) => this.unit(op), {
              invent: { what: "REST operations", shownBy: "logs and the OpenAPI document show it", name: method },
            });
          },
          { invent: { what: "REST resources", shownBy: "nothing served uses it", name: (r) => fromPath(this.scalar(r, "path")) } },
        );
        break;
      case "mcp": {
        // A tool written without a name can only be one that takes everything from an aggregate's unit.
        const unitName = (tool: YAMLMap) => (this.scalar(tool, "ref") ?? "").split(".").pop() || "tool";
        this.keyed(block, "tools", at, (tool) => this.unit(tool), {
          invent: { what: "MCP tools", shownBy: "MCP clients call the tool by it", name: unitName },
        });
        this.keyed(block, "resources", at, (resource) => this.unit(resource));
        this.keyed(block, "prompts", at, (prompt) => {
          this.display(prompt.map);
          this.keyed(prompt.map, "arguments", prompt.at, (arg) => this.display(arg.map));
        });
        break;
      }
      case "skill":
        this.keyed(block, "skills", at, (skill) => this.keyed(skill.map, "tools", skill.at));
        break;
    }
  }

  private aggregate(block: YAMLMap, at: DocPath) {
    this.display(block);
    this.rename(block, this.from.flows, this.to.flows);
    this.keyed(block, this.to.flows, at, (flow) => this.unit(flow), { fromField: this.from.flows });
  }

  /** An invocable unit: a REST operation, an MCP tool or resource, an aggregate's unit. */
  private unit(unit: Entry) {
    this.display(unit.map);
    this.keyed(unit.map, "inputParameters", unit.at);
    this.keyed(unit.map, "steps", unit.at);
    const mappings = this.get(unit.map, "mappings");
    if (this.y.isSeq(mappings)) for (const m of mappings.items) if (this.y.isMap(m)) this.rename(m, this.from.target, this.to.target);
    this.outputs(unit.map, unit.at, unit.map.has("steps"));
  }

  /**
   * Output parameters. Mapped ones (a `call`'s) have no names and read the same in every version;
   * orchestrated (`steps`) and mock ones are named, and Ikanos keys them by name, nested array
   * fields included.
   */
  private outputs(owner: YAMLMap, at: DocPath, orchestrated: boolean, field = "outputParameters") {
    const value = this.get(owner, field);
    if (!this.y.isSeq(value)) return;
    if (value.items.length === 0) {
      // An orchestrated unit with no outputs: Ikanos writes those as a (here empty) map.
      if (orchestrated && this.to.named === "map") this.pair(owner, field)!.value = this.newMap(value);
      return;
    }
    if (!value.items.every((p) => this.y.isMap(p) && p.has("name"))) return;
    this.keyed(owner, field, at, (param) => this.namedOutput(param));
  }

  private namedOutput(param: Entry) {
    this.outputs(param.map, param.at, true, "items");
    const properties = this.get(param.map, "properties");
    if (!this.y.isMap(properties)) return;
    for (const pair of properties.items) {
      const key = String(this.y.isScalar(pair.key) ? pair.key.value : pair.key);
      const property = pair.value;
      if (!this.y.isMap(property)) continue;
      const at = [...param.at, "properties", key];
      const name = this.pair(property, "name");
      // alpha2 repeats a property's key as its `name`; Ikanos names it by the key alone.
      if (name && this.y.isScalar(name.value) && String(name.value.value) !== key) {
        this.report(
          [...at, "name"],
          `property "${key}" is named "${String(name.value.value)}"; ${this.to.spec} names a property by its key alone, so rename the key or remove the name`,
          "refusal",
        );
      } else if (name) this.drop(property, name, pair.key as Node);
      this.namedOutput({ map: property, name: key, at });
    }
  }

  // -------------------------------------------------------------------------------------------
  // the vocabulary

  /** `label` → `display`. */
  private display(map: YAMLMap) {
    this.rename(map, this.from.display, this.to.display);
  }

  /**
   * A collection of named entities: `- name: x` entries become `x:` keys where the target keys
   * them by name (each entry's comments go with its new key), then `each` rewrites every entry.
   * `field` is read under `fromField` when the versions name it differently.
   */
  private keyed(
    owner: YAMLMap,
    field: string,
    at: DocPath,
    each?: (entry: Entry) => void,
    how: { invent?: Invent; fromField?: string } = {},
  ) {
    const { invent, fromField = field } = how;
    const value = this.get(owner, field);
    if (this.y.isMap(value)) {
      for (const pair of value.items) {
        const name = String(this.y.isScalar(pair.key) ? pair.key.value : pair.key);
        if (this.y.isMap(pair.value)) each?.({ map: pair.value, name, at: [...at, fromField, name] });
      }
      return;
    }
    if (!this.y.isSeq(value) || this.to.named !== "map") return;
    const given = new Set(value.items.map((e) => (this.y.isMap(e) ? this.scalar(e, "name") : undefined)).filter((n) => n !== undefined));
    const taken = new Set<string>();
    const map = this.newMap(value);
    value.items.forEach((entry, i) => {
      const entryAt = [...at, fromField, i];
      if (!this.y.isMap(entry)) return;
      const namePair = this.pair(entry, "name");
      let key: Scalar;
      if (namePair && this.y.isScalar(namePair.value)) {
        key = namePair.value;
        if (taken.has(String(key.value))) {
          this.report(
            [...entryAt, "name"],
            `two entries of ${fromField} are named "${String(key.value)}"; ${this.to.spec} keys them by name, so rename one`,
            "refusal",
          );
          return;
        }
        this.drop(entry, namePair, key);
      } else if (invent) {
        const base = invent.name(entry) || "unnamed";
        let name = base;
        for (let n = 2; given.has(name) || taken.has(name); n++) name = `${base}-${n}`;
        key = new this.y.Scalar(name);
        this.report(
          entryAt,
          `has no name; ${this.to.spec} keys ${invent.what} by name, so it is named "${name}" (${invent.shownBy})`,
          "note",
        );
      } else return;
      taken.add(String(key.value));
      // The comments before the entry (and the first entry's, which the sequence holds) now lead its key.
      key.commentBefore = joinComments(i === 0 ? value.commentBefore : undefined, entry.commentBefore, key.commentBefore);
      key.spaceBefore = entry.spaceBefore || undefined;
      entry.commentBefore = undefined;
      entry.spaceBefore = undefined;
      map.items.push(new this.y.Pair(key, entry));
      each?.({ map: entry, name: String(key.value), at: entryAt });
    });
    const pair = this.pair(owner, field)!;
    pair.value = map;
  }

  /** Removes an entry's `name` pair; its comments move before `keyNode`, which now carries the name. */
  private drop(entry: YAMLMap, name: Pair, keyNode: Node) {
    const key = name.key as Node;
    const value = name.value as Node | null;
    const comments = joinComments(key.commentBefore, key.comment, value?.commentBefore, value?.comment);
    if (value) value.commentBefore = value.comment = undefined;
    entry.items.splice(entry.items.indexOf(name), 1);
    keyNode.commentBefore = joinComments(keyNode === value ? undefined : keyNode.commentBefore, comments);
  }

  private newMap(like: YAMLSeq): YAMLMap {
    const map = new this.y.YAMLMap();
    map.flow = like.flow;
    map.comment = like.comment;
    return map;
  }

  private rename(map: YAMLMap, from: string, to: string) {
    if (from === to) return;
    const pair = this.pair(map, from);
    if (pair) (pair.key as Scalar).value = to;
  }

  private pair(map: YAMLMap, key: string): Pair | undefined {
    return map.items.find((p) => (this.y.isScalar(p.key) ? p.key.value : p.key) === key);
  }

  private get(map: YAMLMap, key: string): unknown {
    return this.pair(map, key)?.value;
  }

  private map(map: YAMLMap, key: string): YAMLMap | undefined {
    const v = this.get(map, key);
    return this.y.isMap(v) ? v : undefined;
  }

  private scalar(map: YAMLMap, key: string): string | undefined {
    const v = this.get(map, key);
    return this.y.isScalar(v) && v.value !== null ? String(v.value) : undefined;
  }
}

/** A name from a REST path: `/ships/{{imo}}/crew` → `ships-imo-crew`. */
function fromPath(path: string | undefined): string {
  const words = (path ?? "").split(/[^A-Za-z0-9]+/).filter(Boolean);
  return words.length ? words.join("-") : "root";
}

function joinComments(...parts: Array<string | null | undefined>): string | undefined {
  const kept = parts.filter((p): p is string => typeof p === "string" && p !== "");
  return kept.length ? kept.join("\n") : undefined;
}
