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
    const out = issued.size ? scrubIssued(text) : text;
    if (!this.pattern) return out;
    // Every call line is scrubbed, and nearly none holds a secret: a plain substring search for a
    // handful of values is several times cheaper than running the alternation over the line.
    if (this.few && !this.few.some((s) => out.includes(s))) return out;
    return out.replace(this.pattern, "[REDACTED]");
  }

  contains(text: string): boolean {
    for (const s of issued) if (text.includes(s)) return true;
    if (!this.pattern) return false;
    this.pattern.lastIndex = 0;
    return this.pattern.test(text);
  }
}

/**
 * Credentials no Redactor built from the binds knows: OAuth access tokens the runtime is given while
 * it runs, and OAuth client secrets. Every Redactor scrubs these too: a token is a secret whichever
 * runtime or log line meets it. Holders remove tokens they no longer use, so the set stays small.
 */
const issued = new Set<string>();

/** Adds a credential obtained at run time (in each form an upstream may echo it); returns what to pass to {@link forgetIssued}. */
export function rememberIssued(value: string): string[] {
  const forms = [...new Set([value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)])].filter((f) => f.length >= 4);
  for (const f of forms) issued.add(f);
  return forms;
}

export function forgetIssued(forms: Iterable<string>): void {
  for (const f of forms) issued.delete(f);
}

function scrubIssued(text: string): string {
  let out = text;
  for (const s of issued) if (out.includes(s)) out = out.split(s).join("[REDACTED]");
  return out;
}

/** Up to this many values are searched for one by one; more go straight to the pattern. */
const FEW = 8;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
