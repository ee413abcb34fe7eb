/**
 * The one model of a capability, whatever version of the spec its file was written in. The loader
 * reads a file by the version it declares, validates it against that version's schema, normalises
 * it into these types (spec/versions/) and resolves every reference into an object (spec/resolve.ts).
 * Nothing after the loader knows which version a file was, or looks anything up by name.
 *
 * Field names are the spec's own, in its newest words (`display`, `flows`, `target`). Entities the
 * spec names by a key (a tool, an operation, a parameter, a step) carry it as `name`, in the order
 * the file gives them.
 */

export type ParamType = "string" | "number" | "integer" | "boolean" | "array" | "object";
export type ParamIn = "query" | "header" | "path" | "cookie" | "body" | "environment";
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** A loaded, validated and resolved capability. */
export interface Capability {
  /** Absolute path of the capability file. */
  file: string;
  /** Every file it was read from or reads at run time (imports, scripts, schema files), for `--watch` and `naftiko build`. */
  files: string[];
  /** The spec documents it imports entries from, each read by the version it declares. */
  imports: string[];
  /** The spec and version the file declared, as a user reads it: `ikanos 1.0.0-beta5`. */
  specVersion: string;
  info?: Info;
  /** Root and capability binds, imported ones inlined. */
  binds: Bind[];
  /** Inline and imported consumes blocks; an imported one under its local name (`as`). */
  consumes: ConsumesHttp[];
  /** `namespace.operation` → the consumed operation, for tools that take a name on the command line. */
  operations: ReadonlyMap<string, ConsumedOperation>;
  aggregates: Aggregate[];
  exposes: Exposes[];
  /** Warnings found while loading (errors stop the load). */
  warnings: import("./problems.js").Problem[];
}

export interface Info {
  display?: string;
  description?: string;
  version?: string;
  tags?: string[];
  created?: string;
  modified?: string;
  stakeholders?: Array<{ role: string; fullName: string; email?: string }>;
}

export interface Bind {
  namespace: string;
  description?: string;
  location?: string;
  keys: Record<string, string>;
  /** The file that declared it: a relative `location` is read from beside it. */
  file: string;
}

// ---------------------------------------------------------------------------------------------
// consumes

export interface ConsumesHttp {
  type: "http";
  namespace: string;
  baseUri: string;
  description?: string;
  /** Parameters every operation of the block sends. */
  inputParameters: ConsumedParam[];
  authentication?: Authentication;
  resources: ConsumedResource[];
}

export interface ConsumedResource {
  name: string;
  path: string;
  display?: string;
  description?: string;
  tags?: string[];
  inputParameters: ConsumedParam[];
  operations: ConsumedOperation[];
}

export interface ConsumedOperation {
  name: string;
  /** `namespace.name`, as a `call` writes it. */
  key: string;
  method: HttpMethod;
  display?: string;
  description?: string;
  tags?: string[];
  /** Block, resource and operation parameters merged; the most specific wins per name and `in`. */
  params: ConsumedParam[];
  body?: RequestBody;
  outputRawFormat?: string;
  outputMediaType?: string;
  maxBinarySize?: number;
  outputSchema?: string;
  /** `outputSchema` of an avro or protobuf operation as a file path, resolved from the file declaring it. */
  outputSchemaFile?: string;
  outputParameters: ConsumedOutput[];
  consumes: ConsumesHttp;
  resource: ConsumedResource;
}

/** A consumed parameter; `type`, `required` and `description` come from the generated dialect. */
export interface ConsumedParam {
  name: string;
  in: ParamIn;
  value?: string;
  type?: ParamType;
  required?: boolean;
  description?: string;
}

export interface ConsumedOutput {
  name: string;
  type: string;
  value: string;
}

export type RequestBody =
  | string
  | { type: "json"; data: unknown }
  | { type: "text" | "xml" | "sparql"; data: string }
  | { type: "formUrlEncoded"; data: string | Record<string, string> }
  | { type: "multipartForm"; data: Array<{ name: string; value: string; filename?: string; contentType?: string }> };

export type Authentication =
  | { type: "basic"; username?: string; password?: string }
  | { type: "apikey"; key?: string; value?: string; placement?: "header" | "query" }
  | { type: "bearer"; token?: string }
  | { type: "digest"; username?: string; password?: string }
  | AuthOAuth2;

/**
 * On an exposes block, a resource server checking incoming bearer tokens; on a consumes block, a
 * client of the authorization server (client credentials grant: `clientId`, `clientSecret`,
 * `tokenEndpointAuthMethod`, which only a consumes block may carry).
 */
export interface AuthOAuth2 {
  type: "oauth2";
  authorizationServerUri: string;
  resource: string;
  scopes?: string[];
  audience?: string;
  tokenEndpoint?: string;
  tokenValidation?: "jwks" | "introspection";
  clientId?: string;
  clientSecret?: string;
  tokenEndpointAuthMethod?: "client_secret_basic" | "client_secret_post";
}

// ---------------------------------------------------------------------------------------------
// what exposes blocks and aggregates invoke

/**
 * What REST operations, MCP tools, MCP resources and aggregate flows share: an invocable unit. A
 * `ref` to an aggregate flow is already merged in (the flow's fields under the unit's own).
 */
export interface Invocable {
  name: string;
  display?: string;
  description?: string;
  tags?: string[];
  inputParameters: ExposedParam[];
  /** The consumed operation a simple unit calls. */
  call?: ConsumedOperation;
  with?: WithMap;
  steps?: Step[];
  mappings?: StepMapping[];
  outputParameters?: OutputParam[];
  /** From the aggregate flow the unit refers to (or is). */
  semantics?: Semantics;
  outputMediaType?: string;
  /** The aggregate flow it refers to, if any (`ref`). */
  flow?: Flow;
}

export type WithMap = Record<string, string | number | boolean>;

export interface StepMapping {
  target: string;
  value: string;
}

export interface Semantics {
  safe?: boolean;
  idempotent?: boolean;
  cacheable?: boolean;
}

/** Exposed input parameter: REST (`in`, `pattern`) and MCP (`required`) flavours together. */
export interface ExposedParam {
  name: string;
  type: ParamType;
  description?: string;
  in?: ParamIn;
  pattern?: string;
  value?: string;
  required?: boolean;
}

export type Step = CallStep | LookupStep | ScriptStep;

export interface CallStep {
  type: "call";
  name: string;
  call: ConsumedOperation;
  with?: WithMap;
}

export interface LookupStep {
  type: "lookup";
  name: string;
  index: string;
  match: string;
  lookupValue: string;
  outputParameters: string[];
}

export interface ScriptStep {
  type: "script";
  name: string;
  language?: string;
  location?: string;
  /** The step's own `location` as an absolute directory, resolved at load (from the file declaring it). */
  directory?: string;
  file: string;
  dependencies?: string[];
  with?: WithMap;
}

/** Output parameter in any of the spec's forms (mapped, orchestrated, mock). */
export interface OutputParam {
  name?: string;
  type: string;
  mapping?: string;
  value?: string;
  const?: unknown;
  description?: string;
  properties?: Record<string, OutputParam>;
  /** One shape for every element, or (orchestrated form) the named fields of each element. */
  items?: OutputParam | OutputParam[];
}

export interface Aggregate {
  namespace: string;
  display?: string;
  flows: Flow[];
}

export interface Flow extends Invocable {
  /** `aggregate.flow`, as a `ref` writes it. */
  key: string;
}

// ---------------------------------------------------------------------------------------------
// exposes

export type Exposes = ExposesRest | ExposesMcp | ExposesSkill | ExposesControl;

interface ExposesBase {
  namespace: string;
  address?: string;
  port?: number;
  description?: string;
  authentication?: Authentication;
}

export interface ExposesRest extends ExposesBase {
  type: "rest";
  port: number;
  maxBinarySize?: number;
  resources: ExposedResource[];
}

export interface ExposedResource {
  path: string;
  name?: string;
  display?: string;
  description?: string;
  tags?: string[];
  inputParameters: ExposedParam[];
  operations: ExposedOperation[];
  forward?: Forward;
}

export interface Forward {
  target: ConsumesHttp;
  trustedHeaders: string[];
}

export interface ExposedOperation extends Invocable {
  method: HttpMethod;
  /** The response contract by status code (`responseBinary` is its shorthand, expanded at load). */
  responses?: Record<string, ResponseContract>;
}

export interface ResponseContract {
  description?: string;
  /** By media type: raw bytes (`binary`), or a structured payload with its JSON Schema. */
  content?: Record<string, { binary?: boolean; schema?: Record<string, unknown> }>;
}

export interface ExposesMcp extends ExposesBase {
  type: "mcp";
  transport: "http" | "stdio";
  maxBinarySize?: number;
  ttlMs?: number;
  cacheScope?: string;
  tools: McpTool[];
  resources: McpResource[];
  prompts: McpPrompt[];
}

export interface McpTool extends Invocable {
  hints?: McpHints;
}

export interface McpHints {
  readOnly?: boolean;
  destructive?: boolean;
  idempotent?: boolean;
  openWorld?: boolean;
}

/** Dynamic (`call`/`steps`) or static (`location`: a directory whose files are the resources). */
export interface McpResource extends Invocable {
  uri: string;
  mimeType?: string;
  binary?: boolean;
  location?: string;
}

export interface McpPrompt {
  name: string;
  display?: string;
  description?: string;
  arguments: Array<{ name: string; display?: string; description?: string; required?: boolean }>;
  template?: Array<{ role: "user" | "assistant"; content: string }>;
  location?: string;
}

export interface ExposesSkill extends ExposesBase {
  type: "skill";
  port: number;
  skills: Skill[];
}

export interface Skill {
  name: string;
  description: string;
  license?: string;
  compatibility?: string;
  metadata?: Record<string, string>;
  "allowed-tools"?: string;
  "argument-hint"?: string;
  "user-invocable"?: boolean;
  "disable-model-invocation"?: boolean;
  location?: string;
  tools: SkillTool[];
}

export interface SkillTool {
  name: string;
  description: string;
  from?: { sourceNamespace: string; action: string };
  instruction?: string;
}

export interface ExposesControl {
  type: "control";
  namespace?: string;
  address?: string;
  port: number;
  description?: string;
  authentication?: Authentication;
  management?: Record<string, unknown>;
  observability?: Record<string, unknown>;
}
