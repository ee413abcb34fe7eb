/**
 * MCP prompts, checked where the schema cannot: a `location` file exists and can be read, and every
 * `{{placeholder}}` of a template (inline or in the file) names a declared argument, since one that
 * names nothing would reach the client as written on every `prompts/get`. An argument no
 * placeholder reads is a warning: it is asked for and then dropped.
 */
import { fs } from "../builtins.js";
import { placeholders } from "../mapping/template.js";
import { mcpLocationPath, shownLocation } from "./mcp-resources.js";
import type { Capability, ExposesMcp, McpPrompt } from "./model.js";
import type { DocPath, Problem } from "./problems.js";
import { NAME } from "./record.js";

type Report = (node: object, below: DocPath, message: string, severity?: Problem["severity"]) => void;

/** Also adds the prompt files to `cap.files`: `naftiko build` embeds them, `--watch` follows them. */
export function checkMcpPrompts(block: ExposesMcp, cap: Capability, report: Report): void {
  for (const prompt of block.prompts) {
    const declared = new Set(prompt.arguments.map((a) => a.name));
    const used = new Set<string>();
    const check = (text: string, below: DocPath, where: string) => {
      for (const name of placeholders(text)) {
        used.add(name);
        if (!declared.has(name))
          report(
            prompt,
            below,
            `{{${name}}} in ${where} names no argument of prompt "${prompt.name}" (arguments: ${[...declared].join(", ") || "none"})`,
          );
      }
    };
    prompt.template?.forEach((message, i) => check(message.content, ["template", i, "content"], `template message ${i + 1}`));
    if (prompt.location !== undefined) {
      const text = readPromptFile(prompt, cap, report);
      // A file that could not be read says nothing about which arguments it uses.
      if (text === undefined) continue;
      check(text, ["location"], prompt.location);
    }
    for (const arg of prompt.arguments) {
      if (!used.has(arg.name))
        report(
          arg,
          NAME,
          `argument "${arg.name}" of prompt "${prompt.name}" is used by no {{${arg.name}}} of its template; a client's value is dropped`,
          "warning",
        );
    }
  }
}

function readPromptFile(prompt: McpPrompt, cap: Capability, report: Report): string | undefined {
  const file = mcpLocationPath(prompt.location!, cap.file);
  if (file === undefined) {
    report(prompt, ["location"], `location "${prompt.location}" is not a file:/// URL`);
    return undefined;
  }
  try {
    const text = fs.readFileSync(file, "utf8");
    if (!cap.files.includes(file)) cap.files.push(file);
    return text;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    report(
      prompt,
      ["location"],
      code === "EISDIR"
        ? `location ${shownLocation(prompt.location!, file)} is a directory; a prompt's location is one file`
        : code === "ENOENT"
          ? `prompt file ${shownLocation(prompt.location!, file)} does not exist`
          : `prompt file ${shownLocation(prompt.location!, file)} cannot be read (${code ?? (e as Error).message})`,
    );
    return undefined;
  }
}
