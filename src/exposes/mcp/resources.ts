import type { ReadResourceResult, Resource, ResourceTemplateType as ResourceTemplate } from "@modelcontextprotocol/server";
import { MAX_READ_BODY, type CallerSignal } from "../../consumes/http/client.js";
import { InputError, UpstreamError } from "../../errors.js";
import { FormatError } from "../../mapping/formats.js";
import type { CallContext } from "../../observability/context.js";
import type { Runtime } from "../../runtime.js";
import { mcpLocationPath, resourcePrefixes, uriVariables } from "../../spec/mcp-resources.js";
import type { ExposesMcp, McpResource } from "../../spec/model.js";
import { compileInvocation, DEFAULT_MAX_BINARY_SIZE, invocationContext, type Invocation, type InvocationContext } from "../invocation.js";
import { readBinary } from "./binary.js";
import { isTextMediaType, mediaTypeOfFile } from "./media.js";
import type { CallWrapper, HeaderReader } from "./wrap.js";
import { readFileUpTo, staticDirectory, type StaticDirectory } from "./static-files.js";
import { internalError, invalidParams, resourceNotFound } from "./sdk.js";
import { readOutcome } from "./tools.js";

/**
 * The resources of one MCP block, as the reference engine serves them. Static ones (`location`)
 * list one entry per file of their directory and read a file by `<uri>/<relative path>`. Dynamic
 * ones (`call`/`steps`) call upstream on every read; a URI with `{name}` variables is a template
 * (listed by `resources/templates/list`), matched against the URI read and its values given to
 * the call as the resource's inputs, for its `with` to use. The first resource that matches a URI
 * answers it, in file order.
 */
export interface CompiledResources {
  /** `resources/list`: every static file and every dynamic resource without variables. */
  list(): Promise<Resource[]>;
  /** `resources/templates/list`: the dynamic resources with variables. */
  templates: ResourceTemplate[];
  read(uri: string, signal: CallerSignal | undefined, carrier: HeaderReader): Promise<ReadResourceResult>;
}

type Compiled =
  | { kind: "static"; resource: McpResource; dir: StaticDirectory }
  | { kind: "dynamic"; resource: McpResource; invocation: Invocation; match: (uri: string) => Record<string, string> | undefined };

export function compileResources(block: ExposesMcp, runtime: Runtime, wrap?: CallWrapper): CompiledResources {
  const ctx = invocationContext(runtime, {
    prefixes: resourcePrefixes(block),
    requiredByDefault: true,
    maxBinarySize: block.maxBinarySize,
  });
  const maxBinary = block.maxBinarySize ?? DEFAULT_MAX_BINARY_SIZE;
  const maxText = runtime.maxResponseBody ?? MAX_READ_BODY;
  const compiled = block.resources.map((resource) => compileResource(resource, ctx, runtime.capability.file));
  const templates = compiled.flatMap((c) =>
    c.kind === "dynamic" && uriVariables(c.resource.uri).length ? [{ uriTemplate: c.resource.uri, ...described(c.resource) }] : [],
  );

  const readStatic = async (c: Extract<Compiled, { kind: "static" }>, uri: string): Promise<ReadResourceResult> => {
    const relative = uri === c.resource.uri ? "" : uri.slice(c.resource.uri.length + 1);
    const { file } = await c.dir.resolve(relative, uri);
    const mimeType = c.resource.mimeType ?? mediaTypeOfFile(file);
    const text = isTextMediaType(mimeType);
    const limit = text ? maxText : maxBinary;
    const bytes = await readFileUpTo(file, limit, (size) =>
      internalError(
        `Resource ${uri} is ${size} bytes, more than the ${text ? "most this runtime reads whole" : "maxBinarySize"} (${limit} bytes)`,
      ),
    );
    return { contents: [text ? { uri, mimeType, text: bytes.toString("utf8") } : { uri, mimeType, blob: bytes.toString("base64") }] };
  };

  const readDynamic = async (
    c: Extract<Compiled, { kind: "dynamic" }>,
    uri: string,
    values: Record<string, string>,
    signal: CallerSignal | undefined,
    context: CallContext | undefined,
  ): Promise<ReadResourceResult> => {
    const { resource, invocation } = c;
    try {
      const outcome = await invocation.invoke(values, { signal, timeout: runtime.callTimeout, context });
      if (outcome.kind === "upstream-error") {
        if (outcome.status === 404) throw resourceNotFound(uri, `Resource not found: ${uri} (the upstream answered 404)`);
        throw internalError(`Upstream answered HTTP ${outcome.status}: ${outcome.body.toString("utf8")}`);
      }
      if (invocation.binary && (outcome.kind === "bytes" || outcome.kind === "stream")) {
        const { bytes, mediaType } = await readBinary(outcome);
        return { contents: [{ uri, mimeType: resource.mimeType ?? mediaType, blob: bytes.toString("base64") }] };
      }
      const { text } = await readOutcome(outcome, maxText);
      return { contents: [{ uri, mimeType: resource.mimeType ?? invocation.rawMediaType ?? "application/json", text }] };
    } catch (e) {
      if (e instanceof InputError) throw invalidParams(`Invalid resource URI ${uri}: ${e.message}`);
      if (e instanceof UpstreamError) throw internalError(`Upstream error (${e.status}): ${runtime.redactor.redact(e.message)}`);
      if (e instanceof FormatError) throw internalError(`Upstream error (502): ${e.message}`);
      throw e;
    }
  };

  const observed = <T>(name: string, carrier: HeaderReader, run: (context?: CallContext) => Promise<T>): Promise<T> =>
    wrap ? wrap({ name, method: "resources/read" }, carrier, run, () => false) : run();

  return {
    async list() {
      const out: Resource[] = [];
      for (const c of compiled) {
        if (c.kind === "static") {
          for (const relative of await c.dir.list().catch(() => [])) {
            const uri = `${c.resource.uri}/${relative}`;
            out.push({ uri, ...described(c.resource), mimeType: c.resource.mimeType ?? mediaTypeOfFile(relative) });
          }
        } else if (!uriVariables(c.resource.uri).length) out.push({ uri: c.resource.uri, ...described(c.resource) });
      }
      return out;
    },
    templates,
    read(uri, signal, carrier) {
      for (const c of compiled) {
        if (c.kind === "static") {
          if (uri === c.resource.uri || uri.startsWith(`${c.resource.uri}/`))
            return observed(c.resource.name, carrier, () => readStatic(c, uri));
          continue;
        }
        const values = c.match(uri);
        if (values) return observed(c.resource.name, carrier, (context) => readDynamic(c, uri, values, signal, context));
      }
      const count = compiled.length;
      return Promise.reject(
        resourceNotFound(
          uri,
          `Resource not found: ${uri} (this server has ${count} resource${count === 1 ? "" : "s"}; resources/list and resources/templates/list name them)`,
        ),
      );
    },
  };
}

function compileResource(resource: McpResource, ctx: InvocationContext, capabilityFile: string): Compiled {
  if (resource.location !== undefined) {
    const dir = mcpLocationPath(resource.location, capabilityFile);
    // Validation refuses such a location; a model built another way still gets a clear error.
    if (dir === undefined) throw new Error(`resource "${resource.name}": location ${resource.location} is not a file:/// URL`);
    return { kind: "static", resource, dir: staticDirectory(dir) };
  }
  const variables = uriVariables(resource.uri);
  // The URI's variables are the resource's inputs: strings, always given (a URI matches only with each).
  const invocation = compileInvocation(
    resource,
    ctx,
    variables.map((name) => ({ name, type: "string" as const, required: true })),
  );
  return { kind: "dynamic", resource, invocation, match: matcher(resource.uri, variables) };
}

/**
 * Matches a URI against a resource's: exactly, or, with `{name}` variables, each variable one or
 * more characters other than `/`, its value as written (as the reference engine matches them).
 */
function matcher(uri: string, variables: string[]): (candidate: string) => Record<string, string> | undefined {
  if (!variables.length) return (candidate) => (candidate === uri ? {} : undefined);
  const pattern = new RegExp(
    `^${uri
      .split(/\{[A-Za-z0-9_]+\}/)
      .map(escape)
      .join("([^/]+)")}$`,
  );
  return (candidate) => {
    const m = pattern.exec(candidate);
    return m ? Object.fromEntries(variables.map((name, i) => [name, m[i + 1]])) : undefined;
  };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** What a listing says of a resource besides its URI: its name, title, description and declared media type. */
function described(resource: McpResource): { name: string; title?: string; description?: string; mimeType?: string } {
  return {
    name: resource.name,
    ...(resource.display ? { title: resource.display } : {}),
    ...(resource.description ? { description: resource.description } : {}),
    ...(resource.mimeType ? { mimeType: resource.mimeType } : {}),
  };
}
