/**
 * A fast reader for the plain YAML that capability files are written in: block maps and sequences,
 * plain, single-quoted and simple double-quoted scalars, comments. The `yaml` package takes
 * ~80 ms (cold) for the 27 KB flagship and ~900 ms for a 1,500-operation file, most of a cold start;
 * this reads the same documents in a few milliseconds.
 *
 * It is a fast path, never a second opinion: it returns `undefined` for anything it is not certain
 * to read exactly as `yaml` (core schema, YAML 1.2) would — anchors, tags, flow collections, block
 * scalars, escapes, tabs, CR, directives, document markers, duplicate or unusual keys, whatever
 * would be a YAML error or warning — and the caller then parses with `yaml` as before. Positions
 * (line and column for problems) always come from `yaml`, computed only when a problem needs one.
 */

import { BEYOND_LATIN1, oneByte } from "./one-byte.js";

/** Deeper documents are left to `yaml`; so whatever this returns nests less than source.ts's MAX_DEPTH (128). */
export const MAX_NESTING = 64;

class Bail {}
const BAIL = new Bail();

// Core schema (YAML 1.2), as `yaml` resolves plain scalars.
const NULL_RE = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL_RE = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_RE = /^[-+]?[0-9]+$/;
const FLOAT_EXP_RE = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT_RE = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;
// Plain keys read here: start with a letter, `_`, `$` or `/`, then a conservative set of characters.
const KEY_RE = /^[A-Za-z_$/][A-Za-z0-9_$/.\-{}@ ]*$/;

function plainValue(s: string): unknown {
  const c = s.charCodeAt(0);
  // Letters other than the null/bool words, and most punctuation, are strings.
  if (NULL_RE.test(s)) return null;
  if (BOOL_RE.test(s)) return s[0] === "t" || s[0] === "T";
  if ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46) {
    if (INT_RE.test(s)) return parseInt(s, 10);
    if (FLOAT_EXP_RE.test(s) || FLOAT_RE.test(s)) return parseFloat(s);
    // Octal, hex, .inf, .nan and the like: left to `yaml`.
    if (/^(?:0o|0x|[-+]?\.(?:inf|Inf|INF)$|\.(?:nan|NaN|NAN)$)/.test(s)) throw BAIL;
  }
  return s;
}

/** Characters that may not start a plain scalar here (YAML indicators, or anything unusual). */
function badPlainStart(s: string, c: number): boolean {
  const ch = s[c];
  if ("[]{},#&*!|>'\"%@`".includes(ch)) return true;
  if ((ch === "-" || ch === "?" || ch === ":") && (s.length === c + 1 || s[c + 1] === " ")) return true;
  return false;
}

/** Strips a ` #comment` and trailing spaces from a plain scalar's line; bails on `: ` (a nested key). */
function plainLine(s: string): string {
  const hash = s.indexOf(" #");
  if (hash >= 0) s = s.slice(0, hash);
  s = s.trimEnd();
  if (s.includes(": ") || s.endsWith(":")) throw BAIL;
  return s;
}

/** `wide`: whether the text holds a character beyond Latin-1 (a caller that has looked says so). */
export function fastParseYaml(text: string, wide = BEYOND_LATIN1.test(text)): { data: unknown } | undefined {
  if (text.length === 0 || text.includes("\t") || text.includes("\r") || text.charCodeAt(0) === 0xfeff) return undefined;
  try {
    return { data: new Reader(text, wide).document() };
  } catch (e) {
    if (e === BAIL) return undefined;
    throw e;
  }
}

class Reader {
  private readonly lines: string[];
  /** Leading spaces of each line; -1 for a blank line. */
  private readonly indents: Int32Array;
  /** Where the value just read ends: the next line with content after it. */
  private end = 0;
  /**
   * Each key's one-byte copy, when the text is two-byte (see one-byte.ts); its values are copied
   * after the parse (source.ts), but a key must be one-byte before it first names a property.
   */
  private readonly oneByteKeys?: Map<string, string>;

  constructor(text: string, wide: boolean) {
    const lines = (this.lines = text.split("\n"));
    const indents = (this.indents = new Int32Array(lines.length));
    if (wide) this.oneByteKeys = new Map();
    for (let n = 0; n < lines.length; n++) {
      const l = lines[n];
      let i = 0;
      while (i < l.length && l.charCodeAt(i) === 32) i++;
      indents[n] = i === l.length ? -1 : i;
    }
  }

  /** Index of the next line with content (not blank, not a comment), or lines.length. */
  private next(from: number): number {
    let i = from;
    while (i < this.lines.length) {
      const ind = this.indents[i];
      if (ind >= 0 && this.lines[i].charCodeAt(ind) !== 35 /* # */) return i;
      i++;
    }
    return i;
  }

  document(): unknown {
    const first = this.next(0);
    if (first >= this.lines.length) throw BAIL;
    for (let i = 0; i < first; i++) if (this.indents[i] === 0 && this.lines[i].startsWith("%")) throw BAIL;
    if (this.indents[first] !== 0) throw BAIL;
    const value = this.block(first, 0, 0);
    if (this.end < this.lines.length) throw BAIL;
    return value;
  }

  /** A map or sequence whose entries start at column `col`; its first entry begins at (`line`, `col`). */
  private block(line: number, col: number, depth: number): unknown {
    const s = this.lines[line];
    if (s.startsWith("---", col) || s.startsWith("...", col)) throw BAIL;
    if (s[col] === "-" && (s.length === col + 1 || s[col + 1] === " ")) return this.seq(line, col, depth);
    return this.map(line, col, depth);
  }

  private seq(line: number, col: number, depth: number): unknown[] {
    if (depth > MAX_NESTING) throw BAIL;
    const out: unknown[] = [];
    let i = line;
    for (;;) {
      const s = this.lines[i];
      // s[col] is "-", followed by the end of the line or a space.
      let c = col + 1;
      while (c < s.length && s.charCodeAt(c) === 32) c++;
      if (c >= s.length || s[c] === "#") {
        if (c < s.length && s[c - 1] !== " ") throw BAIL;
        const j = this.next(i + 1);
        if (j < this.lines.length && this.indents[j] > col) {
          out.push(this.block(j, this.indents[j], depth + 1));
        } else {
          out.push(null);
          this.end = j;
        }
      } else if (s[c] === "-" && (c + 1 === s.length || s[c + 1] === " ")) {
        throw BAIL; // `- - x`
      } else if (this.keyAt(s, c) !== undefined) {
        out.push(this.map(i, c, depth + 1));
      } else {
        out.push(this.scalar(i, c, col));
      }
      const end = this.end;
      if (end >= this.lines.length) return out;
      const ind = this.indents[end];
      if (ind < col) return out;
      if (ind > col) throw BAIL;
      const t = this.lines[end];
      if (t[col] === "-" && (t.length === col + 1 || t[col + 1] === " ")) {
        i = end;
        continue;
      }
      return out; // a compact sequence under a key ends at the next key
    }
  }

  /** The key of a `key: value` entry starting at `c`, and the column after its `:`; undefined when it is not one. */
  private keyAt(s: string, c: number): [string, number] | undefined {
    const ch = s[c];
    if (ch === "'" || ch === '"') {
      const close = s.indexOf(ch, c + 1);
      if (close < 0) return undefined;
      const key = s.slice(c + 1, close);
      if (s[close + 1] !== ":" || (close + 2 < s.length && s[close + 2] !== " ")) return undefined;
      if (ch === '"' && key.includes("\\")) throw BAIL;
      if (ch === "'" && s[close + 1] === "'") throw BAIL;
      if (key.includes("'") || key.includes('"') || key === "__proto__") throw BAIL;
      return [key, close + 2];
    }
    let colon = s.indexOf(":", c);
    while (colon >= 0 && colon + 1 < s.length && s[colon + 1] !== " ") colon = s.indexOf(":", colon + 1);
    if (colon < 0) return undefined;
    const key = s.slice(c, colon).trimEnd();
    if (!KEY_RE.test(key)) throw BAIL;
    if (NULL_RE.test(key) || BOOL_RE.test(key) || key === "__proto__" || key.length > 1000) throw BAIL;
    return [key, colon + 1];
  }

  private oneByteKey(key: string): string {
    let copy = this.oneByteKeys!.get(key);
    if (copy === undefined) this.oneByteKeys!.set(key, (copy = oneByte(key)));
    return copy;
  }

  private map(line: number, col: number, depth: number): Record<string, unknown> {
    if (depth > MAX_NESTING) throw BAIL;
    const out: Record<string, unknown> = {};
    const keys: string[] = []; // maps are small: a scan is cheaper than an own-property check
    let i = line;
    for (;;) {
      const s = this.lines[i];
      const k = this.keyAt(s, col);
      if (!k) throw BAIL;
      const [read, after] = k;
      const key = this.oneByteKeys ? this.oneByteKey(read) : read;
      if (keys.includes(key)) throw BAIL;
      keys.push(key);
      let c = after;
      while (c < s.length && s.charCodeAt(c) === 32) c++;
      if (c >= s.length || s[c] === "#") {
        if (c < s.length && c === after) throw BAIL; // `key:#`
        const j = this.next(i + 1);
        const ind = j < this.lines.length ? this.indents[j] : -1;
        const t = j < this.lines.length ? this.lines[j] : "";
        if (ind > col) {
          out[key] = this.block(j, ind, depth + 1);
        } else if (ind === col && t[col] === "-" && (t.length === col + 1 || t[col + 1] === " ")) {
          out[key] = this.seq(j, col, depth + 1);
        } else {
          out[key] = null;
          this.end = j;
        }
      } else {
        out[key] = this.scalar(i, c, col);
      }
      const end = this.end;
      if (end >= this.lines.length) return out;
      const ind = this.indents[end];
      if (ind < col) return out;
      if (ind > col) throw BAIL;
      i = end;
    }
  }

  /**
   * A scalar starting at (`line`, `c`) in a block entry at column `col`: continuation lines must be
   * indented more than `col`. Sets `end` to the next line with content after it.
   */
  private scalar(line: number, c: number, col: number): unknown {
    const s = this.lines[line];
    const ch = s[c];
    if (ch === "'") return this.singleQuoted(line, c, col);
    if (ch === '"') {
      const close = s.indexOf('"', c + 1);
      if (close < 0) throw BAIL;
      const body = s.slice(c + 1, close);
      if (body.includes("\\")) throw BAIL;
      this.endOfLine(s, close + 1);
      this.end = this.next(line + 1);
      return body;
    }
    if (badPlainStart(s, c)) throw BAIL;
    let text = plainLine(s.slice(c));
    // Continuation lines: folded into one string, a blank line becoming a newline.
    let blanks = 0;
    let multi = false;
    let i = line + 1;
    for (; i < this.lines.length; i++) {
      const ind = this.indents[i];
      if (ind < 0) {
        blanks++;
        continue;
      }
      if (ind <= col) break;
      if (s.slice(c).includes(" #")) throw BAIL; // a comment, then more lines: a YAML error
      if (badPlainStart(this.lines[i], ind)) throw BAIL;
      const t = this.lines[i].slice(ind);
      text += blanks ? "\n".repeat(blanks) : " ";
      text += plainLine(t);
      if (t.includes(" #")) throw BAIL;
      blanks = 0;
      multi = true;
    }
    if (multi) {
      const v = plainValue(text);
      if (typeof v !== "string") throw BAIL;
      this.end = this.next(i);
      return v;
    }
    this.end = this.next(line + 1);
    return plainValue(text);
  }

  private singleQuoted(line: number, c: number, col: number): string {
    let out = "";
    let i = line;
    let pos = c + 1;
    let blanks = 0;
    let first = true;
    for (;;) {
      const s = this.lines[i];
      let seg = "";
      let closed = -1;
      let p = pos;
      while (p < s.length) {
        const q = s.indexOf("'", p);
        if (q < 0) {
          seg += s.slice(p);
          p = s.length;
          break;
        }
        seg += s.slice(p, q);
        if (s[q + 1] === "'") {
          seg += "'";
          p = q + 2;
          continue;
        }
        closed = q;
        break;
      }
      if (!first) {
        // Leading spaces of a continuation line are not content.
        let k = 0;
        while (k < seg.length && seg.charCodeAt(k) === 32) k++;
        seg = seg.slice(k);
      }
      if (closed < 0) seg = seg.trimEnd();
      if (!first) out += blanks ? "\n".repeat(blanks) : " ";
      out += seg;
      if (closed >= 0) {
        this.endOfLine(s, closed + 1);
        this.end = this.next(i + 1);
        return out;
      }
      // Next line of the scalar.
      blanks = 0;
      i++;
      while (i < this.lines.length && this.indents[i] < 0) {
        blanks++;
        i++;
      }
      if (i >= this.lines.length || this.indents[i] <= col) throw BAIL;
      pos = this.indents[i];
      first = false;
    }
  }

  /** After a quoted scalar: nothing, or a comment after a space. */
  private endOfLine(s: string, p: number): void {
    const rest = s.slice(p);
    if (rest.trim() === "") return;
    if (/^ +#/.test(rest)) return;
    throw BAIL;
  }
}
