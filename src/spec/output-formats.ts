import path from "node:path";
import { outputFormatProblem, schemaFileOf } from "../mapping/output-raw-format.js";
import type { Capability } from "./model.js";
import type { Problem } from "./problems.js";
import { reporter, type LoadRecord } from "./record.js";

/**
 * `outputRawFormat` and `outputSchema` of every consumed operation, checked when the file is
 * loaded: a schema file that is missing or broken, a selector that cannot be applied, a format that
 * needs a schema without one. An avro or protobuf operation gets its schema file's path
 * (`outputSchemaFile`), relative to the file declaring it; those files join the capability's files
 * (`--watch` follows them, `naftiko build` embeds them).
 */
export async function checkOutputFormats(cap: Capability, record: LoadRecord): Promise<Problem[]> {
  const problems: Problem[] = [];
  const report = reporter({ record, problems, file: cap.file });
  for (const block of cap.consumes) {
    for (const resource of block.resources) {
      for (const operation of resource.operations) {
        const declaringFile = path.resolve(record.origin(operation)?.file ?? cap.file);
        const found = await outputFormatProblem(operation, declaringFile);
        if (found) {
          report(operation, [found.field], found.message, found.severity);
          if (found.severity === "error") continue;
        }
        const schema = schemaFileOf(operation, declaringFile);
        if (schema) {
          operation.outputSchemaFile = schema;
          if (!cap.files.includes(schema)) cap.files.push(schema);
        }
      }
    }
  }
  return problems;
}
