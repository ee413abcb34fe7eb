import { normalizeName, pathVariables } from "../mapping/names.js";
import { pathProblem } from "../mapping/jsonpath.js";
import { placeholders } from "../mapping/template.js";
import { readWith } from "../mapping/with.js";
import { authenticationProblems } from "./authentication.js";
import type { ConsumedRef } from "./load.js";
import type { ConsumesHttp, Document, Exposes, ExposesMcp, ExposesRest, Invocable, Step } from "./model.js";
import { formatPath, type DocPath, type Locator, type Problem } from "./problems.js";

interface Context {
  doc: Document;
  consumes: ConsumesHttp[];
  operations: ReadonlyMap<string, ConsumedRef>;
  file: string;
  locate: Locator;
}

/**
 * Cross-references the schema cannot see: every call, ref, `with` key, lookup and namespace must
 * resolve here, so a broken file fails at load time instead of on some later request.
 */
export function checkReferences(ctx: Context): Problem[] {
  const out: Problem[] = [];
  const report = (at: DocPath, message: string, severity: Problem["severity"] = "error", key = false) =>
    out.push({ file: ctx.file, ...ctx.locate(at, key), path: formatPath(at), message, severity });

  const cap = ctx.doc.capability ?? {};
  const exposes = cap.exposes ?? [];
  checkNamespaces(ctx, exposes, report);
  checkPorts(exposes, report);
  checkConsumes(ctx, report);
  out.push(...authenticationProblems(ctx.doc, ctx.file, ctx.locate));

  const functions = new Map<string, Invocable>();
  (cap.aggregates ?? []).forEach((agg, a) =>
    agg.functions.forEach((fn, f) => {
      functions.set(`${agg.namespace}.${fn.name}`, fn);
      checkInvocable(
        ctx,
        fn,
        ["capability", "aggregates", a, "functions", f],
        [agg.namespace],
        functions,
        report,
        fn.inputParameters?.map((p) => p.name),
      );
    }),
  );

  exposes.forEach((block, e) => {
    const at: DocPath = ["capability", "exposes", e];
    if (block.type === "rest") {
      (block.resources ?? []).forEach((resource, r) => {
        const vars = pathVariables(resource.path);
        (resource.operations ?? []).forEach((op, o) => {
          const opAt: DocPath = [...at, "resources", r, "operations", o];
          const declared = [...(resource.inputParameters ?? []), ...(op.inputParameters ?? [])].map((p) => p.name);
          checkInvocable(ctx, op, opAt, ["rest", block.namespace], functions, report, declared.length ? [...declared, ...vars] : undefined);
          if (op.call && op.with && !declared.length) {
            const fed = new Set(
              Object.values(op.with)
                .flatMap((v) => inputNames(v, ["rest", block.namespace]))
                .map(normalizeName),
            );
            for (const v of vars) {
              if (!fed.has(normalizeName(v)))
                report([...opAt, "with"], `path variable {${v}} of ${resource.path} feeds no parameter of ${op.call}`);
            }
          }
        });
        if (resource.forward && !ctx.consumes.some((c) => c.namespace === resource.forward!.targetNamespace)) {
          report([...at, "resources", r, "forward", "targetNamespace"], `no consumes namespace "${resource.forward.targetNamespace}"`);
        }
      });
    } else if (block.type === "mcp") {
      block.tools.forEach((tool, t) => {
        const inherited = tool.ref ? functions.get(tool.ref)?.inputParameters : undefined;
        const declared = (tool.inputParameters ?? inherited)?.map((p) => p.name);
        checkInvocable(ctx, tool, [...at, "tools", t], ["tools", block.namespace], functions, report, declared);
        if (tool.name && tool.name.length > 64) {
          report([...at, "tools", t, "name"], `tool name is ${tool.name.length} characters; MCP clients reject names over 64`, "warning");
        }
      });
    }
  });
  exposes.forEach((block, e) => {
    if (block.type === "skill") checkSkills(block.skills as SkillSpec[], exposes, ["capability", "exposes", e], report);
  });
  return out;
}

interface SkillSpec {
  name: string;
  location?: string;
  tools?: Array<{ name: string; from?: { sourceNamespace: string; action: string }; instruction?: string }>;
}

/** A skill tool `from` must name a sibling REST or MCP block and one of its operations or tools. */
function checkSkills(skills: SkillSpec[], exposes: Exposes[], at: DocPath, report: Report) {
  skills.forEach((skill, s) => {
    (skill.tools ?? []).forEach((tool, t) => {
      const toolAt: DocPath = [...at, "skills", s, "tools", t];
      if (tool.instruction !== undefined && !skill.location) {
        report([...toolAt, "instruction"], `tool "${tool.name}" uses an instruction file but skill "${skill.name}" has no location`);
      }
      if (!tool.from) return;
      const source = exposes.find(
        (x): x is ExposesRest | ExposesMcp => x.namespace === tool.from!.sourceNamespace && (x.type === "rest" || x.type === "mcp"),
      );
      if (!source) {
        const known = exposes.filter((x) => x.type === "rest" || x.type === "mcp").map((x) => x.namespace);
        report(
          [...toolAt, "from", "sourceNamespace"],
          `"${tool.from.sourceNamespace}" names no sibling rest or mcp exposes block (known: ${known.join(", ") || "none"})`,
        );
        return;
      }
      const actions =
        source.type === "mcp"
          ? source.tools.map((x) => x.name ?? "")
          : (source.resources ?? []).flatMap((r) => (r.operations ?? []).map((o) => o.name ?? ""));
      if (!actions.includes(tool.from.action)) {
        report(
          [...toolAt, "from", "action"],
          `"${tool.from.action}" is not a ${source.type === "mcp" ? "tool" : "operation"} of "${source.namespace}" (known: ${actions.filter(Boolean).join(", ") || "none"})`,
        );
      }
    });
  });
}

type Report = (at: DocPath, message: string, severity?: Problem["severity"], key?: boolean) => void;

function checkNamespaces(ctx: Context, exposes: Exposes[], report: Report) {
  const seen = new Map<string, string>();
  const claim = (ns: string | undefined, at: DocPath, what: string) => {
    if (!ns) return;
    const prior = seen.get(ns);
    if (prior) report(at, `duplicate namespace "${ns}" (already used by ${prior})`);
    else seen.set(ns, what);
  };
  ctx.consumes.forEach((c, i) => claim(c.namespace, consumesPath(ctx.doc, i, "namespace"), `consumes[${i}]`));
  exposes.forEach((x, i) => claim(x.namespace, ["capability", "exposes", i, "namespace"], `exposes[${i}]`));
  (ctx.doc.capability?.aggregates ?? []).forEach((a, i) =>
    claim(a.namespace, ["capability", "aggregates", i, "namespace"], `aggregates[${i}]`),
  );
}

/** Where consumes block `i` of the merged list was written (root consumes come first). */
function consumesPath(doc: Document, i: number, field: string): DocPath {
  const root = doc.consumes?.length ?? 0;
  return i < root ? ["consumes", i, field] : ["capability", "consumes", i - root, field];
}

function checkPorts(exposes: Exposes[], report: Report) {
  const seen = new Map<number, number>();
  exposes.forEach((x, i) => {
    if (x.port === undefined || (x.type === "mcp" && x.transport === "stdio")) return;
    const prior = seen.get(x.port);
    if (prior !== undefined)
      report(
        ["capability", "exposes", i, "port"],
        `port ${x.port} is already used by exposes[${prior}] (${exposes[prior].namespace ?? exposes[prior].type})`,
      );
    else seen.set(x.port, i);
  });
}

function checkConsumes(ctx: Context, report: Report) {
  ctx.consumes.forEach((c, i) => {
    const names = new Set<string>();
    (c.resources ?? []).forEach((res, r) => {
      const at = (...rest: DocPath): DocPath => [...consumesPath(ctx.doc, i, "resources").slice(0, -1), "resources", r, ...rest];
      if (/[^A-Za-z0-9\-._~!$&'()*+,;=:@/{}%]/.test(res.path.replace(/\{\{?[^{}]*\}?\}/g, ""))) {
        report(at("path"), `path "${res.path}" has characters that are not valid in a URL; they will be percent-encoded`, "warning");
      }
      res.operations.forEach((op, o) => {
        if (names.has(op.name)) report(at("operations", o, "name"), `duplicate operation name "${op.name}" in consumes "${c.namespace}"`);
        names.add(op.name);
        const hasBody = (op.inputParameters ?? []).some((p) => p.in === "body") || op.body !== undefined;
        if (hasBody && (op.method ?? "GET") === "GET") {
          report(
            at("operations", o),
            `${op.method ?? "GET"} operation "${op.name}" declares a request body; it will not be sent`,
            "warning",
          );
        }
      });
    });
  });
}

function checkInvocable(
  ctx: Context,
  unit: Invocable,
  at: DocPath,
  prefixes: string[],
  functions: ReadonlyMap<string, Invocable>,
  report: Report,
  declaredInputs?: string[],
) {
  if (unit.ref && !functions.has(unit.ref)) {
    report([...at, "ref"], `ref "${unit.ref}" names no aggregate function (known: ${[...functions.keys()].join(", ") || "none"})`);
  }
  if (unit.call) checkCall(ctx, unit.call, unit.with, [...at], report);
  if (declaredInputs && unit.with) {
    const declared = new Set(declaredInputs.map(normalizeName));
    for (const [key, value] of Object.entries(unit.with)) {
      for (const name of inputNames(value, prefixes)) {
        if (!declared.has(normalizeName(name)))
          report(
            [...at, "with", key],
            `"${value}" names input "${name}", which is not declared in inputParameters (declared: ${declaredInputs.join(", ") || "none"})`,
          );
      }
    }
  }
  const steps: Step[] = unit.steps ?? [];
  const earlier = new Map<string, Step>();
  const names = new Set(steps.map((x) => x.name));
  /** A `$.<step>…` expression must start at an earlier step (or, in mappings, any step). */
  const checkStepPath = (expr: string, where: DocPath, known: ReadonlySet<string>, what: string) => {
    const bad = pathProblem(expr);
    if (bad) return report(where, bad);
    const first = firstSegment(expr);
    if (first !== undefined && !known.has(first)) {
      report(
        where,
        `${what} "${expr}" reads step "${first}", which is not ${known === names ? "a step" : "an earlier step"} (${known === names ? "steps" : "earlier"}: ${[...known].join(", ") || "none"})`,
      );
    }
  };
  steps.forEach((step, s) => {
    const stepAt: DocPath = [...at, "steps", s];
    if (earlier.has(step.name)) report([...stepAt, "name"], `duplicate step name "${step.name}"`);
    if (step.type === "call") {
      checkCall(ctx, step.call, step.with, stepAt, report);
      for (const [key, value] of Object.entries(step.with ?? {})) {
        if (typeof value === "string" && value.trim().startsWith("$"))
          checkStepPath(value.trim(), [...stepAt, "with", key], new Set(earlier.keys()), "value");
        else if (declaredInputs) {
          const declared = new Set(declaredInputs.map(normalizeName));
          for (const name of inputNames(value, prefixes)) {
            if (!declared.has(normalizeName(name)))
              report(
                [...stepAt, "with", key],
                `"${value}" names input "${name}", which is not declared in inputParameters (declared: ${declaredInputs.join(", ") || "none"})`,
              );
          }
        }
      }
    }
    if (step.type === "lookup") {
      const index = earlier.get(step.index);
      if (!index)
        report(
          [...stepAt, "index"],
          `lookup index "${step.index}" is not an earlier step (earlier: ${[...earlier.keys()].join(", ") || "none"})`,
        );
      else if (index.type !== "call")
        report([...stepAt, "index"], `lookup index "${step.index}" is a ${index.type} step; it must be a call step`);
      checkStepPath(step.lookupValue, [...stepAt, "lookupValue"], new Set(earlier.keys()), "lookupValue");
    }
    if (step.type === "script") report(stepAt, "script steps are not supported by this runtime");
    earlier.set(step.name, step);
  });
  (unit.mappings ?? []).forEach((m, i) => {
    if (!steps.length) report([...at, "mappings", i], "mappings read step results, but this operation has no steps");
    else if (m.value.trim().startsWith("$")) checkStepPath(m.value.trim(), [...at, "mappings", i, "value"], names, "mapping");
  });
}

/** `$.get-ship.imo` → `get-ship`; `$['a b'].x` → `a b`. */
function firstSegment(expr: string): string | undefined {
  const m = /^\$(?:\.([^.[\]]+)|\['([^']*)'\]|\["([^"]*)"\])/.exec(expr);
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
}

function checkCall(ctx: Context, call: string, withMap: Record<string, string | number> | undefined, at: DocPath, report: Report) {
  const target = ctx.operations.get(call);
  if (!target) {
    const [ns, op] = call.split(".");
    const c = ctx.consumes.find((x) => x.namespace === ns);
    const known = c ? (c.resources ?? []).flatMap((r) => r.operations.map((o) => o.name)) : ctx.consumes.map((x) => x.namespace);
    report(
      [...at, "call"],
      c
        ? `consumes "${ns}" has no operation "${op}" (operations: ${known.join(", ")})`
        : `call "${call}" names no consumes namespace "${ns}" (namespaces: ${known.join(", ") || "none"})`,
    );
    return;
  }
  const accepted = acceptedParams(target);
  for (const key of Object.keys(withMap ?? {})) {
    if (!accepted.has(key)) {
      report(
        [...at, "with", key],
        `"${key}" is not a parameter of ${call} (parameters: ${[...accepted].join(", ") || "none"})`,
        "error",
        true,
      );
    }
  }
}

/** Names a `with` may fill: declared parameters, and template variables of the path and body. */
export function acceptedParams(target: ConsumedRef): Set<string> {
  const names = new Set(target.params.map((p) => p.name));
  for (const v of pathVariables(target.resource.path)) names.add(v);
  const body = target.operation.body;
  const text = body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body);
  for (const v of placeholders(text)) names.add(v);
  return names;
}

function inputNames(value: string | number, prefixes: string[]): string[] {
  const src = readWith(value, prefixes);
  if (src.kind === "input") return [src.name];
  if (src.kind === "template") return src.template.names.filter((n) => !/^[A-Z][A-Z0-9_]*$/.test(n) && !n.includes("."));
  return [];
}
