/**
 * Test-only patch of the Equinix Metal Interconnections OpenAPI fixture so that Prism can serve it.
 *
 * The fixture (`test/fixtures/upstream/metal-interconnections.openapi.yaml`) stays faithful to the
 * published spec. Prism has two problems with it (see shared/upstream/README.md, "Serving it with Prism"):
 *
 * 1. `VirtualCircuitCreateInput` and `VirtualCircuitUpdateInput` are `oneOf` two object schemas
 *    without `additionalProperties: false`. Any update body (no required fields) matches both branches,
 *    and a VRF create body also matches the VLAN branch (which only requires `project_id`), so Prism
 *    answers 422. Fix: `oneOf` -> `anyOf`.
 * 2. `InterconnectionPort.virtual_circuits` -> `VirtualCircuit` -> `port: InterconnectionPort` and
 *    `Vrf.virtual_circuits` -> `VrfVirtualCircuit` -> `vrf: Vrf` are circular; Prism's dynamic mode
 *    (json-schema-faker) fails on them at random with 500. Fix: make those array items a plain `Href`
 *    (which is what the real API returns without `include`).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";

/** The faithful fixture (never edited). */
export const METAL_OPENAPI_FIXTURE = fileURLToPath(new URL("../fixtures/upstream/metal-interconnections.openapi.yaml", import.meta.url));

const HREF_REF = "#/components/schemas/Href";

function schemaAt(doc: any, name: string): any {
  const schema = doc?.components?.schemas?.[name];
  if (schema === undefined || schema === null || typeof schema !== "object") {
    throw new Error(`applyPrismWorkaround: schema components.schemas.${name} not found`);
  }
  return schema;
}

function oneOfToAnyOf(doc: any, name: string): void {
  const schema = schemaAt(doc, name);
  if (!Array.isArray(schema.oneOf)) {
    throw new Error(`applyPrismWorkaround: components.schemas.${name} has no oneOf`);
  }
  schema.anyOf = schema.oneOf;
  delete schema.oneOf;
}

function itemsToHref(doc: any, name: string, property: string): void {
  const prop = schemaAt(doc, name).properties?.[property];
  if (prop === undefined || prop.type !== "array" || prop.items === undefined) {
    throw new Error(`applyPrismWorkaround: components.schemas.${name}.properties.${property} is not an array`);
  }
  prop.items = { $ref: HREF_REF };
}

/**
 * Returns a patched deep copy of the parsed OpenAPI document (the input is not modified).
 * Throws if a schema it expects to patch is missing, so fixture drift is noticed.
 */
export function applyPrismWorkaround(doc: any): any {
  const copy = structuredClone(doc);
  if (copy?.components?.schemas?.Href === undefined) {
    throw new Error("applyPrismWorkaround: components.schemas.Href not found");
  }
  oneOfToAnyOf(copy, "VirtualCircuitCreateInput");
  oneOfToAnyOf(copy, "VirtualCircuitUpdateInput");
  itemsToHref(copy, "InterconnectionPort", "virtual_circuits");
  itemsToHref(copy, "Vrf", "virtual_circuits");
  return copy;
}

/** Parses the fixture (or `source`) with `yaml` and applies {@link applyPrismWorkaround}. */
export function loadPatchedSpec(source: string = METAL_OPENAPI_FIXTURE): any {
  const doc: unknown = YAML.parse(readFileSync(source, "utf8"));
  return applyPrismWorkaround(doc);
}

/**
 * Writes the patched copy of the fixture (as JSON, which Prism reads like YAML) into a fresh
 * temporary directory under `os.tmpdir()`. Returns the file path and its directory (the caller
 * removes the directory when done).
 */
export function writePatchedSpec(source: string = METAL_OPENAPI_FIXTURE): { file: string; dir: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "naftiko-prism-"));
  const file = path.join(dir, "metal-interconnections.prism.openapi.json");
  writeFileSync(file, JSON.stringify(loadPatchedSpec(source), null, 2));
  return { file, dir };
}
