import { readFile, stat } from "node:fs/promises";
import { nestedDeeperThan } from "../depth.js";
import type { Document, LineCounter, Node } from "yaml";
import { fastParseYaml, MAX_NESTING } from "./fast-yaml.js";
import { BEYOND_LATIN1, oneByte } from "./one-byte.js";
import { yaml } from "./yaml.js";
import type { DocPath, Locator, Problem } from "./problems.js";

/** A parsed YAML file: its plain data plus a way back to line and column for any path. */
export interface SourceFile {
  file: string;
  data: unknown;
  locate: Locator;
  /** Syntax errors; when non-empty, `data` is whatever the parser could recover. */
  problems: Problem[];
}

// Guards against YAML bombs: an alias-heavy document expands far beyond its size on toJS().
const MAX_ALIAS_COUNT = 100;

/** Capability files are tens of kilobytes; a far larger one is a mistake or an attack on the parser. */
export const MAX_FILE_BYTES = 4 * 1024 * 1024;
/** Deepest nesting a capability document may have; real ones stay under 15. */
export const MAX_DEPTH = 128;

export async function readSource(file: string): Promise<SourceFile> {
  const size = (await stat(file)).size;
  if (size > MAX_FILE_BYTES) {
    const problem: Problem = {
      file,
      line: 1,
      col: 1,
      path: "(file)",
      message: `file is ${size} bytes; capability files are limited to ${MAX_FILE_BYTES} bytes (4 MiB)`,
      severity: "error",
    };
    return { file, data: null, locate: () => ({ line: 1, col: 1 }), problems: [problem] };
  }
  return parseSource(file, await readFile(file, "utf8"));
}

export function parseSource(file: string, text: string): SourceFile {
  // Whether the text is stored two bytes per character: its keys and strings are then copied.
  const wide = BEYOND_LATIN1.test(text);
  // Plain documents (nearly every capability file) are read by the fast path; `yaml` then runs only
  // if a problem needs a line and column, which is the same parse and gives the same positions.
  // What it reads nests at most MAX_NESTING (< MAX_DEPTH) levels: no depth check needed.
  const fast = MAX_NESTING < MAX_DEPTH ? fastParseYaml(text, wide) : undefined;
  if (fast) {
    let parsed: Parsed | undefined;
    const locate: Locator = (path, key) => locateIn((parsed ??= parseFull(text)), path, key);
    return { file, data: ownStrings(fast.data, text, wide), locate, problems: [] };
  }
  const parsed = parseFull(text);
  const { doc } = parsed;
  const problems: Problem[] = [];
  for (const e of [...doc.errors, ...doc.warnings]) {
    const { line, col } = at(parsed, e.pos[0]);
    const message = e.message.includes("Maximum call stack size exceeded")
      ? `nested deeper than the parser can follow`
      : e.message.split("\n")[0];
    problems.push({
      file,
      line,
      col,
      path: "(yaml)",
      message,
      severity: e instanceof Error && doc.errors.includes(e) ? "error" : "warning",
    });
  }
  let data: unknown = null;
  if (doc.errors.length === 0) {
    try {
      if (wide) oneByteKeys(doc);
      data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
      if (nestedDeeperThan(data, MAX_DEPTH)) {
        data = null;
        problems.push({
          file,
          line: 1,
          col: 1,
          path: "(yaml)",
          message: `document is nested deeper than ${MAX_DEPTH} levels`,
          severity: "error",
        });
      }
    } catch (e) {
      const message = e instanceof RangeError ? "document is nested too deeply to read" : (e as Error).message;
      problems.push({ file, line: 1, col: 1, path: "(yaml)", message, severity: "error" });
    }
  }
  const locate: Locator = (path, key) => locateIn(parsed, path, key);
  return { file, data: ownStrings(data, text, wide), locate, problems };
}

/** Values JSON cannot carry exactly: `.inf`, `.nan`, `-0`. */
const NOT_JSON = /\.(?:inf|nan)|-0(?!\d)/i;

/**
 * The data with every string value its own copy, one byte per character where it fits. A parser
 * hands out slices of the file's text, and a text with a single character beyond Latin-1 (an em
 * dash in a description) is stored two bytes per character, its slices too: every name, route and
 * path — and every log line, URL and header later built from them — would be two-byte (slower
 * to build and write on every call), and each slice would keep the whole text alive. A JSON round
 * trip makes the copies, once at load; a document that may hold a value JSON cannot carry keeps
 * its slices. Keys are made one-byte as they are read (one-byte.ts): a copy cannot change a key
 * V8 has already seen.
 */
function ownStrings(data: unknown, text: string, wide: boolean): unknown {
  if (data === null || !wide || NOT_JSON.test(text)) return data;
  return JSON.parse(JSON.stringify(data));
}

/** Map keys made one-byte copies before `toJS` makes them property names (see one-byte.ts). */
function oneByteKeys(doc: Document.Parsed): void {
  const { isScalar, visit } = yaml();
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && typeof pair.key.value === "string") pair.key.value = oneByte(pair.key.value);
    },
  });
}

interface Parsed {
  doc: Document.Parsed;
  lines: LineCounter;
}

function parseFull(text: string): Parsed {
  const { LineCounter, parseDocument } = yaml();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, strict: true });
  return { doc, lines };
}

function at({ lines }: Parsed, offset: number): { line: number; col: number } {
  const pos = lines.linePos(offset);
  return { line: pos.line, col: pos.col };
}

function locateIn(parsed: Parsed, path: DocPath, key = false): { line: number; col: number } {
  const { isMap, isScalar, isSeq } = yaml();
  let node: unknown = parsed.doc.contents;
  let best = 0;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === seg);
      if (!pair) break;
      const last = i === path.length - 1;
      const keyNode = pair.key as Node | null;
      if (last && key && keyNode?.range) return at(parsed, keyNode.range[0]);
      node = pair.value ?? keyNode;
      const range = (node as Node | null)?.range ?? keyNode?.range;
      if (range) best = range[0];
    } else if (isSeq(node) && typeof seg === "number") {
      node = node.items[seg];
      const range = (node as Node | null)?.range;
      if (!range) break;
      best = range[0];
    } else break;
  }
  return at(parsed, best);
}
