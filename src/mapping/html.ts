import type { AnyNode, Element } from "domhandler";
import { tableRow, type TableRows } from "./tables.js";

/**
 * `outputRawFormat: html`: the tables of a page as data, `{ "tables": [[{header: cell, …}, …], …] }`,
 * the contract the reference engine gives HTML (and Markdown) tables. `outputSchema` is a CSS
 * selector that scopes which tables count: the selected tables, and tables inside selected elements.
 *
 * The page is parsed as browsers parse it (parse5, the WHATWG tree construction), so a table without
 * `<tbody>` gets one, as in the reference engine's parser (jsoup).
 */

type Html = {
  parse: typeof import("parse5").parse;
  adapter: typeof import("parse5-htmlparser2-tree-adapter").adapter;
  selectAll: typeof import("css-select").selectAll;
  compile: typeof import("css-select").compile;
};

let loaded: Promise<Html> | undefined;

/** The parser and selector engine, loaded the first time a capability needs HTML. */
function html(): Promise<Html> {
  return (loaded ??= Promise.all([import("parse5"), import("parse5-htmlparser2-tree-adapter"), import("css-select")]).then(
    ([p5, tree, css]) => ({ parse: p5.parse, adapter: tree.adapter, selectAll: css.selectAll, compile: css.compile }),
  ));
}

/** Why a selector cannot be used, or undefined when it can: checked when the file is loaded. */
export async function selectorProblem(selector: string): Promise<string | undefined> {
  if (!selector.trim()) return undefined;
  const { compile } = await html();
  try {
    compile(selector);
    return undefined;
  } catch (e) {
    return `"${selector}" is not a CSS selector this runtime can apply (${(e as Error).message})`;
  }
}

export async function htmlToJson(text: string, selector?: string): Promise<{ tables: TableRows[] }> {
  const { parse, adapter, selectAll } = await html();
  const document = parse(text, { treeAdapter: adapter });
  const select = (query: string, root: AnyNode | AnyNode[]) => selectAll<AnyNode, Element>(query, root);
  let tables: Element[];
  if (!selector || !selector.trim()) tables = select("table", document);
  else {
    tables = [];
    for (const el of select(selector, document)) tables.push(...(el.name === "table" ? [el] : select("table", el)));
  }
  const out: TableRows[] = [];
  for (const table of tables) {
    let headerCells = select("thead tr:first-child th", table);
    if (!headerCells.length) headerCells = select("tr:first-child th", table);
    const headers = headerCells.map((th) => elementText(th));
    if (headers.every((h) => h === "")) continue;
    let rows = select("tbody tr", table);
    if (!rows.length) rows = select("tr", table);
    const records: TableRows = [];
    for (const row of rows) {
      // A row with a <th> anywhere in it is a header row.
      if (select("th", row).length) continue;
      const cells = select("td", row);
      if (!cells.length) continue;
      records.push(tableRow(headers, cells.map(elementText)));
    }
    out.push(records);
  }
  return { tables: out };
}

/**
 * An element's text as a reader sees it: whitespace runs (non-breaking spaces too) collapsed to one
 * space, a space where a block or a `<br>` breaks the line, trimmed at both ends.
 */
function elementText(root: Element): string {
  let out = "";
  const space = () => {
    if (out !== "" && !out.endsWith(" ")) out += " ";
  };
  const walk = (node: AnyNode) => {
    if (node.type === "text") {
      let t = node.data.replace(/[\u200b\u00ad]/g, "").replace(/[ \t\n\f\r\u00a0]+/g, " ");
      if (t.startsWith(" ") && (out === "" || out.endsWith(" "))) t = t.slice(1);
      out += t;
      return;
    }
    // Script and style elements hold no text a reader sees.
    if (node.type !== "tag") return;
    const block = BLOCKS.has(node.name);
    if (block || node.name === "br") space();
    for (const child of node.children) walk(child);
    if (block) space();
  };
  for (const child of root.children) walk(child);
  return out.trim();
}

const BLOCKS = new Set([
  "address",
  "article",
  "aside",
  "blockquote",
  "dd",
  "div",
  "dl",
  "dt",
  "fieldset",
  "figcaption",
  "figure",
  "footer",
  "form",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "header",
  "hr",
  "li",
  "main",
  "nav",
  "ol",
  "p",
  "pre",
  "section",
  "table",
  "tbody",
  "td",
  "tfoot",
  "th",
  "thead",
  "tr",
  "ul",
]);
