/**
 * In a `naftiko build` binary, esbuild bundles what is imported here; lazy.ts would otherwise look
 * for these modules in a node_modules folder the binary does not have.
 */
import { parse as parseCsv } from "csv-parse/sync";
import ajv2020 from "ajv/dist/2020.js";
import ajvFormats from "ajv-formats";
import * as fastXmlParser from "fast-xml-parser";
import * as jsonpathPlus from "jsonpath-plus";
import { provideModules } from "../lazy.js";

provideModules({
  "ajv/dist/2020.js": ajv2020,
  "ajv-formats": ajvFormats,
  "fast-xml-parser": fastXmlParser,
  "csv-parse/sync": { parse: parseCsv },
  "jsonpath-plus": jsonpathPlus,
});
