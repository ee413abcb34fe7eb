import { normalizeName } from "../mapping/names.js";
import { literalText, pathVariables } from "../mapping/path-template.js";
import { pathProblem } from "../mapping/jsonpath.js";
import { hasPlaceholders } from "../mapping/template.js";
import { authenticationProblems } from "./authentication.js";
import { checkForwards } from "./forward.js";
import { checkIdentifiers } from "./identifiers.js";
import { checkInputValues } from "./input-values.js";
import { checkMcpPrompts } from "./mcp-prompts.js";
import { checkMcpResources, resourcePrefixes } from "./mcp-resources.js";
import { acceptedParams, withInputNames } from "./operation-inputs.js";
import { checkPathFeeds } from "./path-feeds.js";
import type {
  Capability,
  ConsumedOperation,
  ExposedOperation,
  Exposes,
  ExposesMcp,
  ExposesRest,
  Invocable,
  Step,
  WithMap,
} from "./model.js";
import type { DocPath, Problem } from "./problems.js";
import { NAME, reporter, type LoadRecord } from "./record.js";

type Report = (node: object, below: DocPath, message: string, severity?: Problem["severity"], key?: boolean) => void;

/**
 * Cross-references the schema cannot see, on the resolved model: namespaces and ports unique, every
 * `with` key a parameter of the called operation, every input a `with` names declared, every step
 * and mapping reading what exists, every exposed path variable feeding the call. A broken file
 * fails at load time instead of on some later request.
 */
export function checkReferences(cap: Capability, record: LoadRecord): Problem[] {
  const problems: Problem[] = [];
  const report: Report = reporter({ record, problems, file: cap.file });

  checkNamespaces(cap, report);
  checkIdentifiers(cap, report);
  checkPorts(cap.exposes, report);
  checkConsumes(cap, report);
  checkPathFeeds(cap, report);
  checkInputValues(cap, report);
  checkForwards(cap, report);
  authenticationProblems(cap, report);

  for (const agg of cap.aggregates) {
    for (const flow of agg.flows)
      checkInvocable(
        flow,
        [agg.namespace],
        report,
        flow.inputParameters.map((p) => p.name),
      );
  }
  for (const block of cap.exposes) {
    if (block.type === "rest") {
      for (const resource of block.resources) {
        const vars = pathVariables(resource.path);
        for (const op of resource.operations) {
          const declared = [...resource.inputParameters, ...op.inputParameters].map((p) => p.name);
          checkInvocable(op, ["rest", block.namespace], report, declared.length ? [...declared, ...vars] : undefined);
          if (op.call && op.with && !declared.length) {
            const fed = new Set(
              Object.values(op.with)
                .flatMap((v) => withInputNames(v, ["rest", block.namespace]))
                .map(normalizeName),
            );
            for (const v of vars) {
              if (!fed.has(normalizeName(v)))
                report(op, ["with"], `path variable {${v}} of ${resource.path} feeds no parameter of ${op.call.key}`);
            }
          }
        }
      }
    } else if (block.type === "mcp") {
      for (const tool of block.tools) {
        checkInvocable(
          tool,
          ["tools", block.namespace],
          report,
          tool.inputParameters.length ? tool.inputParameters.map((p) => p.name) : undefined,
        );
        if (tool.name.length > 64)
          report(tool, NAME, `tool name is ${tool.name.length} characters; MCP clients reject names over 64`, "warning");
      }
      // A resource's inputs are its URI's variables: what its `with` reads is checked with them.
      for (const resource of block.resources)
        if (resource.location === undefined) checkInvocable(resource, resourcePrefixes(block), report);
      checkMcpResources(block, cap, report);
      checkMcpPrompts(block, cap, report);
      if (block.ttlMs !== undefined && block.ttlMs < 0)
        report(block, ["ttlMs"], `ttlMs is ${block.ttlMs}: a freshness hint is a number of milliseconds, 0 or more`);
    }
  }
  checkStdio(cap.exposes, report);
  for (const block of cap.exposes) if (block.type === "skill") checkSkills(block, cap.exposes, report);
  return problems;
}

/** One process has one stdin/stdout: a second `transport: stdio` MCP block could never be served. */
function checkStdio(exposes: Exposes[], report: Report) {
  const stdio = exposes.filter((b): b is ExposesMcp => b.type === "mcp" && b.transport === "stdio");
  for (const b of stdio.slice(1)) {
    report(
      b,
      ["transport"],
      `MCP block "${b.namespace}" is a second block on stdio ("${stdio[0].namespace}" is the first): a process has one stdin/stdout; serve this one over HTTP (transport: http and a port)`,
    );
  }
}

/** A skill tool `from` must name a sibling REST or MCP block and one of its operations or tools. */
function checkSkills(block: Extract<Exposes, { type: "skill" }>, exposes: Exposes[], report: Report) {
  for (const skill of block.skills) {
    for (const tool of skill.tools) {
      if (tool.instruction !== undefined && !skill.location) {
        report(tool, ["instruction"], `tool "${tool.name}" uses an instruction file but skill "${skill.name}" has no location`);
      }
      if (!tool.from) continue;
      const source = exposes.find(
        (x): x is ExposesRest | ExposesMcp => x.namespace === tool.from!.sourceNamespace && (x.type === "rest" || x.type === "mcp"),
      );
      if (!source) {
        const known = exposes.filter((x) => x.type === "rest" || x.type === "mcp").map((x) => x.namespace);
        report(
          tool,
          ["from", "sourceNamespace"],
          `"${tool.from.sourceNamespace}" names no sibling rest or mcp exposes block (known: ${known.join(", ") || "none"})`,
        );
        continue;
      }
      const actions =
        source.type === "mcp" ? source.tools.map((x) => x.name) : source.resources.flatMap((r) => r.operations.map((o) => o.name));
      if (!actions.includes(tool.from.action)) {
        report(
          tool,
          ["from", "action"],
          `"${tool.from.action}" is not a ${source.type === "mcp" ? "tool" : "operation"} of "${source.namespace}" (known: ${actions.filter(Boolean).join(", ") || "none"})`,
        );
      }
    }
  }
}

function checkNamespaces(cap: Capability, report: Report) {
  const seen = new Map<string, string>();
  const claim = (node: object, ns: string | undefined, what: string) => {
    if (!ns) return;
    const prior = seen.get(ns);
    if (prior) report(node, ["namespace"], `duplicate namespace "${ns}" (already used by ${prior})`);
    else seen.set(ns, what);
  };
  cap.consumes.forEach((c, i) => claim(c, c.namespace, `consumes[${i}]`));
  cap.exposes.forEach((x, i) => claim(x, x.namespace, `exposes[${i}]`));
  cap.aggregates.forEach((a, i) => claim(a, a.namespace, `aggregates[${i}]`));
}

function checkPorts(exposes: Exposes[], report: Report) {
  const seen = new Map<number, number>();
  exposes.forEach((x, i) => {
    if (x.port === undefined || (x.type === "mcp" && x.transport === "stdio")) return;
    const prior = seen.get(x.port);
    if (prior !== undefined)
      report(x, ["port"], `port ${x.port} is already used by exposes[${prior}] (${exposes[prior].namespace ?? exposes[prior].type})`);
    else seen.set(x.port, i);
  });
}

function checkConsumes(cap: Capability, report: Report) {
  for (const c of cap.consumes) {
    const names = new Set<string>();
    for (const res of c.resources) {
      if (/[^A-Za-z0-9\-._~!$&'()*+,;=:@/{}%]/.test(literalText(res.path))) {
        report(res, ["path"], `path "${res.path}" has characters that are not valid in a URL; they will be percent-encoded`, "warning");
      }
      for (const op of res.operations) {
        if (names.has(op.name)) report(op, NAME, `duplicate operation name "${op.name}" in consumes "${c.namespace}"`);
        names.add(op.name);
        for (const out of op.outputParameters) {
          const bad = out.value.trim().startsWith("$") ? pathProblem(out.value.trim()) : undefined;
          if (bad) report(out, ["value"], bad);
        }
        const hasBody = op.params.some((p) => p.in === "body") || op.body !== undefined;
        if (hasBody && op.method === "GET")
          report(op, [], `${op.method} operation "${op.name}" declares a request body; it will not be sent`, "warning");
      }
    }
  }
}

/**
 * Raw bytes (`outputRawFormat: binary`) pass through whole: nothing can map them, and a step cannot
 * read them. A unit's `outputMediaType` only names the type of such bytes.
 */
function checkBinary(unit: Invocable, report: Report) {
  const binary = unit.call?.outputRawFormat === "binary";
  if (binary && unit.outputParameters?.length && unit.outputParameters !== unit.flow?.outputParameters) {
    report(
      unit,
      ["outputParameters"],
      `${unit.call!.key} answers raw bytes (outputRawFormat: binary); outputParameters cannot shape them and are not applied`,
      "warning",
    );
  }
  if (unit.outputMediaType !== undefined && !binary && unit.outputMediaType !== unit.flow?.outputMediaType) {
    report(
      unit,
      ["outputMediaType"],
      "outputMediaType names the type of raw bytes, but this unit calls no operation with outputRawFormat: binary",
    );
  }
  for (const step of unit.steps ?? []) {
    if (step.type === "call" && step.call?.outputRawFormat === "binary") {
      report(
        step,
        ["call"],
        `${step.call.key} answers raw bytes (outputRawFormat: binary), which a step cannot read; call it from a unit of its own`,
      );
    }
  }
  const responses = (unit as ExposedOperation).responses ?? {};
  for (const [status, response] of Object.entries(responses)) {
    for (const [type, content] of Object.entries(response.content ?? {})) {
      if (content.binary && !binary) {
        report(
          unit,
          ["responses", status, "content", type, "binary"],
          "a binary response needs the called operation to declare outputRawFormat: binary",
        );
      }
    }
  }
}

function checkInvocable(unit: Invocable, prefixes: string[], report: Report, declaredInputs?: string[]) {
  checkBinary(unit, report);
  // What a unit takes from its aggregate flow is checked once, on the flow.
  const own = <K extends keyof Invocable>(key: K) => (unit.flow && unit[key] === unit.flow[key] ? undefined : unit[key]);
  const withMap = own("with");
  if (unit.call && (withMap || !unit.flow)) checkWithKeys(unit, unit.call, withMap, report);
  if (declaredInputs && withMap) checkWithInputs(unit, withMap, prefixes, declaredInputs, report);
  const steps: Step[] = own("steps") ?? [];
  const earlier = new Map<string, Step>();
  const names = new Set(steps.map((x) => x.name));
  /** A `$.<step>…` expression must start at an earlier step (or, in mappings, any step). */
  const checkStepPath = (node: object, below: DocPath, expr: string, known: ReadonlySet<string>, what: string) => {
    const bad = pathProblem(expr);
    if (bad) return report(node, below, bad);
    const first = firstSegment(expr);
    if (first !== undefined && !known.has(first)) {
      const all = known === names;
      report(
        node,
        below,
        `${what} "${expr}" reads step "${first}", which is not ${all ? "a step" : "an earlier step"} (${all ? "steps" : "earlier"}: ${[...known].join(", ") || "none"})`,
      );
    }
  };
  for (const step of steps) {
    if (earlier.has(step.name)) report(step, NAME, `duplicate step name "${step.name}"`);
    if (step.type === "call" && step.call) {
      checkWithKeys(step, step.call, step.with, report);
      for (const [key, value] of Object.entries(step.with ?? {})) {
        if (typeof value === "string" && value.trim().startsWith("$"))
          checkStepPath(step, ["with", key], value.trim(), new Set(earlier.keys()), "value");
      }
      if (declaredInputs && step.with) {
        const inputs = Object.fromEntries(
          Object.entries(step.with).filter(([, v]) => !(typeof v === "string" && v.trim().startsWith("$"))),
        );
        checkWithInputs(step, inputs, prefixes, declaredInputs, report);
      }
    }
    if (step.type === "lookup") {
      const index = earlier.get(step.index);
      if (!index)
        report(
          step,
          ["index"],
          `lookup index "${step.index}" is not an earlier step (earlier: ${[...earlier.keys()].join(", ") || "none"})`,
        );
      else if (index.type !== "call")
        report(step, ["index"], `lookup index "${step.index}" is a ${index.type} step; it must be a call step`);
      const value = step.lookupValue.trim();
      if (hasPlaceholders(value)) {
        if (declaredInputs)
          checkWithInputs(step, { lookupValue: value }, prefixes, [...declaredInputs, ...earlier.keys()], report, ["lookupValue"]);
      } else if (value.startsWith("$")) checkStepPath(step, ["lookupValue"], value, new Set(earlier.keys()), "lookupValue");
    }
    earlier.set(step.name, step);
  }
  for (const m of own("mappings") ?? []) {
    if (!steps.length) report(m, [], "mappings read step results, but this operation has no steps");
    else if (m.value.trim().startsWith("$")) checkStepPath(m, ["value"], m.value.trim(), names, "mapping");
  }
}

function checkWithInputs(node: object, withMap: WithMap, prefixes: string[], declaredInputs: string[], report: Report, at?: DocPath) {
  const declared = new Set(declaredInputs.map(normalizeName));
  for (const [key, value] of Object.entries(withMap)) {
    for (const name of withInputNames(value, prefixes)) {
      if (!declared.has(normalizeName(name))) {
        report(
          node,
          at ?? ["with", key],
          `"${value}" names input "${name}", which is not declared in inputParameters (declared: ${declaredInputs.join(", ") || "none"})`,
        );
      }
    }
  }
}

/** `$.get-ship.imo` → `get-ship`; `$['a b'].x` → `a b`. */
function firstSegment(expr: string): string | undefined {
  const m = /^\$(?:\.([^.[\]]+)|\['([^']*)'\]|\["([^"]*)"\])/.exec(expr);
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
}

function checkWithKeys(node: object, target: ConsumedOperation, withMap: WithMap | undefined, report: Report) {
  const accepted = acceptedParams(target);
  for (const key of Object.keys(withMap ?? {})) {
    if (!accepted.has(key)) {
      report(
        node,
        ["with", key],
        `"${key}" is not a parameter of ${target.key} (parameters: ${[...accepted].join(", ") || "none"})`,
        "error",
        true,
      );
    }
  }
}
