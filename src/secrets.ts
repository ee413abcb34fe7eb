/**
 * Keeps bound values (credentials) out of everything the runtime writes: logs, error bodies and
 * messages. Built once from the resolved binds.
 */
export class Redactor {
  private readonly pattern: RegExp | undefined;
  /** The values themselves, when few: a line is searched for each before the pattern runs. */
  private readonly few: string[] | undefined;

  constructor(secrets: Iterable<string>) {
    // Very short values would blank out ordinary words; binds that short are not credentials.
    const list = [...new Set([...secrets].filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
    this.pattern = list.length ? new RegExp(list.map(escapeRegExp).join("|"), "g") : undefined;
    this.few = list.length && list.length <= FEW ? list : undefined;
  }

  redact(text: string): string {
    if (!this.pattern) return text;
    // Every call line is scrubbed, and nearly none holds a secret: a plain substring search for a
    // handful of values is several times cheaper than running the alternation over the line.
    if (this.few && !this.few.some((s) => text.includes(s))) return text;
    return text.replace(this.pattern, "[REDACTED]");
  }

  contains(text: string): boolean {
    if (!this.pattern) return false;
    this.pattern.lastIndex = 0;
    return this.pattern.test(text);
  }
}

/** Up to this many values are searched for one by one; more go straight to the pattern. */
const FEW = 8;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
