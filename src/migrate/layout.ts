import type { Document, ToStringOptions } from "yaml";
import { yaml } from "../spec/yaml.js";

/**
 * How a file lays itself out, so that the rewritten one looks like it: whether block sequences are
 * indented under their key (`key:\n  - a`) or not (`key:\n- a`), and how wide its lines run (the
 * YAML library folds long scalars at that width).
 */
export function layoutOf(text: string): ToStringOptions {
  const { LineCounter, isMap, isPair, isSeq, parseDocument, visit } = yaml();
  const lines = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter: lines });
  let indentSeq: boolean | undefined;
  visit(doc, {
    Pair(_, pair, path) {
      const parent = path[path.length - 1];
      if (!isPair(pair) || !isMap(parent) || parent.flow || !isSeq(pair.value) || pair.value.flow) return undefined;
      const key = (pair.key as { range?: [number, number, number] } | null)?.range;
      const seq = pair.value.range;
      if (!key || !seq) return undefined;
      indentSeq = lines.linePos(seq[0]).col > lines.linePos(key[0]).col;
      return visit.BREAK;
    },
  });
  const longest = Math.max(0, ...text.split("\n").map((l) => l.length));
  return { indentSeq: indentSeq ?? true, lineWidth: Math.max(80, longest) };
}
