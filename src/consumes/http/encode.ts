import type { ParameterProblem } from "../../errors.js";

/**
 * Percent-encodes one path segment. Empty, `.` and `..` are refused: once normalised by any server or
 * proxy on the way they would address another upstream endpoint, with the capability's credentials.
 */
export function encodeSegment(value: string, parameter: string): string | ParameterProblem {
  if (value === "" || value === "." || value === "..") {
    return { parameter, in: "path", message: value === "" ? "must not be empty" : `"${value}" is not allowed as a path segment` };
  }
  // encodeURIComponent leaves . intact, so "%2e%2e" arriving decoded as ".." is caught above.
  return encodeURIComponent(value);
}

/** Literal path text may hold spaces and the like (`/v1/Invoice Items`): encode what a URL cannot carry. */
export function encodeLiteralPath(text: string): string {
  return text.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]|%(?![0-9A-Fa-f]{2})/g, (c) => encodeURIComponent(c));
}

/**
 * Appends one query parameter in OpenAPI's default style for each type: arrays comma-joined
 * (`style: form, explode: false`), objects as deepObject (`created[gt]=5`), scalars as JSON text.
 */
export function appendQuery(params: string[], name: string, value: unknown): void {
  if (value === undefined || value === null) return;
  const key = encodeQueryComponent(name);
  if (Array.isArray(value)) {
    params.push(`${key}=${value.map((v) => encodeQueryComponent(scalarText(v))).join(",")}`);
  } else if (typeof value === "object") {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v !== undefined && v !== null) params.push(`${encodeQueryComponent(`${name}[${k}]`)}=${encodeQueryComponent(scalarText(v))}`);
    }
  } else {
    params.push(`${key}=${encodeQueryComponent(scalarText(value))}`);
  }
}

function encodeQueryComponent(text: string): string {
  // Brackets stay readable (`created[after]`), as browsers and OpenAPI tools send them.
  return encodeURIComponent(text).replace(/%5B/g, "[").replace(/%5D/g, "]");
}

export function scalarText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/** A header or cookie value must not carry CR or LF (response splitting, header injection) or NUL. */
export function checkHeaderValue(value: string, parameter: string, where: string): ParameterProblem | undefined {
  if (/[\r\n\0]/.test(value)) return { parameter, in: where, message: "must not contain CR, LF or NUL characters" };
  // A `;` would end this cookie and let the caller set others upstream.
  if (where === "cookie" && value.includes(";")) return { parameter, in: where, message: "must not contain ';'" };
  return undefined;
}
