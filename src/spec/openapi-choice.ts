import { fs } from "../builtins.js";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

// Which OpenAPI document goes with a capability, without loading the OpenAPI reader (and `yaml`):
// most capabilities have none, and `serve` then need not load either.

/**
 * The OpenAPI document for a capability: `file` (from `--openapi`), else the file's `# x-openapi:`
 * hint, else a `<name>.openapi.yaml` sidecar; undefined when there is none.
 */
export async function chooseOpenApi(capabilityFile: string, file: string | undefined): Promise<string | undefined> {
  return file ?? hintedOpenApi(capabilityFile, await readFile(capabilityFile, "utf8")) ?? sidecarOpenApi(capabilityFile);
}

/**
 * The `# x-openapi: <path>` comment hint: a comment line (before the first key, like
 * `# yaml-language-server: $schema=…`) naming the upstream's OpenAPI document, relative to the file.
 * A comment, because the capability schema allows no unknown field.
 */
function hintedOpenApi(capabilityFile: string, text: string): string | undefined {
  // Line by line up to the first key: a large file is not split whole.
  for (let start = 0; start < text.length;) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    const m = /^#\s*x-openapi:\s*(\S.*?)\s*$/.exec(line);
    if (m) {
      const target = m[1].startsWith("file://") ? fileURLToPath(m[1]) : m[1];
      return path.resolve(path.dirname(capabilityFile), target);
    }
    if (line.trim() && !line.trimStart().startsWith("#")) break;
  }
  return undefined;
}

/** `metal-interconnections.naftiko.yaml` → `metal-interconnections.openapi.{yaml,yml,json}` beside it, if one exists. */
function sidecarOpenApi(capabilityFile: string): string | undefined {
  const dir = path.dirname(capabilityFile);
  const base = path.basename(capabilityFile).replace(/(\.naftiko)?\.(ya?ml|json)$/i, "");
  for (const ext of ["yaml", "yml", "json"]) {
    const candidate = path.join(dir, `${base}.openapi.${ext}`);
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}
