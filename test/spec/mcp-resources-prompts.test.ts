/**
 * MCP resources and prompts that could not work as written are refused by `naftiko validate` (and
 * so by `serve`), each at `file:line:col path: message`: a static location that is missing or not
 * a directory, what a static resource cannot use, URI variables that feed nothing or a `with`
 * reading one that is not there, `binary` without bytes, a URI that names nothing or names twice,
 * placeholders naming no argument, an unreadable prompt file; an argument nothing reads is a warning.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { tempDir } from "../support/temp.js";

let dir: string;
let docs: string;
let promptFile: string;

beforeAll(() => {
  dir = tempDir("naftiko-mcp-checks-");
  mkdirSync(path.join(dir, "docs"));
  writeFileSync(path.join(dir, "docs", "readme.md"), "# Docs\n");
  promptFile = path.join(dir, "review.md");
  writeFileSync(promptFile, "Review {{code}}.\n");
  docs = pathToFileURL(path.join(dir, "docs")).href;
});

/** A valid beta5 file with a static, a dynamic and a template resource, and an inline and a file prompt; tests break one thing. */
function good(): string {
  return `ikanos: "1.0.0-beta5"
info:
  display: Checks
  description: Resources and prompts.
capability:
  consumes:
  - type: http
    namespace: api
    baseUri: https://api.example.org/v1
    resources:
      users:
        path: /users/{{id}}
        operations:
          get-user:
            method: GET
            inputParameters:
              id:
                in: path
      config:
        path: /config
        operations:
          get-config:
            method: GET
  exposes:
  - type: mcp
    port: 9090
    namespace: checks-mcp
    tools:
      get-config:
        description: The configuration.
        call: api.get-config
    resources:
      docs:
        display: Docs
        description: Files.
        uri: docs://checks
        location: ${docs}
      config:
        display: Config
        description: The configuration.
        uri: config://app
        call: api.get-config
      user:
        display: User
        description: One user.
        uri: data://users/{id}
        call: api.get-user
        with:
          id: "{{id}}"
    prompts:
      greet:
        display: Greet
        description: Greets.
        arguments:
          who:
            description: Whom.
        template:
        - role: user
          content: Hello {{who}}
      review:
        display: Review
        description: Reviews.
        arguments:
          code:
            description: The code.
        location: ${pathToFileURL(promptFile).href}
`;
}

let n = 0;
async function validate(text: string) {
  const file = path.join(dir, `cap-${n++}.yaml`);
  writeFileSync(file, text);
  const r = await runCli(["validate", file]);
  return { ...r, file, lines: r.stderr.trim().split("\n").filter(Boolean) };
}

function lineOf(text: string, needle: string): number {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`"${needle}" not in test file`);
  return text.slice(0, i).split("\n").length;
}

function broken(search: string, replace: string): string {
  const text = good();
  if (!text.includes(search)) throw new Error(`"${search}" not in the base file`);
  return text.replace(search, replace);
}

const AT = "capability.exposes[0]";

describe("MCP resources and prompts: load errors", () => {
  it("the base file is valid", async () => {
    const r = await validate(good());
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain(": ok");
    expect(r.code).toBe(0);
  });

  it("a static location that does not exist, or is a file", async () => {
    const missing = broken(`location: ${docs}`, `location: ${docs}-gone`);
    const r = await validate(missing);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `${r.file}:${lineOf(missing, "-gone")}:19 ${AT}.resources.docs.location: location ${docs}-gone does not exist: a static resource serves the files of a directory`,
    ]);
    const file = broken(`location: ${docs}`, `location: ${docs}/readme.md`);
    const f = await validate(file);
    expect(f.lines).toEqual([
      `${f.file}:${lineOf(file, "readme.md")}:19 ${AT}.resources.docs.location: location ${docs}/readme.md is not a directory: a static resource serves the files of a directory`,
    ]);
  });

  it("a file:///./ location is read from the capability file's folder, as binds and script steps read theirs", async () => {
    const relative = broken(`location: ${docs}`, "location: file:///./docs").replace(pathToFileURL(promptFile).href, "file:///./review.md");
    const r = await validate(relative);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const missing = relative.replace("file:///./docs", "file:///./documents");
    const m = await validate(missing);
    expect(m.lines).toEqual([
      `${m.file}:${lineOf(missing, "file:///./documents")}:19 ${AT}.resources.docs.location: location file:///./documents (${path.join(dir, "documents")}) does not exist: a static resource serves the files of a directory`,
    ]);
  });

  it("a static resource with {variables}, binary, with or outputParameters: nothing for them to act on", async () => {
    const text = broken(
      `        uri: docs://checks
        location: ${docs}`,
      `        uri: docs://checks/{id}
        location: ${docs}
        binary: true
        with:
          id: "{{id}}"
        outputParameters:
        - type: string
          mapping: $.x`,
    );
    const r = await validate(text);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `${r.file}:${lineOf(text, "docs://checks/{id}")}:14 ${AT}.resources.docs.uri: a static resource's uri is the prefix of its files' URIs (docs://checks/{id}/<file>); it cannot have {variables}`,
      `${r.file}:${lineOf(text, "binary: true")}:17 ${AT}.resources.docs.binary: binary: true applies to dynamic resources; a static file is sent as text or as a blob by its media type`,
      `${r.file}:${lineOf(text, 'id: "{{id}}"')}:11 ${AT}.resources.docs.with: with has nothing to act on in a static resource (location): its files are served as they are`,
      `${r.file}:${lineOf(text, "- type: string")}:9 ${AT}.resources.docs.outputParameters: outputParameters has nothing to act on in a static resource (location): its files are served as they are`,
    ]);
  });

  it("a URI variable that feeds nothing, and a with reading one the URI does not have", async () => {
    const text = broken('          id: "{{id}}"', '          id: "{{user}}"');
    const r = await validate(text);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `${r.file}:${lineOf(text, '"{{user}}"')}:15 ${AT}.resources.user.with.id: "{{user}}" reads "user", which is not a variable of the resource's uri data://users/{id} (variables: id)`,
      `${r.file}:${lineOf(text, '"{{user}}"')}:11 ${AT}.resources.user.with: uri variable {id} of data://users/{id} feeds nothing: name it in with (e.g. "{{id}}"), or it would be matched and never used`,
    ]);
  });

  it("without a with, a variable goes to the parameter of its name; one that names none is refused, as is the parameter it leaves without a value", async () => {
    const fine = broken(
      `        call: api.get-user
        with:
          id: "{{id}}"`,
      "        call: api.get-user",
    );
    expect((await validate(fine)).code).toBe(0);
    const text = fine.replace("uri: data://users/{id}", "uri: data://users/{uid}");
    const r = await validate(text);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `${r.file}:${lineOf(text, "call: api.get-user")}:15 ${AT}.resources.user.call: parameter "id" (in: path) of api.get-user is given nothing: a resource's inputs are its uri's variables ({uid}); add {id} to the uri, or a with`,
      `${r.file}:${lineOf(text, "data://users/{uid}")}:14 ${AT}.resources.user.uri: uri variable {uid} of data://users/{uid} feeds nothing: name it in with (e.g. "{{uid}}"), or it would be matched and never used`,
    ]);
  });

  it("a call of an operation that does not exist names those there are, as for tools", async () => {
    const text = broken("        call: api.get-user", "        call: api.get-users");
    const r = await validate(text);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `${r.file}:${lineOf(text, "call: api.get-users")}:15 ${AT}.resources.user.call: consumes "api" has no operation "get-users" (operations: get-user, get-config)`,
    ]);
  });

  it("a with key that is not a parameter of the call, as for tools", async () => {
    const text = broken('          id: "{{id}}"', '          id: "{{id}}"\n          userid: "{{id}}"');
    const r = await validate(text);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `${r.file}:${lineOf(text, "userid:")}:11 ${AT}.resources.user.with.userid: "userid" is not a parameter of api.get-user (parameters: id)`,
    ]);
  });

  it("binary: true on a resource whose call answers JSON", async () => {
    const text = broken(
      "        uri: config://app\n        call: api.get-config",
      "        uri: config://app\n        call: api.get-config\n        binary: true",
    );
    const r = await validate(text);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `${r.file}:${lineOf(text, "binary: true")}:17 ${AT}.resources.config.binary: binary: true needs api.get-config to declare outputRawFormat: binary`,
    ]);
  });

  it("a URI without a scheme, one that is another resource's, and an expression this runtime does not match", async () => {
    const text = broken("uri: config://app", "uri: app-config").replace("uri: data://users/{id}", "uri: docs://checks");
    const r = await validate(text);
    expect(r.code).toBe(1);
    expect(r.lines).toContain(
      `${r.file}:${lineOf(text, "uri: app-config")}:14 ${AT}.resources.config.uri: uri "app-config" has no scheme (docs://…, data://…): MCP names a resource by a URI`,
    );
    expect(r.lines.join("\n")).toContain(
      `${AT}.resources.user.uri: uri "docs://checks" is already the uri of resource "docs"; a read would never reach this one`,
    );
    const plus = broken("uri: data://users/{id}", "uri: data://users/{+id}");
    const p = await validate(plus);
    expect(p.lines[0]).toBe(
      `${p.file}:${lineOf(plus, "{+id}")}:14 ${AT}.resources.user.uri: "{+id}" in uri "data://users/{+id}" is not a variable this runtime matches: write {name}, letters, digits and _ only`,
    );
  });

  it("a placeholder naming no argument, inline and in a prompt file; an argument nothing reads is a warning", async () => {
    const text = broken("content: Hello {{who}}", "content: Hello {{whom}}");
    writeFileSync(path.join(dir, "other.md"), "Review {{source}}.\n");
    const withFile = text.replace(pathToFileURL(promptFile).href, pathToFileURL(path.join(dir, "other.md")).href);
    const r = await validate(withFile);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `${r.file}:${lineOf(withFile, "Hello {{whom}}")}:20 ${AT}.prompts.greet.template[0].content: {{whom}} in template message 1 names no argument of prompt "greet" (arguments: who)`,
      `${r.file}:${lineOf(withFile, "          who:")}:11 ${AT}.prompts.greet.arguments.who: warning: argument "who" of prompt "greet" is used by no {{who}} of its template; a client's value is dropped`,
      `${r.file}:${lineOf(withFile, "other.md")}:19 ${AT}.prompts.review.location: {{source}} in ${pathToFileURL(path.join(dir, "other.md")).href} names no argument of prompt "review" (arguments: code)`,
      `${r.file}:${lineOf(withFile, "          code:")}:11 ${AT}.prompts.review.arguments.code: warning: argument "code" of prompt "review" is used by no {{code}} of its template; a client's value is dropped`,
    ]);
  });

  it("a prompt file that does not exist is refused by validate and by serve", async () => {
    const gone = pathToFileURL(path.join(dir, "gone.md")).href;
    const text = broken(pathToFileURL(promptFile).href, gone);
    const r = await validate(text);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([`${r.file}:${lineOf(text, "gone.md")}:19 ${AT}.prompts.review.location: prompt file ${gone} does not exist`]);
    const serve = await runCli(["serve", r.file, "--port", "checks-mcp=0"]);
    expect(serve.code).toBe(1);
    expect(serve.stderr).toContain(`${AT}.prompts.review.location: prompt file ${gone} does not exist`);
  });

  it("a script step of a resource reads the URI's variables as its inputs (and may use them through its context alone)", async () => {
    mkdirSync(path.join(dir, "scripts"), { recursive: true });
    writeFileSync(path.join(dir, "scripts", "shape.js"), "result = { id: context.id };\n");
    const text = broken(
      `        call: api.get-user
        with:
          id: "{{id}}"`,
      `        steps:
          user:
            type: call
            call: api.get-user
            with:
              id: "{{id}}"
          shape:
            type: script
            language: javascript
            location: file:///./scripts
            file: shape.js
            with:
              note: "{{nope}}"`,
    );
    // The config resource gets a variable that only its script could read.
    const withConfigScript = text.replace(
      `        uri: config://app
        call: api.get-config`,
      `        uri: config://app/{version}
        steps:
          config:
            type: call
            call: api.get-config
          shape:
            type: script
            language: javascript
            location: file:///./scripts
            file: shape.js`,
    );
    const r = await validate(withConfigScript);
    expect(r.code).toBe(1);
    // {version} feeds no call, but a script sees it in its context: not reported.
    expect(r.lines).toEqual([
      `${r.file}:${lineOf(withConfigScript, '"{{nope}}"')}:21 ${AT}.resources.user.steps.shape.with.note: "{{nope}}" names nothing a script step can read: not an input, an earlier step, an earlier with entry or a bound variable (inputs: id; earlier steps: user)`,
    ]);
  });

  it("alpha2 files (resources and prompts as lists) are checked the same way, at their own paths", async () => {
    const text = `naftiko: "1.0.0-alpha2"
capability:
  consumes:
    - namespace: api
      type: http
      baseUri: "https://api.example.org/v1"
      resources:
        - name: config
          path: "/config"
          operations:
            - name: get-config
              method: GET
  exposes:
    - type: mcp
      port: 9090
      namespace: checks-mcp
      tools:
        - name: get-config
          description: "The configuration."
          call: api.get-config
      resources:
        - name: docs
          label: Docs
          description: "Files."
          uri: "docs://checks"
          location: "${docs}-gone"
      prompts:
        - name: greet
          label: Greet
          description: "Greets."
          arguments:
            - name: who
              description: "Whom."
          template:
            - role: user
              content: "Hello {{who}} and {{them}}"
`;
    const r = await validate(text);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `${r.file}:${lineOf(text, "-gone")}:21 capability.exposes[0].resources[0].location: location ${docs}-gone does not exist: a static resource serves the files of a directory`,
      `${r.file}:${lineOf(text, "Hello {{who}}")}:24 capability.exposes[0].prompts[0].template[0].content: {{them}} in template message 1 names no argument of prompt "greet" (arguments: who)`,
    ]);
  });
});
