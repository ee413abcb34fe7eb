import { normalizeName } from "../mapping/names.js";
import { pathVariables } from "../mapping/path-template.js";
import { readWith } from "../mapping/with.js";
import { resourcePrefixes, uriVariables } from "./mcp-resources.js";
import type { Capability, ExposesControl, Invocable, ScriptStep } from "./model.js";
import type { DocPath, Problem } from "./problems.js";
import { reporter, type LoadRecord } from "./record.js";
import { readScriptFiles, ScriptFileError, scriptDirectory } from "./script-files.js";

/**
 * Script steps and the control block's `management.scripting`, at load: what the runtime will run
 * must be runnable before the first request.
 *
 * - Only JavaScript runs (in a QuickJS sandbox): a step whose language (its own, else
 *   `defaultLanguage`) is `python` or `groovy` is refused, as is a step with no language at all.
 * - Each step's files are read now, from its `location` (else `defaultLocation`), and must stay
 *   inside that directory; they join the capability's files, so `serve --watch` follows them.
 * - `management.scripting` only makes sense with script steps; `enabled: false` (or
 *   `IKANOS_SCRIPTING=false` without it) means a capability with script steps does not start.
 * - A `with` entry reads the caller's inputs, earlier steps, earlier entries of the same `with`, or
 *   bound variables; naming anything else is a broken reference.
 */

/** The languages this runtime runs. */
export const SCRIPT_LANGUAGES = ["javascript"] as const;

/** `management.scripting` as the schema allows it. */
export interface ScriptingBlock {
  enabled?: boolean;
  defaultLocation?: string;
  defaultLanguage?: string;
  timeout?: number;
  statementLimit?: number;
  allowedLanguages?: string[];
}

/** The control block that declares `management.scripting`, and what it declares. */
export function scriptingOf(cap: Capability): { block: ExposesControl; scripting: ScriptingBlock } | undefined {
  const block = cap.exposes.find((b): b is ExposesControl => b.type === "control");
  const scripting = block?.management?.scripting;
  return block && scripting && typeof scripting === "object" ? { block, scripting: scripting as ScriptingBlock } : undefined;
}

/** Every script step of the capability, once (a unit that takes its steps from an aggregate flow does not repeat them). */
export function scriptSteps(cap: Capability): ScriptStep[] {
  return unitsWithSteps(cap).flatMap(({ unit }) => (unit.steps ?? []).filter((s): s is ScriptStep => s.type === "script"));
}

/** The environment switch the reference engine reads when `enabled` is not set. */
export function scriptingSwitchedOff(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const name of ["IKANOS_SCRIPTING", "NAFTIKO_SCRIPTING"]) if (env[name]?.toLowerCase() === "false") return name;
  return undefined;
}

export function checkScripts(cap: Capability, record: LoadRecord): Problem[] {
  const problems: Problem[] = [];
  const report = reporter({ record, problems, file: cap.file });
  const governed = scriptingOf(cap);
  const settings = governed?.scripting ?? {};
  const units = unitsWithSteps(cap);
  const steps = units.flatMap(({ unit }) => (unit.steps ?? []).filter((s): s is ScriptStep => s.type === "script"));
  const at = (...below: DocPath) => ["management", "scripting", ...below];

  if (governed && !steps.length) {
    report(
      governed.block,
      at(),
      "management.scripting governs script steps, and this capability has none; remove it (or add a step of type: script)",
      "error",
      true,
    );
    return problems;
  }
  if (!steps.length) return problems;

  if (governed) {
    if (settings.enabled === false)
      report(
        governed.block,
        at("enabled"),
        `scripting is disabled (enabled: false), so the script steps of this capability (${steps.map((s) => `"${s.name}"`).join(", ")}) cannot run; set it to true or remove the steps`,
      );
    if (settings.defaultLanguage !== undefined && !isRunnable(settings.defaultLanguage))
      report(governed.block, at("defaultLanguage"), unsupported(settings.defaultLanguage));
    const allowed = settings.allowedLanguages ?? [];
    allowed.forEach((lang, i) => {
      if (!isRunnable(lang))
        report(
          governed.block,
          at("allowedLanguages", i),
          `"${lang}" permits nothing here: this runtime runs JavaScript script steps only`,
          "warning",
        );
    });
    if (allowed.length && !allowed.includes("javascript"))
      report(
        governed.block,
        at("allowedLanguages"),
        `allowedLanguages (${allowed.join(", ")}) leaves out javascript, the only language this runtime runs, so no script step could run; add javascript`,
      );
  }
  const off = settings.enabled === undefined ? scriptingSwitchedOff() : undefined;
  if (off)
    report(
      steps[0],
      [],
      `scripting is disabled by ${off}=false in the environment, so script step "${steps[0].name}" cannot run; unset it, or set management.scripting.enabled: true on the control block`,
    );

  let defaultDir: string | undefined;
  if (settings.defaultLocation !== undefined) {
    try {
      // Relative to the capability file, as the runtime resolves it when PUT /scripting changes it.
      defaultDir = scriptDirectory(settings.defaultLocation, cap.file);
    } catch (e) {
      report(governed!.block, at("defaultLocation"), (e as Error).message);
    }
  }

  const files = new Set(cap.files);
  for (const { unit, prefixes, inputs } of units) {
    const earlier = new Set<string>();
    for (const step of unit.steps ?? []) {
      if (step.type === "script") {
        const language = step.language ?? settings.defaultLanguage;
        if (language === undefined)
          report(
            step,
            [],
            `script step "${step.name}" has no language; set language: javascript on the step, or management.scripting.defaultLanguage on the control block`,
          );
        else if (!isRunnable(language)) report(step, step.language !== undefined ? ["language"] : [], unsupported(language));
        checkWith(step, prefixes, inputs, earlier, boundNames(cap), report);
        let dir: string | undefined;
        if (step.location !== undefined) {
          try {
            dir = step.directory = scriptDirectory(step.location, record.origin(step)?.file ?? cap.file);
          } catch (e) {
            report(step, ["location"], (e as Error).message);
          }
        } else if (settings.defaultLocation === undefined) {
          report(
            step,
            [],
            `script step "${step.name}" has no location; set location (a file:/// directory) on the step, or management.scripting.defaultLocation on the control block`,
          );
        } else dir = defaultDir;
        if (dir !== undefined) {
          try {
            for (const source of readScriptFiles(dir, step)) files.add(source.path);
          } catch (e) {
            if (!(e instanceof ScriptFileError)) throw e;
            report(step, fieldOf(e, step), `script step "${step.name}": ${e.message}`);
          }
        }
      }
      earlier.add(step.name);
    }
  }
  cap.files.splice(0, cap.files.length, ...files);
  return problems;
}

/** Where in the step a file problem is: the file, the dependency, or its own location (the step itself when it uses the default). */
function fieldOf(e: ScriptFileError, step: ScriptStep): DocPath {
  if (e.field === "location") return step.location !== undefined ? ["location"] : [];
  return e.index === undefined ? [e.field] : [e.field, e.index];
}

function isRunnable(language: string): boolean {
  return (SCRIPT_LANGUAGES as readonly string[]).includes(language);
}

function unsupported(language: string): string {
  return `language "${language}" is not supported: this runtime runs JavaScript script steps only (in a QuickJS sandbox); rewrite the script in JavaScript (language: javascript)`;
}

/** Names a bound variable goes by in a template: `KEY` and `<namespace>.KEY`. */
function boundNames(cap: Capability): Set<string> {
  const names = new Set<string>();
  for (const bind of cap.binds) {
    names.add(bind.namespace);
    for (const key of Object.keys(bind.keys)) names.add(key);
  }
  return names;
}

function checkWith(
  step: ScriptStep,
  prefixes: string[],
  inputs: string[] | undefined,
  earlier: ReadonlySet<string>,
  bound: ReadonlySet<string>,
  report: ReturnType<typeof reporter>,
) {
  const declared = inputs && new Set(inputs.map(normalizeName));
  const entries = new Set<string>();
  const known = () =>
    [inputs?.length ? `inputs: ${inputs.join(", ")}` : "", earlier.size ? `earlier steps: ${[...earlier].join(", ")}` : ""]
      .filter(Boolean)
      .join("; ") || "no inputs or earlier steps";
  for (const [key, value] of Object.entries(step.with ?? {})) {
    const source = readWith(value, prefixes);
    if (source.kind === "input" && declared && !declared.has(normalizeName(source.name)))
      report(step, ["with", key], `"${value}" names input "${source.name}", which is not declared (${known()})`);
    if (source.kind === "path") {
      const first = /^\$(?:\.([^.[\]]+)|\['([^']*)'\]|\["([^"]*)"\])/.exec(source.expression);
      const name = first && (first[1] ?? first[2] ?? first[3]);
      if (name && !earlier.has(name))
        report(step, ["with", key], `"${value}" reads step "${name}", which is not an earlier step (${known()})`);
    }
    if (source.kind === "template" && declared) {
      for (const name of source.template.names) {
        const head = name.split(".")[0];
        const ok = declared.has(normalizeName(head)) || earlier.has(head) || entries.has(head) || bound.has(head);
        if (!ok)
          report(
            step,
            ["with", key],
            `"{{${name}}}" names nothing a script step can read: not an input, an earlier step, an earlier with entry or a bound variable (${known()})`,
          );
      }
    }
    entries.add(key);
  }
}

interface UnitWithSteps {
  unit: Invocable;
  /** `with` prefixes that name the caller's inputs in this unit. */
  prefixes: string[];
  /** The inputs the unit declares, when it declares them. */
  inputs?: string[];
}

function unitsWithSteps(cap: Capability): UnitWithSteps[] {
  const out: UnitWithSteps[] = [];
  const add = (unit: Invocable, prefixes: string[], inputs: string[] | undefined) => {
    // A unit that takes its steps from an aggregate flow: they are checked once, on the flow.
    if (unit.steps?.length && !(unit.flow && unit.steps === unit.flow.steps)) out.push({ unit, prefixes, inputs });
  };
  const declared = (names: string[]) => (names.length ? names : undefined);
  for (const agg of cap.aggregates)
    for (const flow of agg.flows) add(flow, [agg.namespace], declared(flow.inputParameters.map((p) => p.name)));
  for (const block of cap.exposes) {
    if (block.type === "rest") {
      for (const resource of block.resources)
        for (const op of resource.operations) {
          const names = [...resource.inputParameters, ...op.inputParameters].map((p) => p.name);
          add(op, ["rest", block.namespace], names.length ? [...new Set([...names, ...pathVariables(resource.path)])] : undefined);
        }
    } else if (block.type === "mcp") {
      for (const tool of block.tools) add(tool, ["tools", block.namespace], declared(tool.inputParameters.map((p) => p.name)));
      // A resource's inputs are its URI's variables, none when it has none.
      for (const resource of block.resources) add(resource, resourcePrefixes(block), uriVariables(resource.uri));
    }
  }
  return out;
}
