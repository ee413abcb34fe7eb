import type {
  Aggregate,
  Bind,
  ConsumedOperation,
  ConsumedOutput,
  ConsumedParam,
  ConsumedResource,
  ConsumesHttp,
  Exposes,
  ExposesControl,
  ExposesMcp,
  ExposesRest,
  ExposesSkill,
  ExposedOperation,
  ExposedParam,
  ExposedResource,
  Forward,
  HttpMethod,
  Info,
  Invocable,
  McpPrompt,
  McpResource,
  McpTool,
  OutputParam,
  Skill,
  Step,
} from "../model.js";
import { formatPath, type DocPath, type Locator, type Problem } from "../problems.js";
import type { LoadRecord } from "../record.js";
import type { Draft, ImportDirective } from "./draft.js";

/**
 * How one version of the spec spells what the model holds. The versions differ in vocabulary, not
 * in meaning: alpha2 writes named lists (`- name: x`) where Ikanos writes maps keyed by name, `label`
 * where Ikanos writes `display`, and so on. A version is its schema plus one of these.
 */
export interface Vocabulary {
  /** The root key naming the spec: `naftiko`, `ikanos`. */
  spec: string;
  /** Named entities as `- name: x` lists, or as maps keyed by name. */
  named: "list" | "map";
  display: "label" | "display";
  flows: "functions" | "flows";
  target: "targetName" | "target";
  /** The field of an import naming its source file. */
  importFrom: "location" | "from";
  /** Sections that may hold import entries. */
  importable: ReadonlyArray<"consumes" | "exposes" | "aggregates" | "binds">;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
/** `o` without its undefined fields (a loop: this runs for every object of a document). */
function defined<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) {
    const v = (o as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  return out as T;
}

/**
 * Normalises a document already valid against its version's schema. It never has to guess: what
 * the schema let through has the shape read here.
 */
export function normalise(data: unknown, version: string, vocab: Vocabulary, file: FileNames, locate: Locator, record: LoadRecord): Draft {
  const doc = obj(data);
  const n = new Normaliser(vocab, file, locate, record);
  const cap = obj(doc.capability);
  const section = <T extends object>(name: "binds" | "consumes" | "exposes" | "aggregates", read: (v: Json, at: DocPath) => T) => [
    ...list(doc[name]).map((v, i) => n.entry(name, v, [name, i], read)),
    ...list(cap[name]).map((v, i) => n.entry(name, v, ["capability", name, i], read)),
  ];
  return {
    specVersion: `${vocab.spec} ${version}`,
    flowWord: vocab.flows === "functions" ? "function" : "flow",
    info: doc.info === undefined ? undefined : n.info(obj(doc.info)),
    binds: section("binds", (v, at) => n.bind(v, at)),
    consumes: section("consumes", (v, at) => n.consumes(v, at)),
    exposes: section("exposes", (v, at) => n.exposes(v, at)),
    aggregates: section("aggregates", (v, at) => n.aggregate(v, at)),
    problems: n.problems,
  };
}

/** A file's absolute path (to read what it names) and its name as problems show it. */
export interface FileNames {
  abs: string;
  shown: string;
}

class Normaliser {
  readonly problems: Problem[] = [];

  constructor(
    private readonly vocab: Vocabulary,
    private readonly file: FileNames,
    private readonly locate: Locator,
    private readonly record: LoadRecord,
  ) {}

  /**
   * Where the name of each named entity was written, by the entity's path: the very array `named`
   * handed out, which its reader passes on to `place`.
   */
  private readonly nameAt = new Map<DocPath, { path: DocPath; key: boolean }>();

  private place<T extends object>(node: T, at: DocPath): T {
    const name = this.nameAt.get(at);
    if (name) this.record.placeName(node, name.path, name.key);
    return this.record.place(node, this.file.shown, this.locate, at);
  }

  /**
   * A field the schema accepts and this runtime cannot honour: refused with a message naming it,
   * never accepted and ignored.
   */
  private refuse(v: Json, field: string, at: DocPath, why: string): void {
    if (v[field] === undefined) return;
    const path = [...at, field];
    this.problems.push({
      file: this.file.shown,
      ...this.locate(path, true),
      path: formatPath(path),
      message: `${field} is not supported: ${why}`,
      severity: "error",
    });
  }

  /** The named entities of a list or map, each with its name and where it (and its name) was written. */
  private named(value: unknown, at: DocPath): Array<{ name: string; v: Json; at: DocPath }> {
    const entries = Array.isArray(value)
      ? value.map((v, i) => ({ name: str(obj(v).name) ?? "", v: obj(v), at: [...at, i], nameAt: [...at, i, "name"], key: false }))
      : Object.entries(obj(value)).map(([name, v]) => ({ name, v: obj(v), at: [...at, name], nameAt: [...at, name], key: true }));
    for (const e of entries) this.nameAt.set(e.at, { path: e.nameAt, key: e.key });
    return entries;
  }

  private display(v: Json): string | undefined {
    return str(v[this.vocab.display]);
  }

  entry<T extends object>(section: string, v: unknown, at: DocPath, read: (v: Json, at: DocPath) => T): T | ImportDirective {
    const o = obj(v);
    const from = this.vocab.importable.includes(section as never) ? str(o[this.vocab.importFrom]) : undefined;
    if (from !== undefined && typeof o.import === "string") {
      return this.place(defined({ kind: "import" as const, from, import: o.import, as: str(o.as), description: str(o.description) }), at);
    }
    return read(o, at);
  }

  info(v: Json): Info {
    return defined({
      display: this.display(v),
      description: str(v.description),
      version: str(v.version),
      tags: v.tags as string[] | undefined,
      created: str(v.created),
      modified: str(v.modified),
      stakeholders: v.stakeholders as Info["stakeholders"],
    });
  }

  bind(v: Json, at: DocPath): Bind {
    return this.place(
      defined({
        namespace: str(v.namespace) ?? "",
        description: str(v.description),
        location: str(v.location),
        keys: obj(v.keys) as Record<string, string>,
        file: this.file.abs,
      }),
      at,
    );
  }

  // -------------------------------------------------------------------------------------------
  // consumes

  consumes(v: Json, at: DocPath): ConsumesHttp {
    this.refuse(
      v,
      "tunnel",
      at,
      "this runtime has no OpenZiti transport (no well-kept Node library for it); reach the upstream directly, or through a proxy or sidecar that the baseUri names",
    );
    const block: ConsumesHttp = this.place(
      defined({
        type: "http" as const,
        namespace: str(v.namespace) ?? "",
        baseUri: str(v.baseUri) ?? "",
        description: str(v.description),
        inputParameters: this.consumedParams(v.inputParameters, [...at, "inputParameters"]),
        authentication: v.authentication as ConsumesHttp["authentication"],
        resources: [],
      }),
      at,
    );
    for (const r of this.named(v.resources, [...at, "resources"])) block.resources.push(this.consumedResource(block, r.name, r.v, r.at));
    return block;
  }

  private consumedResource(block: ConsumesHttp, name: string, v: Json, at: DocPath): ConsumedResource {
    const resource: ConsumedResource = this.place(
      defined({
        name,
        path: str(v.path) ?? "",
        display: this.display(v),
        description: str(v.description),
        tags: v.tags as string[] | undefined,
        inputParameters: this.consumedParams(v.inputParameters, [...at, "inputParameters"]),
        operations: [],
      }),
      at,
    );
    for (const o of this.named(v.operations, [...at, "operations"])) {
      const own = this.consumedParams(o.v.inputParameters, [...o.at, "inputParameters"]);
      const operation: ConsumedOperation = this.place(
        defined({
          name: o.name,
          key: `${block.namespace}.${o.name}`,
          method: ((str(o.v.method) ?? "GET").toUpperCase() as HttpMethod) ?? "GET",
          display: this.display(o.v),
          description: str(o.v.description),
          tags: o.v.tags as string[] | undefined,
          params: mergeParams(block.inputParameters, resource.inputParameters, own),
          body: o.v.body as ConsumedOperation["body"],
          outputRawFormat: str(o.v.outputRawFormat),
          outputMediaType: str(o.v.outputMediaType),
          maxBinarySize: binarySize(o.v.maxBinarySize),
          outputSchema: str(o.v.outputSchema),
          outputParameters: this.named(o.v.outputParameters, [...o.at, "outputParameters"]).map((p) =>
            this.place({ name: p.name, type: str(p.v.type) ?? "string", value: str(p.v.value) ?? "" } satisfies ConsumedOutput, p.at),
          ),
          consumes: block,
          resource,
        }),
        o.at,
      );
      resource.operations.push(operation);
    }
    return resource;
  }

  private consumedParams(value: unknown, at: DocPath): ConsumedParam[] {
    return this.named(value, at).map((p) =>
      this.place(
        defined({
          name: p.name,
          in: (str(p.v.in) ?? "query") as ConsumedParam["in"],
          value: p.v.value === undefined ? undefined : String(p.v.value),
          type: p.v.type as ConsumedParam["type"],
          required: p.v.required as boolean | undefined,
          description: str(p.v.description),
        }),
        p.at,
      ),
    );
  }

  // -------------------------------------------------------------------------------------------
  // invocable units

  private exposedParams(value: unknown, at: DocPath): ExposedParam[] {
    return this.named(value, at).map((p) =>
      this.place(
        defined({
          name: p.name,
          type: (str(p.v.type) ?? "string") as ExposedParam["type"],
          description: str(p.v.description),
          in: p.v.in as ExposedParam["in"],
          pattern: str(p.v.pattern),
          value: p.v.value === undefined ? undefined : String(p.v.value),
          required: p.v.required as boolean | undefined,
        }),
        p.at,
      ),
    );
  }

  /** The fields every invocable unit has; `call`, `ref` and step calls go to the written table. */
  private invocable(name: string, v: Json, at: DocPath): Invocable {
    const unit: Invocable = defined({
      name,
      display: this.display(v),
      description: str(v.description),
      tags: v.tags as string[] | undefined,
      inputParameters: this.exposedParams(v.inputParameters, [...at, "inputParameters"]),
      with: v.with as Invocable["with"],
      steps: v.steps === undefined ? undefined : this.steps(v.steps, [...at, "steps"]),
      mappings:
        v.mappings === undefined
          ? undefined
          : list(v.mappings).map((m, i) =>
              this.place({ target: str(obj(m)[this.vocab.target]) ?? "", value: String(obj(m).value ?? "") }, [...at, "mappings", i]),
            ),
      outputParameters: v.outputParameters === undefined ? undefined : this.outputs(v.outputParameters, [...at, "outputParameters"]),
      semantics: v.semantics as Invocable["semantics"],
      outputMediaType: str(v.outputMediaType),
    });
    this.place(unit, at);
    this.record.write(unit, { call: str(v.call), ref: str(v.ref) });
    return unit;
  }

  private steps(value: unknown, at: DocPath): Step[] {
    return this.named(value, at).map((s) => {
      const type = str(s.v.type);
      let step: Step;
      if (type === "lookup") {
        step = {
          type,
          name: s.name,
          index: str(s.v.index) ?? "",
          match: str(s.v.match) ?? "",
          lookupValue: str(s.v.lookupValue) ?? "",
          outputParameters: list(s.v.outputParameters).map(String),
        };
      } else if (type === "script") {
        step = defined({
          type,
          name: s.name,
          language: str(s.v.language),
          location: str(s.v.location),
          file: str(s.v.file) ?? "",
          dependencies: s.v.dependencies as string[] | undefined,
          with: s.v.with as Invocable["with"],
        });
      } else {
        // The operation is filled in by the resolver, from the written `call`.
        step = defined({ type: "call" as const, name: s.name, with: s.v.with as Invocable["with"] }) as Step;
        this.record.write(step, { call: str(s.v.call) });
      }
      return this.place(step, s.at);
    });
  }

  /**
   * Output parameters in any form: a list (mapped form, alpha2's named lists) or a map keyed by
   * name (Ikanos' orchestrated and mock forms), where `items` may also be a map of named fields.
   */
  private outputs(value: unknown, at: DocPath): OutputParam[] {
    if (Array.isArray(value)) return value.map((p, i) => this.output(obj(p), [...at, i], undefined));
    return Object.entries(obj(value)).map(([name, p]) => this.output(obj(p), [...at, name], name));
  }

  private output(v: Json, at: DocPath, name: string | undefined, nameIsKey = false): OutputParam {
    const props = v.properties === undefined ? undefined : obj(v.properties);
    let items: OutputParam["items"];
    if (Array.isArray(v.items)) items = v.items.map((p, i) => this.output(obj(p), [...at, "items", i], undefined));
    else if (v.items !== undefined && typeof obj(v.items).type !== "string") {
      // A map of named fields (Ikanos' orchestrated arrays): each element becomes an object.
      items = Object.entries(obj(v.items)).map(([k, p]) => this.output(obj(p), [...at, "items", k], k));
    } else if (v.items !== undefined) items = this.output(obj(v.items), [...at, "items"], undefined);
    return this.place(
      defined({
        name: nameIsKey ? undefined : (name ?? str(v.name)),
        type: str(v.type) ?? "string",
        mapping: str(v.mapping),
        value: str(v.value),
        const: v.const,
        description: str(v.description),
        // A property is named by its key; alpha2 files may repeat the key as `name`, which says nothing more.
        properties:
          props &&
          Object.fromEntries(
            Object.entries(props).map(([k, p]) => [k, this.output(obj(p), [...at, "properties", k], undefined, obj(p).name === k)]),
          ),
        items,
      }),
      at,
    );
  }

  // -------------------------------------------------------------------------------------------
  // exposes

  exposes(v: Json, at: DocPath): Exposes {
    const base = {
      namespace: str(v.namespace) ?? "",
      address: str(v.address),
      port: typeof v.port === "number" ? v.port : undefined,
      description: str(v.description),
      authentication: v.authentication as Exposes["authentication"],
    };
    switch (v.type) {
      case "rest":
        return this.place(
          defined({
            ...base,
            type: "rest" as const,
            port: base.port ?? 0,
            maxBinarySize: binarySize(v.maxBinarySize),
            resources: this.named(v.resources, [...at, "resources"]).map((r) => this.exposedResource(r.v, r.at, r.name || undefined)),
          }) satisfies ExposesRest,
          at,
        );
      case "mcp":
        return this.place(
          defined({
            ...base,
            type: "mcp" as const,
            transport: v.transport === "stdio" ? ("stdio" as const) : ("http" as const),
            maxBinarySize: binarySize(v.maxBinarySize),
            ttlMs: typeof v.ttlMs === "number" ? v.ttlMs : undefined,
            cacheScope: str(v.cacheScope),
            tools: this.named(v.tools, [...at, "tools"]).map((t) => this.tool(t.name, t.v, t.at)),
            resources: this.named(v.resources, [...at, "resources"]).map((r) => this.mcpResource(r.name, r.v, r.at)),
            prompts: this.named(v.prompts, [...at, "prompts"]).map((p) => this.prompt(p.name, p.v, p.at)),
          }) satisfies ExposesMcp,
          at,
        );
      case "skill":
        return this.place(
          defined({
            ...base,
            type: "skill" as const,
            port: base.port ?? 0,
            skills: this.named(v.skills, [...at, "skills"]).map((s) => this.skill(s.name, s.v, s.at)),
          }) satisfies ExposesSkill,
          at,
        );
      default:
        return this.place(
          defined({
            ...base,
            namespace: str(v.namespace),
            type: "control" as const,
            port: base.port ?? 0,
            management: v.management as ExposesControl["management"],
            observability: v.observability as ExposesControl["observability"],
          }) satisfies ExposesControl,
          at,
        );
    }
  }

  private exposedResource(v: Json, at: DocPath, name: string | undefined): ExposedResource {
    const forward = v.forward === undefined ? undefined : obj(v.forward);
    const resource: ExposedResource = defined({
      path: str(v.path) ?? "",
      name,
      display: this.display(v),
      description: str(v.description),
      tags: v.tags as string[] | undefined,
      inputParameters: this.exposedParams(v.inputParameters, [...at, "inputParameters"]),
      operations: this.named(v.operations, [...at, "operations"]).map((o) => {
        const unit = this.invocable(o.name, o.v, o.at);
        return this.record.copy(
          unit,
          defined({
            method: (str(o.v.method) ?? "GET").toUpperCase() as HttpMethod,
            responses: responseContract(o.v),
          }) as Partial<ExposedOperation>,
        ) as ExposedOperation;
      }),
      // The target is filled in by the resolver, from the written namespace.
      forward: forward && ({ trustedHeaders: list(forward.trustedHeaders).map(String) } as unknown as Forward),
    });
    if (resource.forward) {
      this.place(resource.forward, [...at, "forward"]);
      this.record.write(resource.forward, { forward: str(forward!.targetNamespace) });
    }
    return this.place(resource, at);
  }

  private tool(name: string, v: Json, at: DocPath): McpTool {
    const unit = this.invocable(name, v, at);
    return v.hints === undefined ? unit : this.record.copy(unit as McpTool, { hints: v.hints as McpTool["hints"] });
  }

  private mcpResource(name: string, v: Json, at: DocPath): McpResource {
    const unit = this.invocable(name, v, at);
    return this.record.copy(
      unit as McpResource,
      defined({
        uri: str(v.uri) ?? "",
        mimeType: str(v.mimeType),
        binary: v.binary as boolean | undefined,
        location: str(v.location),
      }) as Partial<McpResource>,
    );
  }

  private prompt(name: string, v: Json, at: DocPath): McpPrompt {
    return this.place(
      defined({
        name,
        display: this.display(v),
        description: str(v.description),
        arguments: this.named(v.arguments, [...at, "arguments"]).map((a) =>
          this.place(
            defined({
              name: a.name,
              display: this.display(a.v),
              description: str(a.v.description),
              required: a.v.required as boolean | undefined,
            }),
            a.at,
          ),
        ),
        template: v.template as McpPrompt["template"],
        location: str(v.location),
      }),
      at,
    );
  }

  private skill(name: string, v: Json, at: DocPath): Skill {
    const tools = this.named(v.tools, [...at, "tools"]).map((t) =>
      this.place(
        defined({
          name: t.name,
          description: str(t.v.description) ?? "",
          from: t.v.from as Skill["tools"][number]["from"],
          instruction: str(t.v.instruction),
        }),
        t.at,
      ),
    );
    const { tools: _tools, name: _name, ...rest } = v;
    return this.place({ ...(rest as Omit<Skill, "name" | "tools">), name, tools }, at);
  }

  aggregate(v: Json, at: DocPath): Aggregate {
    return this.place(
      defined({
        namespace: str(v.namespace) ?? "",
        display: this.display(v),
        // The key is set by the resolver, which knows the aggregate's final namespace.
        // A copy through the record keeps the flow's written `call` for the resolver, and its place for errors.
        flows: this.named(v[this.vocab.flows], [...at, this.vocab.flows]).map((f) =>
          this.record.copy(this.invocable(f.name, f.v, f.at) as Aggregate["flows"][number], { key: "" }),
        ),
      }),
      at,
    );
  }
}

/** `responses` as written, or the one binary response `responseBinary` stands for. */
function responseContract(v: Json): ExposedOperation["responses"] {
  if (v.responses !== undefined) return v.responses as ExposedOperation["responses"];
  if (v.responseBinary === undefined) return undefined;
  const short = obj(v.responseBinary);
  const status = String(typeof short.status === "number" ? short.status : 200);
  return { [status]: defined({ description: str(short.description), content: { [str(short.mediaType) ?? ""]: { binary: true } } }) };
}

/** Parameters of several levels merged; the most specific wins per name and `in`. */
function mergeParams(...levels: Array<ConsumedParam[] | undefined>): ConsumedParam[] {
  const merged = new Map<string, ConsumedParam>();
  for (const level of levels) for (const p of level ?? []) merged.set(`${p.in}:${p.name}`, p);
  return [...merged.values()];
}

/** `maxBinarySize`: a size with its unit (`512KiB`, `5MiB`, `1GiB`), in bytes. */
export function binarySize(v: unknown): number | undefined {
  if (typeof v !== "string") return undefined;
  const m = /^(\d+(?:\.\d+)?)(B|KiB|MiB|GiB)$/.exec(v);
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 }[m[2] as "B"]);
}
