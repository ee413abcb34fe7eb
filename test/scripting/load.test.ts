/**
 * What `naftiko validate` (and so `serve`) refuses in script steps and `management.scripting`, each as
 * `file:line:col path: message`: a path leaving the script directory, a missing file, a language
 * other than JavaScript, scripting switched off, governance without steps, a `with` naming nothing.
 */
import { symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { servedDocument } from "../../src/exposes/control/config.js";
import { loadCapability } from "../../src/spec/load.js";
import { runCli } from "../support/cli.js";
import { lineOf, scriptCapability, serveArgs, type ScriptCapability } from "./capability.js";

const GOOD = "result = context.orders.length;\n";
const STEP_PATH = "capability.exposes[0].resources[1].operations[0].steps[2]";

function capability(step: string, scripting?: string, scripts: Record<string, string> = { "main.js": GOOD }): ScriptCapability {
  return scriptCapability({ routes: [{ name: "main", step }], scripts, scripting });
}

async function validate(cap: ScriptCapability, env: NodeJS.ProcessEnv = {}) {
  const r = await runCli(["validate", cap.file], env);
  return { ...r, lines: r.stderr.trim().split("\n").filter(Boolean) };
}

/** `file:line:col` of the line containing `needle`, at column `col`. */
const at = (cap: ScriptCapability, needle: string, col: number) => `${cap.file}:${lineOf(cap.text, needle)}:${col}`;

describe("script steps at load", () => {
  it("accepts a JavaScript step whose files are in its location", async () => {
    const r = await validate(capability('language: javascript\nlocation: "file:///./scripts"\nfile: main.js'));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("refuses a file or dependency path that leaves the location", async () => {
    const cap = capability('language: javascript\nlocation: "file:///./scripts"\nfile: ../capability.yml\ndependencies: [lib/../../x.js]');
    const r = await validate(cap);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `${at(cap, "dependencies: [lib/", 34)} ${STEP_PATH}.dependencies[0]: script step "main": "lib/../../x.js" must be a relative path inside the location directory: each segment [a-zA-Z0-9._-]+, no "." or "..", "/" between segments (bad segment: "..")`,
    ]);
    // The dependency is read first; once it is fixed, the main file is the problem.
    const main = capability('language: javascript\nlocation: "file:///./scripts"\nfile: ../capability.yml');
    const m = await validate(main);
    expect(m.lines).toEqual([
      `${at(main, "file: ../capability.yml", 25)} ${STEP_PATH}.file: script step "main": "../capability.yml" must be a relative path inside the location directory: each segment [a-zA-Z0-9._-]+, no "." or "..", "/" between segments (bad segment: "..")`,
    ]);
  });

  it("refuses a symbolic link that leads out of the location, and a missing file", async () => {
    const cap = capability('language: javascript\nlocation: "file:///./scripts"\nfile: link.js');
    writeFileSync(path.join(cap.dir, "outside.js"), "result = 'outside';\n");
    symlinkSync(path.join(cap.dir, "outside.js"), path.join(cap.dir, "scripts", "link.js"));
    const r = await validate(cap);
    expect(r.code).toBe(1);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(
      new RegExp(
        `^${at(cap, "file: link.js", 25)} ${escape(STEP_PATH)}\\.file: script step "main": "link.js" leads outside .*/scripts \\(a symbolic link to .*/outside\\.js\\)$`,
      ),
    );

    const missing = capability('language: javascript\nlocation: "file:///./scripts"\nfile: nope.js');
    const m = await validate(missing);
    expect(m.lines).toHaveLength(1);
    expect(m.lines[0]).toMatch(
      new RegExp(`${escape(STEP_PATH)}\\.file: script step "main": "nope.js" cannot be read in .*/scripts \\(ENOENT\\)$`),
    );
  });

  it("refuses python and groovy, on the step and as the default language", async () => {
    const cap = capability('language: python\nlocation: "file:///./scripts"\nfile: main.js');
    const r = await validate(cap);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `${at(cap, "language: python", 29)} ${STEP_PATH}.language: language "python" is not supported: this runtime runs JavaScript script steps only (in a QuickJS sandbox); rewrite the script in JavaScript (language: javascript)`,
    ]);
    const byDefault = capability('location: "file:///./scripts"\nfile: main.js', "defaultLanguage: groovy");
    const d = await validate(byDefault);
    expect(d.code).toBe(1);
    expect(d.lines).toContain(
      `${at(byDefault, "defaultLanguage: groovy", 28)} capability.exposes[2].management.scripting.defaultLanguage: language "groovy" is not supported: this runtime runs JavaScript script steps only (in a QuickJS sandbox); rewrite the script in JavaScript (language: javascript)`,
    );
  });

  it("refuses a step with no language or no location and no default for it", async () => {
    const cap = capability("file: main.js");
    const r = await validate(cap);
    expect(r.code).toBe(1);
    const step = `${at(cap, "- name: main", 19)} ${STEP_PATH}`;
    expect(r.lines).toEqual([
      `${step}: script step "main" has no language; set language: javascript on the step, or management.scripting.defaultLanguage on the control block`,
      `${step}: script step "main" has no location; set location (a file:/// directory) on the step, or management.scripting.defaultLocation on the control block`,
    ]);
  });

  it("refuses a with entry that names nothing the script can read", async () => {
    const cap = capability(
      'language: javascript\nlocation: "file:///./scripts"\nfile: main.js\nwith:\n  who: "{{customer.name}}"\n  what: "{{nothing}}"',
    );
    const r = await validate(cap);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `${at(cap, 'what: "{{nothing}}"', 27)} ${STEP_PATH}.with.what: "{{nothing}}" names nothing a script step can read: not an input, an earlier step, an earlier with entry or a bound variable (inputs: id, limit; earlier steps: orders, customer)`,
    ]);
  });
});

describe("the served document", () => {
  it("shows a step's location as written, not the directory it resolved to here", async () => {
    const cap = capability('language: javascript\nlocation: "file:///./scripts"\nfile: main.js');
    const doc = JSON.stringify(servedDocument(await loadCapability(cap.file)));
    expect(doc).toContain('"location":"file:///./scripts","file":"main.js"');
    expect(doc).not.toContain(path.join(cap.dir, "scripts"));
  });
});

describe("management.scripting at load", () => {
  it("enabled: false stops a capability with script steps, in validate and in serve alike", async () => {
    const cap = capability("file: main.js", 'enabled: false\ndefaultLocation: "file:///./scripts"\ndefaultLanguage: javascript');
    const r = await validate(cap);
    expect(r.code).toBe(1);
    const line = `${at(cap, "enabled: false", 20)} capability.exposes[2].management.scripting.enabled: scripting is disabled (enabled: false), so the script steps of this capability ("main", "totals") cannot run; set it to true or remove the steps`;
    expect(r.lines).toEqual([line]);
    const served = await runCli(["serve", ...serveArgs(cap, "http://127.0.0.1:9")]);
    expect(served.code).not.toBe(0);
    expect(served.stderr).toContain(line);
  });

  it("IKANOS_SCRIPTING=false stops it too, unless the control block enables scripting", async () => {
    const cap = capability('language: javascript\nlocation: "file:///./scripts"\nfile: main.js');
    const r = await validate(cap, { IKANOS_SCRIPTING: "false" });
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `${at(cap, "- name: main", 19)} ${STEP_PATH}: scripting is disabled by IKANOS_SCRIPTING=false in the environment, so script step "main" cannot run; unset it, or set management.scripting.enabled: true on the control block`,
    ]);
    const enabled = capability('language: javascript\nlocation: "file:///./scripts"\nfile: main.js', "enabled: true");
    expect((await validate(enabled, { IKANOS_SCRIPTING: "false" })).code).toBe(0);
  });

  it("refuses allowedLanguages without javascript, and warns about entries that permit nothing here", async () => {
    const step = 'language: javascript\nlocation: "file:///./scripts"\nfile: main.js';
    const cap = capability(step, "allowedLanguages: [python]");
    const r = await validate(cap);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `${at(cap, "allowedLanguages: [python]", 30)} capability.exposes[2].management.scripting.allowedLanguages[0]: warning: "python" permits nothing here: this runtime runs JavaScript script steps only`,
      `${at(cap, "allowedLanguages: [python]", 29)} capability.exposes[2].management.scripting.allowedLanguages: allowedLanguages (python) leaves out javascript, the only language this runtime runs, so no script step could run; add javascript`,
    ]);
    const both = await validate(capability(step, "allowedLanguages: [javascript, groovy]"));
    expect(both.code).toBe(0);
    expect(both.stderr).toMatch(/allowedLanguages\[1\]: warning: "groovy" permits nothing here/);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
