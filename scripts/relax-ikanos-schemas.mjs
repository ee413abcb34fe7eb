// Writes schema/ikanos-capability-<version>.schema.json: each official Ikanos schema in schema/ with
// the relaxations the project's alpha2 schema has (schema/README.md, R1–R8), so that a generated-dialect
// file stays servable in every Ikanos version it is migrated to. Run it after adding or updating an
// official Ikanos schema; test/spec/ikanos-schemas.test.ts checks the committed copies are its output.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export const IKANOS_VERSIONS = ["1.0.0-alpha3", "1.0.0-alpha4", "1.0.0-beta1", "1.0.0-beta2", "1.0.0-beta3", "1.0.0-beta4", "1.0.0-beta5"];

export const officialFile = (version) => `ikanos-schema-${version}.json`;
export const relaxedFile = (version) => `ikanos-capability-${version}.schema.json`;

/**
 * The relaxed copy of one official Ikanos schema; throws if the schema no longer has the shape a
 * change expects. `alpha2` is the project's alpha2 schema's `$defs`: R7 and R8 take its definitions.
 */
export function relax(official, version, alpha2) {
  const schema = JSON.parse(JSON.stringify(official));
  const defs = schema.$defs;
  const at = (where, value) => {
    if (value === undefined || value === null) throw new Error(`ikanos ${version}: the schema has no ${where}`);
    return value;
  };
  schema.$id = `urn:naftiko-runtime:schema:ikanos-capability:${version}`;

  // R1: type, required and description on consumed inputParameters.
  Object.assign(at("ConsumedInputParameter.properties", defs.ConsumedInputParameter?.properties), {
    type: {
      type: "string",
      description:
        "The expected data type of the parameter (runtime relaxation R1: generated capabilities declare it on consumed parameters).",
      enum: ["string", "number", "integer", "boolean", "array", "object"],
    },
    required: { type: "boolean", description: "Whether the parameter must be supplied (runtime relaxation R1)." },
    description: { type: "string", description: "A meaningful description of the parameter (runtime relaxation R1)." },
  });

  // R2: `_` in a consumed resource name (here: the key of ConsumesHttp.resources).
  at("ConsumesHttp.properties.resources.propertyNames", defs.ConsumesHttp?.properties?.resources?.propertyNames);
  defs.ConsumesHttp.properties.resources.propertyNames = {
    pattern: "^[a-zA-Z0-9_-]+$",
    description: "Runtime relaxation R2: `_` is also allowed in a consumed resource name, as generated capabilities use it.",
  };

  // R3: an object output mapped whole needs no `properties`.
  const objectOutput = at("MappedOutputParameterObject.allOf[1]", defs.MappedOutputParameterObject?.allOf?.[1]);
  if (JSON.stringify(objectOutput.required) !== '["properties"]')
    throw new Error(`ikanos ${version}: MappedOutputParameterObject no longer requires properties`);
  delete objectOutput.required;
  objectOutput.anyOf = [{ required: ["properties"] }, { required: ["mapping"] }];

  // R4: description on a rest exposes block.
  at("ExposesRest.properties", defs.ExposesRest?.properties).description = {
    type: "string",
    description: "A meaningful description of this REST adapter (runtime relaxation R4).",
  };

  // R5: space, `[` and `]` in a consumed parameter name (the keys of every consumed inputParameters).
  for (const owner of ["ConsumesHttp", "ConsumedHttpResource", "ConsumedHttpOperation"]) {
    const names = at(`${owner}.properties.inputParameters.propertyNames`, defs[owner]?.properties?.inputParameters?.propertyNames);
    names.pattern = "^[a-zA-Z0-9-_*\\[\\] ]+$";
    names.description =
      "Runtime relaxation R5: space, `[` and `]` are also allowed, as upstream APIs have such parameter names (`Search string`, `created[after]`) and they are sent as written.";
  }

  // R7: any resource name without control characters (the keys of consumed and exposed resources).
  defs.RuntimeResourceName = alpha2.RuntimeResourceName;
  defs.ConsumesHttp.properties.resources.propertyNames = { $ref: "#/$defs/RuntimeResourceName" };
  at("ExposesRest.properties.resources.propertyNames", defs.ExposesRest?.properties?.resources?.propertyNames);
  defs.ExposesRest.properties.resources.propertyNames = { $ref: "#/$defs/RuntimeResourceName" };

  // R8: any namespace without control characters, and `call`/`ref` naming one.
  defs.RuntimeNamespace = alpha2.RuntimeNamespace;
  const namespaced = [
    ["Binding", "namespace"],
    ["ConsumesHttp", "namespace"],
    ["ExposesRest", "namespace"],
    ["ExposesMcp", "namespace"],
    ["ExposesSkill", "namespace"],
    ["Aggregate", "namespace"],
    ["ForwardConfig", "targetNamespace"],
    ["ImportEntry", "import"],
    ["ImportEntry", "as"],
  ];
  for (const [owner, field] of namespaced) {
    const property = at(`${owner}.properties.${field}`, defs[owner]?.properties?.[field]);
    if (property.$ref !== "#/$defs/IdentifierKebab")
      throw new Error(`ikanos ${version}: ${owner}.${field} is no longer an IdentifierKebab`);
    property.$ref = "#/$defs/RuntimeNamespace";
  }
  const referencePattern = alpha2.McpTool.properties.call.pattern;
  const references = [
    defs.McpTool?.properties?.call,
    defs.McpTool?.properties?.ref,
    defs.McpResource?.properties?.call,
    defs.ExposedOperation?.properties?.call,
    defs.ExposedOperation?.properties?.ref,
    defs.AggregateFlow?.properties?.call,
    defs.OperationStepCall?.allOf?.[1]?.properties?.call,
  ];
  for (const [i, property] of references.entries()) {
    at(`the call/ref reference #${i}`, property?.pattern);
    property.pattern = referencePattern;
  }

  // R6: client credentials on an oauth2 consumes block.
  Object.assign(at("AuthOAuth2.properties", defs.AuthOAuth2?.properties), {
    clientId: {
      type: "string",
      description:
        "On a consumes block: the client identifier for the client credentials grant (RFC 6749 section 4.4). Supports templates over binds (e.g. `{{CLIENT_ID}}`).",
    },
    clientSecret: {
      type: "string",
      description:
        "On a consumes block: the client secret for the client credentials grant. Supports templates over binds (e.g. `{{CLIENT_SECRET}}`). Never hardcode secrets.",
    },
    tokenEndpointAuthMethod: {
      type: "string",
      enum: ["client_secret_basic", "client_secret_post"],
      default: "client_secret_basic",
      description:
        "On a consumes block: how the client authenticates at the token endpoint (RFC 7591 names). 'client_secret_basic' (default): HTTP Basic. 'client_secret_post': client_id and client_secret in the form body.",
    },
  });
  return schema;
}

/** JSON as the official files are written (2 spaces, non-ASCII escaped), so `diff` shows only the changes. */
export function serialise(schema) {
  return `${JSON.stringify(schema, null, 2).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}\n`;
}

/** The project's alpha2 schema's definitions, which the relaxations take their shapes from. */
export function alpha2Definitions() {
  return JSON.parse(readFileSync(path.join(root, "schema", "naftiko-capability.schema.json"), "utf8")).$defs;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  for (const version of IKANOS_VERSIONS) {
    const official = JSON.parse(readFileSync(path.join(root, "schema", officialFile(version)), "utf8"));
    writeFileSync(path.join(root, "schema", relaxedFile(version)), serialise(relax(official, version, alpha2Definitions())));
    console.log(`schema/${relaxedFile(version)}`);
  }
}
