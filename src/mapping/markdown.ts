import type { Nodes, Root, Table } from "mdast";
import { yaml } from "../spec/yaml.js";
import { tableRow, type TableRows } from "./tables.js";
import { isJsonObject } from "../json.js";

/**
 * `outputRawFormat: markdown`: a document as data, the reference engine's contract:
 *
 *     { "frontMatter": {…}, "tables": [[{header: cell, …}, …], …],
 *       "sections": [{ "heading": "…", "level": 2, "content": "…" }, …] }
 *
 * `frontMatter` is the leading `---` YAML block (an object, else `{}`); `tables` are the GFM tables
 * at the top level of the document; `sections` run from one heading to the next, their `content`
 * the text of the blocks between (tables and code blocks left out), one line per block.
 * `outputSchema` keeps only the sections whose heading starts with it; written with `#` marks
 * (`## Results`) it also asks for that heading level.
 *
 * Parsed by micromark (CommonMark, as the reference engine's commonmark-java) with GFM tables.
 */

export interface MarkdownData {
  frontMatter: Record<string, unknown>;
  tables: TableRows[];
  sections: Array<{ heading: string; level: number; content: string }>;
}

type Parser = (text: string) => Root;
let loaded: Promise<Parser> | undefined;

/** The Markdown parser, loaded the first time a capability needs it. */
function parser(): Promise<Parser> {
  return (loaded ??= Promise.all([
    import("mdast-util-from-markdown"),
    import("micromark-extension-gfm-table"),
    import("mdast-util-gfm-table"),
  ]).then(
    ([{ fromMarkdown }, { gfmTable }, { gfmTableFromMarkdown }]) =>
      (text: string) =>
        fromMarkdown(text, { extensions: [gfmTable()], mdastExtensions: [gfmTableFromMarkdown()] }),
  ));
}

export async function markdownToJson(input: string, sectionFilter?: string): Promise<MarkdownData> {
  const text = input.replace(/\r\n/g, "\n");
  let frontMatter: Record<string, unknown> = {};
  let body = text;
  if (text.startsWith("---\n")) {
    const end = text.indexOf("\n---\n", 4);
    if (end > -1) {
      const block = text.slice(4, end).trim();
      body = text.slice(end + 5);
      if (block) {
        const parsed: unknown = yaml().parse(block, { maxAliasCount: 100 });
        if (isJsonObject(parsed)) frontMatter = parsed;
      }
    }
  }
  const root = (await parser())(body);
  const matches = headingMatcher(sectionFilter);
  const tables: MarkdownData["tables"] = [];
  const sections: MarkdownData["sections"] = [];
  let current: { heading: string; level: number; content: string[] } | undefined;
  const close = () => {
    if (current && matches(current.heading, current.level))
      sections.push({ heading: current.heading, level: current.level, content: current.content.join("\n").trim() });
  };
  for (const node of root.children) {
    if (node.type === "table") {
      const table = tableRows(node);
      if (table) tables.push(table);
    } else if (node.type === "heading") {
      close();
      current = { heading: textOf(node).trim(), level: node.depth, content: [] };
    } else if (current) {
      const t = textOf(node).trim();
      if (t) current.content.push(t);
    }
  }
  close();
  return { frontMatter, tables, sections };
}

function headingMatcher(filter: string | undefined): (heading: string, level: number) => boolean {
  if (!filter || !filter.trim()) return () => true;
  const marked = /^(#{1,6})\s+(.*)$/.exec(filter);
  if (marked) {
    const [, hashes, prefix] = marked;
    return (heading, level) => level === hashes.length && heading.startsWith(prefix);
  }
  return (heading) => heading.startsWith(filter);
}

function tableRows(table: Table): TableRows | undefined {
  const [head, ...rows] = table.children;
  const headers = (head?.children ?? []).map((cell) => textOf(cell).trim());
  if (headers.every((h) => h === "")) return undefined;
  return rows.map((row) =>
    tableRow(
      headers,
      row.children.map((cell) => textOf(cell).trim()),
    ),
  );
}

/**
 * The text of a node as commonmark-java collects it: text and inline code, a space for a soft line
 * break, a newline for a hard one; code blocks and raw HTML add nothing.
 */
function textOf(node: Nodes): string {
  switch (node.type) {
    case "text":
      return node.value.replace(/\n/g, " ");
    case "inlineCode":
      return node.value;
    case "break":
      return "\n";
    case "image":
    case "imageReference":
      return node.alt ?? "";
    case "code":
    case "html":
      return "";
    default:
      return "children" in node ? (node.children as Nodes[]).map(textOf).join("") : "";
  }
}
