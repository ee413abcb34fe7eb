/**
 * The capability document as the loader hands it on: the YAML data, already schema-checked, with
 * imports inlined. Field names are the spec's own; only what the runtime reads is typed here.
 */

export type ParamType = "string" | "number" | "integer" | "boolean" | "array" | "object";
export type ParamIn = "query" | "header" | "path" | "cookie" | "body" | "environment";
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface Document {
  naftiko: string;
  info?: Info;
  binds?: Bind[];
  consumes?: ConsumesEntry[];
  capability?: CapabilitySpec;
}

export interface Info {
  label: string;
  description: string;
  tags?: string[];
  created?: string;
  modified?: string;
}

export interface Bind {
  namespace: string;
  description?: string;
  location?: string;
  keys: Record<string, string>;
}

export interface CapabilitySpec {
  binds?: Bind[];
  consumes?: ConsumesEntry[];
  exposes?: Exposes[];
  aggregates?: Aggregate[];
}

export type ConsumesEntry = ConsumesHttp | ImportedConsumes;

export interface ImportedConsumes {
  location: string;
  import: string;
  as?: string;
  description?: string;
}

export interface ConsumesHttp {
  type: "http";
  namespace: string;
  baseUri: string;
  description?: string;
  inputParameters?: ConsumedParam[];
  authentication?: Authentication;
  resources?: ConsumedResource[];
}

export interface ConsumedResource {
  name: string;
  path: string;
  label?: string;
  description?: string;
  inputParameters?: ConsumedParam[];
  operations: ConsumedOperation[];
}

export interface ConsumedOperation {
  name: string;
  method: HttpMethod;
  label?: string;
  description?: string;
  inputParameters?: ConsumedParam[];
  outputRawFormat?: string;
  outputSchema?: string;
  outputParameters?: ConsumedOutput[];
  body?: RequestBody;
}

/** A consumed parameter; `type`, `required` and `description` are the generated dialect's R1. */
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

export type Exposes = ExposesRest | ExposesMcp | ExposesSkill | ExposesControl;

export interface ExposesBase {
  namespace: string;
  address?: string;
  port?: number;
  description?: string;
  authentication?: Authentication;
}

export interface ExposesRest extends ExposesBase {
  type: "rest";
  port: number;
  resources?: ExposedResource[];
}

export interface ExposesMcp extends ExposesBase {
  type: "mcp";
  transport?: "http" | "stdio";
  tools: McpTool[];
  resources?: unknown[];
  prompts?: unknown[];
}

export interface ExposesSkill extends ExposesBase {
  type: "skill";
  port: number;
  skills: unknown[];
}

export interface ExposesControl {
  type: "control";
  namespace?: string;
  address?: string;
  port: number;
  authentication?: Authentication;
  management?: Record<string, unknown>;
  observability?: Record<string, unknown>;
}

export interface ExposedResource {
  path: string;
  name?: string;
  label?: string;
  description?: string;
  inputParameters?: ExposedParam[];
  operations?: ExposedOperation[];
  forward?: { targetNamespace: string; trustedHeaders?: string[] };
}

/** What REST operations, MCP tools and aggregate functions share: an invocable unit. */
export interface Invocable {
  name?: string;
  label?: string;
  description?: string;
  inputParameters?: ExposedParam[];
  ref?: string;
  call?: string;
  with?: Record<string, string | number>;
  steps?: Step[];
  mappings?: Array<{ targetName: string; value: string }>;
  outputParameters?: OutputParam[];
}

export interface ExposedOperation extends Invocable {
  method: HttpMethod;
}

export interface McpTool extends Invocable {
  hints?: { readOnly?: boolean; destructive?: boolean; idempotent?: boolean; openWorld?: boolean };
}

export interface Aggregate {
  label: string;
  namespace: string;
  functions: AggregateFunction[];
}

export interface AggregateFunction extends Invocable {
  name: string;
  semantics?: { safe?: boolean; idempotent?: boolean; cacheable?: boolean };
}

/** Exposed input parameter: REST (`in` + `pattern`) and MCP (`required`) flavours together. */
export interface ExposedParam {
  name: string;
  type: ParamType;
  description: string;
  in?: ParamIn;
  pattern?: string;
  value?: string;
  required?: boolean;
}

export type Step =
  | { type: "call"; name: string; call: string; with?: Record<string, string | number> }
  | { type: "lookup"; name: string; index: string; match: string; lookupValue: string; outputParameters: string[] }
  | { type: "script"; name: string; [k: string]: unknown };

/** Output parameter in any of the spec's forms (mapped, orchestrated, mock). */
export interface OutputParam {
  name?: string;
  type: string;
  mapping?: string;
  value?: string;
  const?: unknown;
  properties?: Record<string, OutputParam>;
  items?: OutputParam | OutputParam[];
  maxLength?: number;
}
