import { createRequire } from "node:module";

type Yaml = typeof import("yaml");
let loaded: Yaml | undefined;

/**
 * The `yaml` package, loaded the first time it is needed: loading it is a noticeable part of a
 * cold start, and a plain capability file does not need it (see fast-yaml.ts). It is CommonJS
 * under Node, so `import` elsewhere gets this same instance.
 *
 * The literal `require("yaml")` is for `naftiko build`: esbuild bundles it into the CommonJS binary,
 * where `require` exists. Under Node's ESM loader there is no `require`, and createRequire loads it.
 */
export function yaml(): Yaml {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above: the bundled binary's require
  return (loaded ??= typeof require === "function" ? (require("yaml") as Yaml) : (createRequire(import.meta.url)("yaml") as Yaml));
}
