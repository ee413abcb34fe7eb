/**
 * Keeps bound values (credentials) out of everything the runtime writes: logs, error bodies and
 * messages. Built once from the resolved binds.
 */
export class Redactor {
  private readonly pattern: RegExp | undefined;

  constructor(secrets: Iterable<string>) {
    // Very short values would blank out ordinary words; binds that short are not credentials.
    const list = [...new Set([...secrets].filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
    this.pattern = list.length ? new RegExp(list.map(escapeRegExp).join("|"), "g") : undefined;
  }

  redact(text: string): string {
    return this.pattern ? text.replace(this.pattern, "[REDACTED]") : text;
  }

  contains(text: string): boolean {
    if (!this.pattern) return false;
    this.pattern.lastIndex = 0;
    return this.pattern.test(text);
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
