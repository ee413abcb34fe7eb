/** Field-by-field differences between two JSON-like documents, as `path: expected … got …` lines. */
export function differences(expected: unknown, actual: unknown, path = "$", out: string[] = []): string[] {
  if (Array.isArray(expected) && Array.isArray(actual)) {
    for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
      if (i >= actual.length) out.push(`${path}[${i}]: missing (expected ${brief(expected[i])})`);
      else if (i >= expected.length) out.push(`${path}[${i}]: unexpected ${brief(actual[i])}`);
      else differences(expected[i], actual[i], `${path}[${i}]`, out);
    }
    return out;
  }
  if (isObject(expected) && isObject(actual)) {
    for (const k of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
      if (!(k in actual)) out.push(`${path}.${k}: missing (expected ${brief(expected[k])})`);
      else if (!(k in expected)) out.push(`${path}.${k}: unexpected ${brief(actual[k])}`);
      else differences(expected[k], actual[k], `${path}.${k}`, out);
    }
    return out;
  }
  if (JSON.stringify(expected) !== JSON.stringify(actual)) out.push(`${path}: expected ${brief(expected)}, got ${brief(actual)}`);
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

function brief(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? "undefined" : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
