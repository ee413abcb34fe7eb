import { isUtf8 } from "node:buffer";

/*
 * JSON text read from its bytes, without building the document.
 *
 * A tool answer carries the upstream's JSON twice: as the text block (a JSON string holding the
 * text) and as `structuredContent` (the text itself). Checking that the bytes are JSON and writing
 * them escaped, straight from the bytes, spares the call `JSON.parse` (which builds the whole
 * document only to say it is JSON and leaves it as garbage), `JSON.stringify` of the text and
 * encoding the answer again: with those, a call cost ~1.2 times as much (docs/mcp.md).
 *
 * A mapped output reads a few values of the upstream's document: `readSparse` checks the whole
 * text and parses only those (docs/PERFORMANCE.md).
 *
 * test/formats/json-text.test.ts holds these functions to `JSON.parse` and `JSON.stringify` on
 * generated and hand-picked texts.
 */

// Bytes, by name: the grammar below reads like RFC 8259's.
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const PLUS = 0x2b;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const SLASH = 0x2f;
const ZERO = 0x30;
const ONE = 0x31;
const NINE = 0x39;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
/** A closing bracket (`]`, `}`) is its opening one plus two. */
const CLOSE = 2;

/** Open arrays and objects, innermost last; grown when a document nests deeper. */
let open = new Uint8Array(256);
/** Bytes the text gains when escaped, counted while it is read. */
let extra = 0;
/** Where the last member name read (`member`) ended: after its closing quote. */
let nameEnd = 0;
/** Whether the last string read (a member name, right after `member`) had an escape. */
let escapes = false;

/**
 * How many bytes longer `bytes` get when escaped as the content of a JSON string, when they are
 * one JSON text (RFC 8259, as `JSON.parse` reads it); -1 when they are not. The bytes must be
 * UTF-8 (check with `isUtf8` first): only their ASCII bytes are read.
 */
export function escapedExtra(bytes: Uint8Array): number {
  extra = 0;
  const end = valueEnd(bytes, 0, bytes.length);
  return end >= 0 && space(bytes, end, bytes.length) === bytes.length ? extra : -1;
}

/**
 * What a mapping reads of a document: the member chains it follows (array elements by their
 * index), each to a value it takes whole.
 */
export interface ReadTree {
  /** The value here is read whole: a chain ends here. */
  whole: boolean;
  /** The members (or elements) read further, with their names' UTF-8 bytes to compare undecoded. */
  names: string[];
  bytes: Buffer[];
  next: ReadTree[];
}

export function readTree(chains: Iterable<readonly string[]>): ReadTree {
  const node = (): ReadTree => ({ whole: false, names: [], bytes: [], next: [] });
  const root = node();
  for (const chain of chains) {
    let at = root;
    for (const step of chain) {
      if (at.whole) break;
      let k = at.names.indexOf(step);
      if (k < 0) {
        k = at.names.push(step) - 1;
        at.bytes.push(Buffer.from(step));
        at.next.push(node());
      }
      at = at.next[k];
    }
    at.whole = true;
  }
  return root;
}

/**
 * The document in `bytes` with only what `tree` reads of it built, the rest checked and skipped,
 * when the bytes are UTF-8 JSON text; undefined otherwise (`JSON.parse` then reads or refuses them
 * as usual). Every chain of the tree finds there what it finds in `JSON.parse`'s document: objects
 * hold the last value of a repeated member (`__proto__` an own member), arrays their length.
 */
export function readSparse(bytes: Buffer, tree: ReadTree): unknown {
  const n = bytes.length;
  if (!isUtf8(bytes)) return undefined;
  const value = sparseValue(bytes, space(bytes, 0, n), n, tree);
  return value === FAILED || space(bytes, sparseEnd, n) !== n ? undefined : value;
}

const FAILED = Symbol("not JSON text");
/** Where the last value `sparseValue` read ended. */
let sparseEnd = 0;

function sparseValue(b: Buffer, i: number, n: number, tree: ReadTree): unknown {
  const c = b[i];
  if (tree.whole || (c !== OPEN_OBJECT && c !== OPEN_ARRAY)) {
    const end = valueEnd(b, i, n);
    if (end < 0) return FAILED;
    sparseEnd = end;
    return leaf(b, i, end, c);
  }
  const object = c === OPEN_OBJECT;
  const out: Record<string, unknown> | unknown[] = object ? {} : [];
  let index = 0;
  i = space(b, i + 1, n);
  if (b[i] === c + CLOSE) {
    sparseEnd = i + 1;
    return out;
  }
  for (;;) {
    let k: number;
    if (object) {
      const nameAt = i;
      if ((i = member(b, i, n)) < 0) return FAILED;
      k = wanted(b, nameAt, nameEnd, escapes, tree);
      i = space(b, i, n);
    } else k = tree.names.indexOf(String(index));
    if (k < 0) {
      if ((i = valueEnd(b, i, n)) < 0) return FAILED;
    } else {
      const value = sparseValue(b, i, n, tree.next[k]);
      if (value === FAILED) return FAILED;
      i = sparseEnd;
      if (!object) (out as unknown[])[index] = value;
      else if (tree.names[k] === "__proto__")
        Object.defineProperty(out, "__proto__", { value, enumerable: true, writable: true, configurable: true });
      else (out as Record<string, unknown>)[tree.names[k]] = value;
    }
    index++;
    i = space(b, i, n);
    if (b[i] === COMMA) i = space(b, i + 1, n);
    else if (b[i] === c + CLOSE) {
      if (!object) (out as unknown[]).length = index;
      sparseEnd = i + 1;
      return out;
    } else return FAILED;
  }
}

/**
 * A value `valueEnd` checked, from `i` to `end`: scalars read directly (what `JSON.parse` would
 * make of them), an escaped string, an object or an array by `JSON.parse`.
 */
function leaf(b: Buffer, i: number, end: number, c: number): unknown {
  if (c === QUOTE) return escapes ? JSON.parse(b.toString("utf8", i, end)) : b.toString("utf8", i + 1, end - 1);
  if (c === 0x74) return true;
  if (c === 0x66) return false;
  if (c === 0x6e) return null;
  if (c === OPEN_OBJECT || c === OPEN_ARRAY) return JSON.parse(b.toString("utf8", i, end));
  return Number(b.toString("latin1", i, end));
}

/** Which of the tree's names the member name from its opening quote to after its closing one is; -1 for none. */
function wanted(b: Buffer, start: number, end: number, escaped: boolean, tree: ReadTree): number {
  if (escaped) return tree.names.indexOf(JSON.parse(b.toString("utf8", start, end)) as string);
  const length = end - start - 2;
  for (let k = 0; k < tree.bytes.length; k++) {
    const candidate = tree.bytes[k];
    if (candidate.length !== length) continue;
    let j = 0;
    while (j < length && candidate[j] === b[start + 1 + j]) j++;
    if (j === length) return k;
  }
  return -1;
}

/** One JSON value from `i` (white space before it skipped); the index right after it, or -1. */
function valueEnd(bytes: Uint8Array, i: number, n: number): number {
  let depth = 0;
  for (;;) {
    // A value.
    i = space(bytes, i, n);
    if (i >= n) return -1;
    let c = bytes[i];
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      i = space(bytes, i + 1, n);
      if (bytes[i] === c + CLOSE) i++;
      else {
        if (depth === open.length) open = grown(open);
        open[depth++] = c;
        if (c === OPEN_OBJECT && (i = member(bytes, i, n)) < 0) return -1;
        continue;
      }
    } else if (c === QUOTE) {
      if ((i = string(bytes, i, n)) < 0) return -1;
    } else if (c === 0x74) {
      if (!literal(bytes, i, "true")) return -1;
      i += 4;
    } else if (c === 0x66) {
      if (!literal(bytes, i, "false")) return -1;
      i += 5;
    } else if (c === 0x6e) {
      if (!literal(bytes, i, "null")) return -1;
      i += 4;
    } else if ((i = number(bytes, i, n)) < 0) return -1;
    // What follows a value: the end of this one, a comma and the next element or member, or
    // closing brackets.
    for (;;) {
      if (depth === 0) return i;
      i = space(bytes, i, n);
      c = bytes[i++];
      const inner = open[depth - 1];
      if (c === COMMA) {
        if (inner === OPEN_OBJECT && (i = member(bytes, space(bytes, i, n), n)) < 0) return -1;
        break;
      }
      if (c !== inner + CLOSE) return -1;
      depth--;
    }
  }
}

/** Whether JSON text (as `escapedExtra` took it) is an object. */
export function isObjectText(bytes: Uint8Array): boolean {
  return bytes[space(bytes, 0, bytes.length)] === OPEN_OBJECT;
}

/**
 * Writes JSON text (UTF-8, as `escapedExtra` took it) into `out` at `at`, escaped as the content
 * of a JSON string, exactly as `JSON.stringify` writes it; returns where it ended. In JSON text a
 * control character can only be white space, so quotes, backslashes, tabs and line ends are all
 * there is to escape.
 */
export function writeEscaped(bytes: Uint8Array, out: Uint8Array, at: number): number {
  let j = at;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === QUOTE || c === BACKSLASH) {
      out[j++] = BACKSLASH;
      out[j++] = c;
    } else if (c < SPACE) {
      out[j++] = BACKSLASH;
      out[j++] = c === LF ? 0x6e : c === CR ? 0x72 : 0x74;
    } else out[j++] = c;
  }
  return j;
}

/** A member's name and colon, from its opening quote; the index after the colon, or -1. */
function member(b: Uint8Array, i: number, n: number): number {
  if (b[i] !== QUOTE || (i = string(b, i, n)) < 0) return -1;
  nameEnd = i;
  i = space(b, i, n);
  return b[i] === COLON ? i + 1 : -1;
}

function space(b: Uint8Array, i: number, n: number): number {
  for (; i < n; i++) {
    const c = b[i];
    if (c === SPACE) continue;
    if (c === LF || c === CR || c === TAB) {
      extra++;
      continue;
    }
    break;
  }
  return i;
}

/** 1 for the bytes a string's plain run stops at: its quote, a backslash, a control character. */
const STOPS = new Uint8Array(256);
for (let c = 0; c < SPACE; c++) STOPS[c] = 1;
STOPS[QUOTE] = STOPS[BACKSLASH] = 1;

/** A string from its opening quote; the index after its closing one, or -1. */
function string(b: Uint8Array, i: number, n: number): number {
  extra += 2;
  escapes = false;
  i++;
  while (i < n) {
    // No bound check: `n` is always the text's length, and past it `b[i]` is undefined, not 0.
    while (STOPS[b[i]] === 0) i++;
    const c = b[i++];
    if (c === QUOTE) return i;
    if (c === BACKSLASH) {
      extra++;
      escapes = true;
      const e = b[i++];
      if (e === 0x75) {
        for (const end = i + 4; i < end; i++) if (!isHex(b[i])) return -1;
      } else if (e === QUOTE || e === BACKSLASH) extra++;
      else if (!(e === SLASH || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74)) return -1;
    } else if (c < SPACE) return -1;
  }
  return -1;
}

function isHex(c: number): boolean {
  const lower = c | 0x20;
  return (c >= ZERO && c <= NINE) || (lower >= 0x61 && lower <= 0x66);
}

function literal(b: Uint8Array, i: number, word: string): boolean {
  for (let k = 1; k < word.length; k++) if (b[i + k] !== word.charCodeAt(k)) return false;
  return true;
}

/** A number; the index after it, or -1. */
function number(b: Uint8Array, i: number, n: number): number {
  if (b[i] === MINUS) i++;
  if (b[i] === ZERO) i++;
  else if (b[i] >= ONE && b[i] <= NINE) i = digits(b, i + 1, n);
  else return -1;
  if (b[i] === DOT) {
    const j = digits(b, i + 1, n);
    if (j === i + 1) return -1;
    i = j;
  }
  if ((b[i] | 0x20) === 0x65) {
    i++;
    if (b[i] === PLUS || b[i] === MINUS) i++;
    const j = digits(b, i, n);
    if (j === i) return -1;
    i = j;
  }
  return i;
}

function digits(b: Uint8Array, i: number, n: number): number {
  while (i < n && b[i] >= ZERO && b[i] <= NINE) i++;
  return i;
}

function grown(stack: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const bigger = new Uint8Array(stack.length * 2);
  bigger.set(stack);
  return bigger;
}
