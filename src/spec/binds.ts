import { fs, util } from "../builtins.js";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { yaml } from "./yaml.js";
import type { Bind } from "./model.js";

/** Bound values by variable name, both bare (`VAR`) and qualified (`namespace.VAR`). */
export type BindValues = ReadonlyMap<string, string>;

export class BindError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BindError";
  }
}

/**
 * Resolves every bind once, at start. Errors name the variable, its source and the capability file,
 * never a value: these are credentials.
 */
export function resolveBinds(binds: Bind[], capabilityFile: string, env: NodeJS.ProcessEnv = process.env): BindValues {
  const values = new Map<string, string>();
  const missing: string[] = [];
  for (const bind of binds) {
    const source = bind.location ? readLocation(bind.location, bind.file, bind.namespace) : undefined;
    for (const [name, key] of Object.entries(bind.keys)) {
      const raw = source ? source[key] : env[key];
      if (raw === undefined || raw === null) {
        missing.push(
          source
            ? `${name} (key "${key}" not found in ${bind.location}, bind "${bind.namespace}")`
            : `${name} (set the environment variable ${key}, bind "${bind.namespace}")`,
        );
        continue;
      }
      const value = typeof raw === "string" ? raw : String(raw);
      values.set(name, value);
      values.set(`${bind.namespace}.${name}`, value);
    }
  }
  if (missing.length) {
    throw new BindError(`${capabilityFile}: missing bound variable${missing.length > 1 ? "s" : ""}: ${missing.join("; ")}`);
  }
  return values;
}

/** `file:///abs/path` or `file:///./relative` (relative to the capability file, as the tutorial writes it). */
export function locationPath(location: string, capabilityFile: string): string {
  const base = path.dirname(capabilityFile);
  if (location.startsWith("file:///./") || location.startsWith("file:///../")) {
    return path.resolve(base, location.slice("file:///".length));
  }
  if (location.startsWith("file://")) return fileURLToPath(location);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    throw new BindError(`${capabilityFile}: unsupported location scheme in "${location}" (only file:// is supported)`);
  }
  return path.resolve(base, location);
}

function readLocation(location: string, capabilityFile: string, namespace: string): Record<string, unknown> {
  const file = locationPath(location, capabilityFile);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new BindError(
      `${capabilityFile}: bind "${namespace}": cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  const ext = path.extname(file).toLowerCase();
  try {
    const parsed: unknown =
      ext === ".json" ? JSON.parse(text) : ext === ".yaml" || ext === ".yml" ? yaml().parse(text) : util.parseEnv(text);
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("expected a map of keys to values");
    return parsed as Record<string, unknown>;
  } catch (e) {
    // The parser's message may quote file content, which may be a secret: report only where it failed.
    throw new BindError(
      `${capabilityFile}: bind "${namespace}": ${file} is not valid ${ext === ".json" ? "JSON" : ext === ".env" ? ".env" : "YAML"}`,
    );
  }
}
