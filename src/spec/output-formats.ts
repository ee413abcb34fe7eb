import { outputFormatProblem, schemaFileOf } from "../mapping/output-raw-format.js";
import type { ConsumesHttp } from "./model.js";
import { formatPath, type DocPath, type Locator, type Problem } from "./problems.js";

/**
 * `outputRawFormat` and `outputSchema` of every operation of one consumes block, checked when the
 * file is loaded: a schema file that is missing or broken, a selector that cannot be applied, a
 * format that needs a schema without one. Also the schema files themselves, which the capability
 * is then read from too (`--watch` follows them, `naftiko build` embeds them).
 */
export async function checkOutputFormats(
  consumes: ConsumesHttp,
  at: DocPath,
  declaringFile: string,
  shown: string,
  locate: Locator,
): Promise<{ problems: Problem[]; files: string[] }> {
  const problems: Problem[] = [];
  const files: string[] = [];
  const resources = Array.isArray(consumes.resources) ? consumes.resources : [];
  for (const [r, resource] of resources.entries()) {
    const operations = Array.isArray(resource?.operations) ? resource.operations : [];
    for (const [o, operation] of operations.entries()) {
      if (!operation || typeof operation !== "object") continue;
      const found = await outputFormatProblem(operation, declaringFile);
      if (found) {
        const where: DocPath = [...at, "resources", r, "operations", o, found.field];
        problems.push({ file: shown, ...locate(where), path: formatPath(where), message: found.message, severity: found.severity });
      } else {
        const schema = schemaFileOf(operation, declaringFile);
        if (schema) files.push(schema);
      }
    }
  }
  return { problems, files };
}
