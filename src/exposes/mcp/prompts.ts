import { readFile } from "node:fs/promises";
import type { GetPromptResult, Prompt } from "@modelcontextprotocol/server";
import { compileTemplate, type CompiledTemplate } from "../../mapping/template.js";
import { mcpLocationPath } from "../../spec/mcp-resources.js";
import type { ExposesMcp, McpPrompt } from "../../spec/model.js";
import { internalError, invalidParams } from "./sdk.js";

/** The prompts of one MCP block: what `prompts/list` advertises and what `prompts/get` renders. */
export interface CompiledPrompts {
  listed: Prompt[];
  get(name: string, args: Record<string, string> | undefined): Promise<GetPromptResult>;
}

interface CompiledPrompt {
  prompt: McpPrompt;
  required: string[];
  /** Inline messages, compiled once; a `location` file is read on every get. */
  messages?: Array<{ role: "user" | "assistant"; content: CompiledTemplate }>;
}

/** @param capabilityFile what a `file:///./` location is relative to */
export function compilePrompts(block: ExposesMcp, capabilityFile: string): CompiledPrompts {
  const byName = new Map<string, CompiledPrompt>();
  for (const prompt of block.prompts) {
    byName.set(prompt.name, {
      prompt,
      // An argument is required unless it says otherwise (the schema's default).
      required: prompt.arguments.filter((a) => a.required !== false).map((a) => a.name),
      messages: prompt.template?.map((m) => ({ role: m.role, content: compileTemplate(m.content) })),
    });
  }
  const listed = block.prompts.map((p): Prompt => ({
    name: p.name,
    ...(p.display ? { title: p.display } : {}),
    ...(p.description ? { description: p.description } : {}),
    ...(p.arguments.length
      ? {
          arguments: p.arguments.map((a) => ({
            name: a.name,
            ...(a.display ? { title: a.display } : {}),
            ...(a.description ? { description: a.description } : {}),
            required: a.required !== false,
          })),
        }
      : {}),
  }));
  return {
    listed,
    async get(name, args = {}) {
      const compiled = byName.get(name);
      if (!compiled) {
        const count = byName.size;
        throw invalidParams(
          `Unknown prompt: ${JSON.stringify(name)} (this server has ${count} prompt${count === 1 ? "" : "s"}; prompts/list names them)`,
        );
      }
      const missing = compiled.required.filter((a) => args[a] === undefined);
      if (missing.length)
        throw invalidParams(
          `Missing required argument${missing.length === 1 ? "" : "s"} of prompt ${JSON.stringify(name)}: ${missing.join(", ")}`,
        );
      const { prompt } = compiled;
      const messages = compiled.messages ?? [
        { role: "user" as const, content: compileTemplate(await readPromptFile(prompt, capabilityFile)) },
      ];
      return {
        ...(prompt.description ? { description: prompt.description } : {}),
        messages: messages.map((m) => ({ role: m.role, content: { type: "text" as const, text: fill(m.content, args) } })),
      };
    },
  };
}

/**
 * A template with the client's arguments: each value as it was sent, never read as a template
 * itself. A placeholder of an optional argument the client left out stays as written, as the
 * reference engine leaves it.
 */
function fill(template: CompiledTemplate, args: Record<string, string>): string {
  return template.renderText((name) => (Object.hasOwn(args, name) ? args[name] : `{{${name}}}`));
}

/** A file-based prompt's text, read as it is now: an edited file is served without a restart. */
async function readPromptFile(prompt: McpPrompt, capabilityFile: string): Promise<string> {
  const file = mcpLocationPath(prompt.location ?? "", capabilityFile);
  try {
    if (file === undefined) throw new Error("not a file:/// URL");
    return await readFile(file, "utf8");
  } catch (e) {
    throw internalError(
      `Prompt file of ${JSON.stringify(prompt.name)} cannot be read: ${prompt.location} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
}
