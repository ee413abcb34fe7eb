import { yaml } from "../spec/yaml.js";
import { lazyRequire } from "../lazy.js";

/**
 * The text formats of `outputRawFormat` that need nothing but the body: turned into JSON data before
 * mapping, so the same JSONPath mappings work on every format. JSON is the default. The formats that
 * take an `outputSchema` are in output-raw-format.ts.
 */

// The XML and CSV parsers are loaded when a file first needs them, not at start: most files are
// JSON-only, and loading both would lengthen every cold start.
let xmlParser: import("fast-xml-parser").XMLParser | undefined;
const xml = () => {
  const { XMLParser } = lazyRequire<typeof import("fast-xml-parser")>("fast-xml-parser");
  return (xmlParser ??= new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", parseTagValue: true, trimValues: true }));
};
const csv = () => lazyRequire<typeof import("csv-parse/sync")>("csv-parse/sync");

export class FormatError extends Error {
  override name = "FormatError";
}

export function parseRaw(format: string, text: string): unknown {
  try {
    switch (format) {
      case "json":
        return text.length ? JSON.parse(text) : null;
      case "yaml":
        return yaml().parse(text, { maxAliasCount: 100 });
      case "xml": {
        // The document element is the response itself: `<vessels><vessel/>…` maps as `$.vessel`.
        const doc = xml().parse(text) as Record<string, unknown>;
        const root = Object.keys(doc).find((k) => !k.startsWith("?"));
        return root === undefined ? null : doc[root];
      }
      case "csv":
      case "tsv":
      case "psv":
        return csv().parse(text, {
          columns: true,
          skip_empty_lines: true,
          delimiter: { csv: ",", tsv: "\t", psv: "|" }[format],
          cast: true,
        });
      default:
        throw new FormatError(`outputRawFormat "${format}" cannot be converted to JSON by this runtime`);
    }
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw new FormatError(`upstream response is not valid ${format.toUpperCase()}`);
  }
}
