import type { Vocabulary } from "./normalise.js";

/**
 * Every published version of the spec this runtime reads: the root key and version a file
 * declares, the schema it is validated against (in `schema/`), and how it spells the model. Adding
 * a version is adding its schema file and a line here.
 */
export interface SpecVersion {
  spec: "naftiko" | "ikanos";
  version: string;
  schemaFile: string;
  vocabulary: Vocabulary;
}

const NAFTIKO_ALPHA2: Vocabulary = {
  spec: "naftiko",
  named: "list",
  display: "label",
  flows: "functions",
  target: "targetName",
  importFrom: "location",
  importable: ["consumes"],
};

/** Ikanos 1.0.0-alpha3 as first published, before the rename: the alpha2 schema under a new version number. */
const NAFTIKO_ALPHA3: Vocabulary = NAFTIKO_ALPHA2;

const IKANOS: Vocabulary = {
  spec: "ikanos",
  named: "map",
  display: "display",
  flows: "flows",
  target: "target",
  importFrom: "from",
  importable: ["consumes", "exposes", "aggregates", "binds"],
};

export const VERSIONS: readonly SpecVersion[] = [
  // The project's alpha2 schema: the official one with the generated dialect's relaxations (schema/README.md).
  { spec: "naftiko", version: "1.0.0-alpha2", schemaFile: "naftiko-capability.schema.json", vocabulary: NAFTIKO_ALPHA2 },
  { spec: "naftiko", version: "1.0.0-alpha3", schemaFile: "naftiko-schema-1.0.0-alpha3.json", vocabulary: NAFTIKO_ALPHA3 },
  // Each Ikanos schema with the same relaxations (schema/README.md): a generated file stays valid once migrated.
  ...["1.0.0-alpha3", "1.0.0-alpha4", "1.0.0-beta1", "1.0.0-beta2", "1.0.0-beta3", "1.0.0-beta4", "1.0.0-beta5"].map(
    (version): SpecVersion => ({ spec: "ikanos", version, schemaFile: `ikanos-capability-${version}.schema.json`, vocabulary: IKANOS }),
  ),
];

/** The newest release, what `naftiko migrate` writes unless told otherwise. */
export const LATEST_RELEASE = "1.0.0-beta4";

export const knownVersions = (): string => VERSIONS.map((v) => `${v.spec}: ${v.version}`).join(", ");

/**
 * The version a document declares, or why none can be read: the root key (`naftiko` or `ikanos`)
 * and its value pick the schema and the normaliser.
 */
export function declaredVersion(data: unknown): { version: SpecVersion } | { problem: string; path: string } {
  if (!data || typeof data !== "object" || Array.isArray(data)) {
    return {
      problem: `the document must be an object that starts with "ikanos: <version>" or "naftiko: <version>" (known: ${knownVersions()})`,
      path: "(document)",
    };
  }
  const doc = data as Record<string, unknown>;
  const keys = (["ikanos", "naftiko"] as const).filter((k) => k in doc);
  if (keys.length === 0) {
    return {
      problem: `missing the spec version: the document must start with "ikanos: <version>" or "naftiko: <version>" (known: ${knownVersions()})`,
      path: "(document)",
    };
  }
  if (keys.length > 1) return { problem: `declares both "ikanos" and "naftiko"; keep the one its content follows`, path: "naftiko" };
  const key = keys[0];
  const declared = doc[key];
  const found = VERSIONS.find((v) => v.spec === key && v.version === String(declared));
  if (!found) return { problem: `unknown ${key} version ${JSON.stringify(declared)} (known: ${knownVersions()})`, path: key };
  return { version: found };
}
