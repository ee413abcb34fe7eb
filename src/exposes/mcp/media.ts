import { getMimeType, mimes } from "hono/utils/mime";

/**
 * Media types of files by extension: Hono's table, with the types the reference engine names
 * that it lacks (Markdown, YAML, WAV) and its spelling of the rest (no parameters).
 */
const BY_EXTENSION: Record<string, string> = {
  ...mimes,
  md: "text/markdown",
  markdown: "text/markdown",
  yaml: "application/yaml",
  yml: "application/yaml",
  wav: "audio/wav",
};

/** A file's media type by its extension; `application/octet-stream` when it has none known. */
export function mediaTypeOfFile(name: string): string {
  return withoutParameters(getMimeType(name, BY_EXTENSION) ?? "application/octet-stream");
}

/**
 * Whether content of this media type is text (sent as `text`) rather than bytes (a base64
 * `blob`): `text/*`, JSON, YAML, XML, JavaScript and the `+json`/`+xml`/`+yaml` structured
 * syntaxes, as the reference engine splits them. An unknown type is bytes, so they are never
 * mangled by a UTF-8 decoding.
 */
export function isTextMediaType(type: string | undefined): boolean {
  const base = withoutParameters(type ?? "").toLowerCase();
  if (!base) return false;
  if (base.startsWith("text/")) return true;
  if (TEXT_APPLICATION_TYPES.has(base)) return true;
  return base.endsWith("+json") || base.endsWith("+xml") || base.endsWith("+yaml");
}

const TEXT_APPLICATION_TYPES = new Set([
  "application/json",
  "application/yaml",
  "application/x-yaml",
  "application/xml",
  "application/javascript",
]);

function withoutParameters(type: string): string {
  return type.split(";", 1)[0].trim();
}
