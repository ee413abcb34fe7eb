/**
 * MCP resources, checked where the schema cannot: a static resource's `location` is a directory
 * that exists, and nothing a static resource cannot use is declared on it; a dynamic resource's
 * URI variables (`{name}`) each feed its call, and its `with` reads only those variables; `binary`
 * needs an operation that answers bytes. Each URI is a URI, and names one resource.
 */
import { fs } from "../builtins.js";
import path from "node:path";
import { normalizeName } from "../mapping/names.js";
import { isBelow } from "../within.js";
import type { Capability, ConsumedOperation, ExposesMcp, McpResource, WithMap } from "./model.js";
import type { DocPath, Problem } from "./problems.js";
import { acceptedParams, withInputNames } from "./operation-inputs.js";
import { scriptDirectory } from "./script-files.js";

type Report = (node: object, below: DocPath, message: string, severity?: Problem["severity"]) => void;

/** Every `{…}` of a URI: `{name}` is a variable; any other form is reported. */
const EXPRESSION = /\{([^{}]*)\}/g;
/** The variables a resource URI may have, as the reference engine matches them. */
const VARIABLE = /^[A-Za-z0-9_]+$/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/** The `{name}` variables of a resource URI, in order. */
export function uriVariables(uri: string): string[] {
  return [...uri.matchAll(EXPRESSION)].map((m) => m[1]).filter((name) => VARIABLE.test(name));
}

/**
 * A static resource's or prompt's `location` as a local path: `file:///abs/path`, or
 * `file:///./relative` from the capability file, as script steps read theirs (in a binary made by
 * `naftiko build`, the copy embedded in it); undefined when it is not a `file:///` URL.
 */
export function mcpLocationPath(location: string, capabilityFile: string): string | undefined {
  try {
    return scriptDirectory(location, capabilityFile);
  } catch {
    return undefined;
  }
}

/** A path segment of a static resource's file, as a read accepts it: no `..`, no encoded escape, nothing empty. */
export function isSafeSegment(segment: string): boolean {
  return SAFE_SEGMENT.test(segment) && segment !== "." && segment !== "..";
}

const SAFE_SEGMENT = /^[A-Za-z0-9._-]+$/;

/**
 * The files of a static resource's directory a read can reach (see exposes/mcp/static-files.ts),
 * listed once at load: `naftiko build` embeds them, `--watch` follows them.
 */
function filesBelow(dir: string, into: Set<string>): void {
  // Paths as the location writes them (the capability's folder, for naftiko build); links checked by their real ones.
  let base: string;
  try {
    base = fs.realpathSync(dir);
  } catch {
    return;
  }
  const walk = (current: string) => {
    let entries;
    try {
      entries = fs.readdirSync(current, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (!isSafeSegment(entry.name)) continue;
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) into.add(full);
      else if (entry.isSymbolicLink()) {
        try {
          const real = fs.realpathSync(full);
          if (isBelow(real, base) && fs.statSync(real).isFile()) into.add(full);
        } catch {
          // a dangling link is no file
        }
      }
    }
  };
  walk(dir);
}

/** A location as a problem names it: a relative one with the path it was read as. */
export function shownLocation(location: string, file: string): string {
  return location.startsWith("file:///.") ? `${location} (${file})` : location;
}

/** `with` prefixes that name a resource's URI variables, as for the block's tools. */
export function resourcePrefixes(block: ExposesMcp): string[] {
  return ["tools", block.namespace];
}

/** Also adds the files of static resources to `cap.files`. */
export function checkMcpResources(block: ExposesMcp, cap: Capability, report: Report): void {
  const files = new Set(cap.files);
  const seen = new Map<string, string>();
  for (const resource of block.resources) {
    const { uri } = resource;
    if (!SCHEME.test(uri)) report(resource, ["uri"], `uri "${uri}" has no scheme (docs://…, data://…): MCP names a resource by a URI`);
    const prior = seen.get(uri);
    if (prior) report(resource, ["uri"], `uri "${uri}" is already the uri of resource "${prior}"; a read would never reach this one`);
    else seen.set(uri, resource.name);
    for (const m of uri.matchAll(EXPRESSION)) {
      if (!VARIABLE.test(m[1]))
        report(
          resource,
          ["uri"],
          `"{${m[1]}}" in uri "${uri}" is not a variable this runtime matches: write {name}, letters, digits and _ only`,
        );
    }
    if (resource.location !== undefined) {
      const dir = checkStatic(resource, cap.file, report);
      if (dir !== undefined) filesBelow(dir, files);
    } else checkDynamic(resource, resourcePrefixes(block), report);
  }
  cap.files.splice(0, cap.files.length, ...files);
}

/** The directory of a static resource, when it is one. */
function checkStatic(resource: McpResource, capabilityFile: string, report: Report): string | undefined {
  if (uriVariables(resource.uri).length)
    report(
      resource,
      ["uri"],
      `a static resource's uri is the prefix of its files' URIs (${resource.uri}/<file>); it cannot have {variables}`,
    );
  if (resource.binary)
    report(resource, ["binary"], "binary: true applies to dynamic resources; a static file is sent as text or as a blob by its media type");
  for (const field of ["with", "outputParameters", "mappings"] as const) {
    const value = resource[field];
    if (value !== undefined && !(Array.isArray(value) && value.length === 0))
      report(resource, [field], `${field} has nothing to act on in a static resource (location): its files are served as they are`);
  }
  const dir = mcpLocationPath(resource.location!, capabilityFile);
  if (dir === undefined) {
    report(resource, ["location"], `location "${resource.location}" is not a file:/// URL`);
    return undefined;
  }
  const shown = shownLocation(resource.location!, dir);
  try {
    if (fs.statSync(dir).isDirectory()) return dir;
    report(resource, ["location"], `location ${shown} is not a directory: a static resource serves the files of a directory`);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    report(
      resource,
      ["location"],
      code === "ENOENT"
        ? `location ${shown} does not exist: a static resource serves the files of a directory`
        : `location ${shown} cannot be read (${code ?? (e as Error).message})`,
    );
  }
  return undefined;
}

function checkDynamic(resource: McpResource, prefixes: string[], report: Report): void {
  const binary = resource.call?.outputRawFormat === "binary";
  if (resource.binary && !binary)
    report(
      resource,
      ["binary"],
      resource.call
        ? `binary: true needs ${resource.call.key} to declare outputRawFormat: binary`
        : "binary: true needs a call of an operation that declares outputRawFormat: binary",
    );
  const variables = uriVariables(resource.uri);
  const known = new Set(variables.map(normalizeName));
  const fed = new Set<string>();
  /** Collects the variables a `with` reads; reports what it reads that is none (a script step's `with` is checked with its script). */
  const read = (node: object, below: DocPath, withMap: WithMap | undefined, check = true) => {
    for (const [key, value] of Object.entries(withMap ?? {})) {
      for (const name of withInputNames(value, prefixes)) {
        fed.add(normalizeName(name));
        if (check && !known.has(normalizeName(name)))
          report(
            node,
            [...below, key],
            `"${value}" reads "${name}", which is not a variable of the resource's uri ${resource.uri} (variables: ${variables.join(", ") || "none"})`,
          );
      }
    }
  };
  read(resource, ["with"], resource.with);
  for (const step of resource.steps ?? []) {
    if (step.type === "call") read(step, ["with"], step.with);
    else if (step.type === "script") read(step, ["with"], step.with, false);
  }
  // Without a `with`, a variable goes to the parameter of the same name.
  const calls = [
    ...(resource.call && !resource.with ? [resource.call] : []),
    ...(resource.steps ?? []).flatMap((s) => (s.type === "call" && s.call && !s.with ? [s.call] : [])),
  ];
  for (const call of calls) for (const p of acceptedParams(call)) fed.add(normalizeName(p));
  if (resource.call) checkCallFed(resource, resource.call, variables, report);
  // A script sees every input in its `context`: whether it reads one cannot be known here.
  if (resource.steps?.some((s) => s.type === "script")) for (const v of variables) fed.add(normalizeName(v));
  for (const v of variables) {
    if (!fed.has(normalizeName(v)))
      report(
        resource,
        resource.with ? ["with"] : ["uri"],
        `uri variable {${v}} of ${resource.uri} feeds nothing: name it in with (e.g. "{{${v}}}"), or it would be matched and never used`,
      );
  }
}

/**
 * A resource's only inputs are its URI's variables: a path parameter of its call that neither its
 * `with` nor a variable of the same name gives would fail every read.
 */
function checkCallFed(resource: McpResource, call: ConsumedOperation, variables: string[], report: Report): void {
  const given = resource.with ? Object.keys(resource.with) : variables;
  const fed = new Set(given.map(normalizeName));
  for (const p of call.params) {
    if (p.value !== undefined || p.in !== "path") continue;
    if (fed.has(normalizeName(p.name))) continue;
    report(
      resource,
      resource.with ? ["with"] : ["call"],
      `parameter "${p.name}" (in: ${p.in}) of ${call.key} is given nothing: a resource's inputs are its uri's variables (${variables.map((v) => `{${v}}`).join(", ") || "none"}); ${resource.with ? `add "${p.name}" to with` : `add {${p.name}} to the uri, or a with`}`,
    );
  }
}
