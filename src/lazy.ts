import { createRequire } from "node:module";

/**
 * npm modules loaded the first time they are needed instead of at start: ajv (only to explain an
 * invalid file, or for upstream body schemas), the XML and CSV parsers, jsonpath-plus. Most
 * capabilities never use them, and loading them all up front is a large part of a cold start.
 *
 * A bundler cannot follow `createRequire`, so the entry of a `naftiko build` binary imports these
 * modules itself and hands them over with {@link provideModules} before anything else runs.
 */
export type LazyModule = "ajv/dist/2020.js" | "ajv-formats" | "fast-xml-parser" | "csv-parse/sync" | "jsonpath-plus";

const provided = new Map<LazyModule, unknown>();
const require = createRequire(import.meta.url);

export function provideModules(modules: Record<LazyModule, unknown>): void {
  for (const [id, mod] of Object.entries(modules)) provided.set(id as LazyModule, mod);
}

export function lazyRequire<T>(id: LazyModule): T {
  return (provided.get(id) ?? require(id)) as T;
}
