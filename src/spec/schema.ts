import { fs } from "../builtins.js";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ErrorObject } from "ajv";
import { lazyRequire } from "../lazy.js";
import { formatPath, type DocPath, type Locator, type Problem } from "./problems.js";

/**
 * JSON Schema validation of a capability document, with errors a user can act on.
 *
 * Raw ajv output for the Naftiko schema is noisy: every `oneOf`/`anyOf` alternative reports its own
 * failures, so one unknown field on a REST block also yields the failures of the mcp, skill and control
 * alternatives. The post-processing below works out which alternatives the document plausibly meant
 * (from a discriminating `type` value, the JSON type, the fields present) and keeps only their errors.
 */

type Schema = Record<string, unknown>;
export type SchemaChecker = (data: unknown, file: string, locate: Locator) => Problem[];

// The code runs both from src/ (vitest) and dist/ (after tsc), so find the package root rather than
// hard-coding a relative path.
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`package.json not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
}

/** The text of a schema in `schema/`, by file name. */
export function schemaText(schemaFile: string): string {
  return fs.readFileSync(join(packageRoot(), "schema", schemaFile), "utf8");
}

/** Compiles a schema once; the result turns a document into clean, positioned problems. */
export function createSchemaChecker(schema: Schema): SchemaChecker {
  // Loaded here, not imported: a valid document never needs ajv at run time (see quickCheck), and
  // loading it is ~35 ms of a cold start. The packages are CommonJS.
  const { Ajv2020 } = lazyRequire<typeof import("ajv/dist/2020.js")>("ajv/dist/2020.js");
  const addFormats = lazyRequire<typeof import("ajv-formats").default>("ajv-formats");
  const ajv = new Ajv2020({ allErrors: true, strict: false, verbose: true, logger: false });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  return (data, file, locate) => {
    if (validate(data)) return [];
    const findings = explain(validate.errors ?? [], new Navigator(schema, data));
    return toProblems(findings, file, locate);
  };
}

/**
 * A quick "is it valid?" for one schema, compiled at build time (dist/schema-validate/<schema>.cjs,
 * by scripts/build-schema-validator.mjs). Compiling a schema with ajv takes ~200 ms, most of a cold
 * start; loading the compiled check ~10 ms. Only an invalid document pays for the full validator,
 * which explains what is wrong. Missing or built from another text of the schema: not used.
 */
function precompiledCheck(schemaFile: string, text: string): ((data: unknown) => boolean) | undefined {
  try {
    const compiled = createRequire(import.meta.url)(
      join(packageRoot(), "dist/schema-validate", schemaFile.replace(/\.json$/, ".cjs")),
    ) as ((data: unknown) => boolean) & { schemaHash?: string };
    return compiled.schemaHash === createHash("sha256").update(text).digest("hex") ? compiled : undefined;
  } catch {
    return undefined;
  }
}

interface Compiled {
  quick?: (data: unknown) => boolean;
  text: string;
  full?: SchemaChecker;
}
const compiled = new Map<string, Compiled>();

/** Problems of a document against the schema of its version (a file name in `schema/`). */
export function schemaProblems(schemaFile: string, data: unknown, file: string, locate: Locator): Problem[] {
  let c = compiled.get(schemaFile);
  if (!c) {
    const text = schemaText(schemaFile);
    compiled.set(schemaFile, (c = { text, quick: precompiledCheck(schemaFile, text) }));
  }
  if (c.quick?.(data)) return [];
  c.full ??= createSchemaChecker(JSON.parse(c.text) as Schema);
  return c.full(data, file, locate);
}

// ---------------------------------------------------------------------------------------------
// Which schemas apply where: a walk of the schema along one document path, recording for every
// oneOf/anyOf passed on the way which alternative was taken and whether the document rules it out.

interface Choice {
  comb: Schema;
  kw: string;
  at: string;
  branch: number;
  excluded: boolean;
}
type Trail = readonly Choice[];

/** A combinator whose every alternative the document rules out, and the one error that says why. */
interface Mismatch {
  path: DocPath;
  key: boolean;
  message: string;
}

/** What a oneOf/anyOf alternative demands, following `$ref` and `allOf` but not nested alternatives. */
interface BranchFacts {
  label?: string;
  types?: Set<string>;
  consts: Map<string, unknown[]>;
  declared: Set<string>;
  required: Set<string>;
  closed: boolean;
}

const isKeyed = (path: DocPath) => typeof path[path.length - 1] === "string";
const isSchema = (s: unknown): s is Schema => typeof s === "object" && s !== null && !Array.isArray(s);
const isPlainObject = (v: unknown): v is Record<string, unknown> => isSchema(v);

class Navigator {
  private readonly applied = new Map<string, Map<Schema, Trail[]>>();
  private readonly mismatches = new Map<string, Mismatch>();
  private readonly ids = new WeakMap<object, number>();
  private nextId = 1;
  private readonly factsCache = new WeakMap<Schema, BranchFacts>();

  constructor(
    private readonly root: Schema,
    readonly data: unknown,
  ) {}

  /** Trails by which `schema` applies at `pointer`; undefined when the walk never meets it there. */
  trails(pointer: string, schema: unknown): Trail[] | undefined {
    return isSchema(schema) ? this.at(pointer).get(schema) : undefined;
  }

  mismatch(comb: Schema, kw: string, at: string): Mismatch | undefined {
    return this.mismatches.get(this.combKey(comb, kw, at));
  }

  valueAt(pointer: string): unknown {
    return this.walk(pointer).value;
  }

  docPath(pointer: string): DocPath {
    return this.walk(pointer).path;
  }

  facts(branch: unknown): BranchFacts {
    const cached = isSchema(branch) ? this.factsCache.get(branch) : undefined;
    if (cached) return cached;
    const facts: BranchFacts = { consts: new Map(), declared: new Set(), required: new Set(), closed: false };
    if (isSchema(branch) && typeof branch.$ref === "string") facts.label = branch.$ref.split("/").pop();
    this.collectFacts(branch, facts, new Set());
    if (isSchema(branch)) this.factsCache.set(branch, facts);
    return facts;
  }

  private collectFacts(s: unknown, facts: BranchFacts, seen: Set<unknown>): void {
    if (!isSchema(s) || seen.has(s)) return;
    seen.add(s);
    if (typeof s.type === "string" || Array.isArray(s.type)) {
      const types = new Set<string>([s.type].flat() as string[]);
      facts.types = facts.types ? new Set([...facts.types].filter((t) => types.has(t))) : types;
    }
    if (s.additionalProperties === false || s.unevaluatedProperties === false) facts.closed = true;
    for (const r of Array.isArray(s.required) ? s.required : []) facts.required.add(String(r));
    for (const [name, prop] of Object.entries(isSchema(s.properties) ? s.properties : {})) {
      facts.declared.add(name);
      const allowed = isSchema(prop) ? ("const" in prop ? [prop.const] : Array.isArray(prop.enum) ? prop.enum : undefined) : undefined;
      if (!allowed) continue;
      const before = facts.consts.get(name);
      facts.consts.set(name, before ? before.filter((v) => allowed.includes(v)) : allowed);
    }
    if (typeof s.$ref === "string") this.collectFacts(this.resolve(s.$ref), facts, seen);
    for (const sub of Array.isArray(s.allOf) ? s.allOf : []) this.collectFacts(sub, facts, seen);
  }

  private at(pointer: string): Map<Schema, Trail[]> {
    const cached = this.applied.get(pointer);
    if (cached) return cached;
    const out = new Map<Schema, Trail[]>();
    if (pointer === "") {
      this.expand(this.root, [], "", out);
    } else {
      const cut = pointer.lastIndexOf("/");
      const seg = unescapePointer(pointer.slice(cut + 1));
      for (const [schema, trails] of this.at(pointer.slice(0, cut))) {
        for (const child of childSchemas(schema, seg, Array.isArray(this.valueAt(pointer.slice(0, cut))))) {
          for (const trail of trails) this.expand(child, trail, pointer, out);
        }
      }
    }
    this.applied.set(pointer, out);
    return out;
  }

  private expand(s: unknown, trail: Trail, at: string, out: Map<Schema, Trail[]>): void {
    if (!isSchema(s)) return;
    const known = out.get(s) ?? [];
    const key = this.trailKey(trail);
    if (known.some((t) => this.trailKey(t) === key)) return;
    out.set(s, [...known, trail]);
    if (typeof s.$ref === "string") this.expand(this.resolve(s.$ref), trail, at, out);
    for (const sub of Array.isArray(s.allOf) ? s.allOf : []) this.expand(sub, trail, at, out);
    // ajv reports property-name errors at the object itself.
    if (isSchema(s.propertyNames)) this.expand(s.propertyNames, trail, at, out);
    for (const kw of ["oneOf", "anyOf"]) {
      const branches = s[kw];
      if (!Array.isArray(branches)) continue;
      const excluded = this.ruledOut(s, kw, branches, at);
      branches.forEach((b, branch) => {
        this.expand(b, [...trail, { comb: s, kw, at, branch, excluded: excluded.has(branch) }], at, out);
      });
    }
  }

  /** Alternatives the document plainly did not mean: wrong JSON type, or a non-matching `type` value. */
  private ruledOut(comb: Schema, kw: string, branches: unknown[], at: string): Set<number> {
    const value = this.valueAt(at);
    const facts = branches.map((b) => this.facts(b));
    const out = new Set<number>();
    const all = () => facts.every((_, i) => out.has(i));
    const actual = jsonType(value);
    const fits = (f: BranchFacts) => !f.types || f.types.has(actual) || (actual === "integer" && f.types.has("number"));
    facts.forEach((f, i) => fits(f) || out.add(i));
    if (branches.length > 0 && all()) {
      const types = [...new Set(facts.flatMap((f) => [...(f.types ?? [])]))];
      this.setMismatch(comb, kw, at, { path: this.docPath(at), key: false, message: `must be ${typeList(types)}, not ${actual}` });
      return out;
    }
    if (!isPlainObject(value)) return out;
    for (const field of discriminators(facts, out)) {
      this.discriminate(field, value, facts, out);
      if (all()) {
        this.setMismatch(comb, kw, at, this.discriminatorMismatch(field, value, facts, at));
        break;
      }
    }
    return out;
  }

  private discriminate(field: string, value: Record<string, unknown>, facts: BranchFacts[], out: Set<number>): void {
    const live = facts.map((_, i) => i).filter((i) => !out.has(i));
    if (!(field in value)) {
      if (live.every((i) => facts[i].required.has(field))) live.forEach((i) => out.add(i));
      return;
    }
    for (const i of live) {
      const allowed = facts[i].consts.get(field);
      if (allowed) {
        if (!allowed.includes(value[field])) out.add(i);
      } else if (facts[i].closed && !facts[i].declared.has(field)) {
        out.add(i); // an alternative that does not know the field would reject it anyway
      }
    }
  }

  private discriminatorMismatch(field: string, value: Record<string, unknown>, facts: BranchFacts[], at: string): Mismatch {
    const allowed = [...new Set(facts.flatMap((f) => f.consts.get(field) ?? []))];
    const oneOf = allowed.length === 1 ? JSON.stringify(allowed[0]) : `one of ${allowed.map((v) => JSON.stringify(v)).join(", ")}`;
    if (!(field in value))
      return { path: this.docPath(at), key: isKeyed(this.docPath(at)), message: `missing required field "${field}" (${oneOf})` };
    return { path: [...this.docPath(at), field], key: false, message: `must be ${oneOf}, not ${JSON.stringify(value[field])}` };
  }

  private setMismatch(comb: Schema, kw: string, at: string, m: Mismatch): void {
    this.mismatches.set(this.combKey(comb, kw, at), m);
  }

  private resolve(ref: string): unknown {
    if (!ref.startsWith("#")) return undefined;
    let node: unknown = this.root;
    for (const seg of ref.slice(1).split("/").slice(1).map(unescapePointer)) node = isSchema(node) ? node[seg] : undefined;
    return node;
  }

  private walk(pointer: string): { value: unknown; path: DocPath } {
    let value = this.data;
    const path: Array<string | number> = [];
    for (const raw of pointer === "" ? [] : pointer.slice(1).split("/")) {
      const seg = unescapePointer(raw);
      const index = Array.isArray(value) ? Number(seg) : undefined;
      path.push(index ?? seg);
      value = index !== undefined ? (value as unknown[])[index] : isPlainObject(value) ? value[seg] : undefined;
    }
    return { value, path };
  }

  private id(o: object): number {
    let id = this.ids.get(o);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(o, id);
    }
    return id;
  }

  combKey(comb: Schema, kw: string, at: string): string {
    return `${this.id(comb)}:${kw}@${at}`;
  }

  private trailKey(trail: Trail): string {
    return trail.map((c) => `${this.combKey(c.comb, c.kw, c.at)}#${c.branch}`).join(",");
  }
}

/** Fields whose const/enum tells alternatives apart (in practice `type`, or `transport` on MCP). */
function discriminators(facts: BranchFacts[], out: Set<number>): string[] {
  const fields = new Set<string>();
  facts.forEach((f, i) => !out.has(i) && f.consts.forEach((_, name) => fields.add(name)));
  return [...fields];
}

function childSchemas(s: Schema, seg: string, inArray: boolean): unknown[] {
  if (inArray) {
    const prefix = Array.isArray(s.prefixItems) ? s.prefixItems : [];
    const index = Number(seg);
    return [index < prefix.length ? prefix[index] : s.items];
  }
  const props = isSchema(s.properties) ? s.properties : {};
  if (seg in props) return [props[seg]];
  const patterns = isSchema(s.patternProperties) ? s.patternProperties : {};
  const matched = Object.keys(patterns).filter((p) => new RegExp(p, "u").test(seg));
  if (matched.length) return matched.map((p) => patterns[p]);
  return [s.additionalProperties, s.unevaluatedProperties];
}

function unescapePointer(seg: string): string {
  return seg.replace(/~1/g, "/").replace(/~0/g, "~");
}

function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function typeList(types: string[]): string {
  const named = types.map((t) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`));
  return named.length <= 1 ? named.join("") : `${named.slice(0, -1).join(", ")} or ${named[named.length - 1]}`;
}

// ---------------------------------------------------------------------------------------------
// From ajv errors to findings: one message each, attributed to the alternatives that produced it.

interface Finding {
  /** ajv instance pointer of the object the error is about (for grouping by combinator). */
  at: string;
  path: DocPath;
  key: boolean;
  message: string;
  keyword: string;
  missing?: string;
  trails: Trail[];
  error?: ErrorObject;
}

function explain(errors: ErrorObject[], nav: Navigator): Finding[] {
  let findings: Finding[] = [];
  for (const e of uniqueErrors(errors)) {
    const trails = nav.trails(e.instancePath, e.parentSchema);
    const live = trails?.filter((t) => !t.some((c) => c.excluded));
    if (trails && live?.length === 0) continue;
    findings.push({ ...describe(e, nav), trails: live ?? [] });
  }
  // Alternatives nested in others are settled first, so the outer choice sees their final errors.
  const summaries = findings.filter((f) => f.keyword === "oneOf" || f.keyword === "anyOf");
  summaries.sort((a, b) => maxLength(b.trails) - maxLength(a.trails));
  for (const s of summaries) findings = settle(s, findings, nav);
  return findings;
}

function uniqueErrors(errors: ErrorObject[]): ErrorObject[] {
  const seen = new Map<unknown, Set<string>>();
  return errors.filter((e) => {
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}|${e.propertyName ?? ""}`;
    const keys = seen.get(e.parentSchema) ?? new Set<string>();
    seen.set(e.parentSchema, keys);
    if (keys.has(key)) return false;
    keys.add(key);
    return true;
  });
}

const maxLength = (trails: Trail[]) => Math.max(0, ...trails.map((t) => t.length));

/** Replaces a failed oneOf/anyOf and the errors of its alternatives by what the user needs to read. */
function settle(summary: Finding, findings: Finding[], nav: Navigator): Finding[] {
  const comb = summary.error?.parentSchema as Schema;
  const kw = summary.keyword;
  const rest = findings.filter((f) => f !== summary);
  const inherit = (f: Omit<Finding, "trails">): Finding => ({ ...f, trails: summary.trails });
  const mismatch = nav.mismatch(comb, kw, summary.at);
  if (mismatch) return [...rest, inherit({ ...mismatch, at: summary.at, keyword: "discriminator" })];

  const groups = new Map<number, Finding[]>();
  const branchesOf = new Map<Finding, Set<number>>();
  for (const f of rest) {
    const branches = new Set(
      f.trails.flatMap((t) => t.filter((c) => c.comb === comb && c.kw === kw && c.at === summary.at).map((c) => c.branch)),
    );
    if (!branches.size) continue;
    branchesOf.set(f, branches);
    for (const b of branches) groups.set(b, [...(groups.get(b) ?? []), f]);
  }
  const others = rest.filter((f) => !branchesOf.has(f));
  const passing = summary.error?.params.passingSchemas;
  // `required`-only alternatives all "pass" on a non-object, which already has its own type error.
  if (Array.isArray(passing) && !isPlainObject(nav.valueAt(summary.at))) return others;
  if (Array.isArray(passing)) return [...others, inherit({ ...summary, message: ambiguity(comb[kw] as unknown[], passing, nav) })];
  if (!groups.size) return [...others, inherit({ ...summary, message: "does not match any of the allowed forms" })];

  const lists = [...groups.values()];
  // Only one alternative is plausible: its errors are the real ones.
  if (lists.length === 1) return [...others, ...lists[0]];
  if (lists.every((g) => g.every((f) => f.keyword === "required" && f.at === summary.at))) {
    return [...others, ...missingAlternatives(lists).map((message) => inherit({ ...summary, keyword: "missing", message }))];
  }
  if (lists.every((g) => g.every((f) => f.at === summary.at && isValueError(f)))) {
    return [...others, inherit({ ...summary, message: noForm(groups, comb[kw] as unknown[], summary.at, nav) })];
  }
  const best = bestBranch(groups, comb[kw] as unknown[], summary.at, nav);
  return [...others, ...rest.filter((f) => branchesOf.get(f)?.has(best))];
}

const VALUE_KEYWORDS = [
  "type",
  "const",
  "enum",
  "pattern",
  "format",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
];
const isValueError = (f: Finding) => VALUE_KEYWORDS.includes(f.keyword) && f.error?.propertyName === undefined;

/**
 * The alternative the document most plausibly meant: fewest errors about the object itself (missing or
 * unknown fields), then most of its required fields present, then fewest errors, then schema order.
 */
function bestBranch(groups: Map<number, Finding[]>, branches: unknown[], at: string, nav: Navigator): number {
  const value = nav.valueAt(at);
  const present = (b: number) => [...nav.facts(branches[b]).required].filter((k) => isPlainObject(value) && k in value).length;
  const score = (b: number, g: Finding[]) => [g.filter((f) => f.at === at).length, -present(b), g.length, b];
  const ranked = [...groups].map(([b, g]) => ({ b, s: score(b, g) }));
  ranked.sort((x, y) => compareScores(x.s, y.s));
  return ranked[0].b;
}

function compareScores(a: number[], b: number[]): number {
  const i = a.findIndex((v, k) => v !== b[k]);
  return i < 0 ? 0 : a[i] - b[i];
}

/** `missing required field "x"` for what every alternative needs, one line for the remaining choice. */
function missingAlternatives(groups: Finding[][]): string[] {
  const sets = groups.map((g) => new Set(g.map((f) => f.missing ?? "")));
  const common = [...sets[0]].filter((k) => sets.every((s) => s.has(k)));
  const remainders = sets.map((s) => [...s].filter((k) => !common.includes(k))).filter((r) => r.length > 0);
  const out = common.map((k) => `missing required field "${k}"`);
  if (remainders.length < sets.length) return out;
  const minimal = remainders.filter((r) => !remainders.some((o) => o !== r && o.length < r.length && o.every((k) => r.includes(k))));
  const options = [...new Set(minimal.map((r) => r.map((k) => `"${k}"`).join(" + ")))];
  out.push(options.length === 1 ? `missing required field ${options[0]}` : `missing required field: one of ${options.join(", ")}`);
  return out;
}

function ambiguity(branches: unknown[], passing: unknown[], nav: Navigator): string {
  const required = passing.map((b) => [...nav.facts(branches[Number(b)]).required]);
  const distinct = required.map((r) => r.filter((k) => !required.every((o) => o.includes(k)))).flat();
  if (distinct.length) return `only one of ${[...new Set(distinct)].map((k) => `"${k}"`).join(", ")} may be given`;
  return `matches more than one of the allowed forms (${passing.map((b) => nav.facts(branches[Number(b)]).label ?? `#${b}`).join(", ")})`;
}

/** A scalar that fits none of several forms, e.g. an address that is no Hostname, IPv4 or IPv6. */
function noForm(groups: Map<number, Finding[]>, branches: unknown[], at: string, nav: Navigator): string {
  const shown = JSON.stringify(nav.valueAt(at));
  const labels = [...groups.keys()].map((b) => nav.facts(branches[b]).label);
  if (labels.every((l): l is string => l !== undefined)) return `${shown} is not a valid ${orList(labels)}`;
  return `${shown} fits none of the allowed forms: ${[...groups.values()].map((g) => g.map((f) => f.message).join(", ")).join("; ")}`;
}

function orList(items: string[]): string {
  const unique = [...new Set(items)];
  return unique.length <= 1 ? unique.join("") : `${unique.slice(0, -1).join(", ")} or ${unique[unique.length - 1]}`;
}

/** One ajv error as a message, and the document path it is best shown at. */
function describe(e: ErrorObject, nav: Navigator): Omit<Finding, "trails"> {
  const at = e.instancePath;
  const path = nav.docPath(at);
  const base = { at, path, key: false, keyword: e.keyword, error: e };
  const p = e.params as Record<string, unknown>;
  const value = nav.valueAt(at);
  if (e.propertyName !== undefined) {
    return { ...base, path: [...path, e.propertyName], key: true, message: `field name ${valueMessage(e, e.propertyName)}` };
  }
  switch (e.keyword) {
    case "additionalProperties":
    case "unevaluatedProperties": {
      const field = String(p.additionalProperty ?? p.unevaluatedProperty);
      return { ...base, path: [...path, field], key: true, message: `unknown field "${field}"` };
    }
    case "required":
      return { ...base, key: isKeyed(path), missing: String(p.missingProperty), message: `missing required field "${p.missingProperty}"` };
    case "not": {
      const forbidden = isSchema(e.schema) && Array.isArray(e.schema.required) ? e.schema.required.map(String) : [];
      const field = forbidden.find((k) => isPlainObject(value) && k in value);
      if (field) return { ...base, path: [...path, field], key: true, message: `field "${field}" is not allowed here` };
      return { ...base, message: "must not match the excluded form" };
    }
    default:
      return { ...base, message: valueMessage(e, value) };
  }
}

function valueMessage(e: ErrorObject, value: unknown): string {
  const p = e.params as Record<string, unknown>;
  const shown = JSON.stringify(value);
  switch (e.keyword) {
    case "type":
      return `must be ${typeList([p.type as string | string[]].flat())}, not ${jsonType(value)}`;
    case "const":
      return `must be ${JSON.stringify(p.allowedValue)}, not ${shown}`;
    case "enum":
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}, not ${shown}`;
    case "pattern":
      return `${shown} does not match the pattern ${p.pattern}`;
    case "format":
      return `${shown} is not a valid ${p.format}`;
    case "minItems":
      return `must have at least ${p.limit} item${p.limit === 1 ? "" : "s"}`;
    case "maxItems":
      return `must have at most ${p.limit} item${p.limit === 1 ? "" : "s"}`;
    case "minLength":
      return `must be at least ${p.limit} character${p.limit === 1 ? "" : "s"} long`;
    case "maxLength":
      return `must be at most ${p.limit} character${p.limit === 1 ? "" : "s"} long`;
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return `must be ${p.comparison} ${p.limit}, not ${shown}`;
    default:
      return e.message ?? `fails ${e.keyword}`;
  }
}

function toProblems(findings: Finding[], file: string, locate: Locator): Problem[] {
  // A discriminator error repeats what a more precise error at the same place already says.
  const precise = new Set(findings.filter((f) => f.keyword !== "discriminator").map((f) => formatPath(f.path)));
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const f of findings) {
    const path = formatPath(f.path);
    if (f.keyword === "discriminator" && precise.has(path)) continue;
    if (f.keyword === "propertyNames" && findings.some((o) => o.at === f.at && o.error?.propertyName !== undefined)) continue;
    const { line, col } = locate(f.path, f.key);
    const key = `${line}:${col}:${path}:${f.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ file, line, col, path, message: f.message, severity: "error" });
  }
  return problems.sort((a, b) => a.line - b.line || a.col - b.col || a.path.localeCompare(b.path) || a.message.localeCompare(b.message));
}
