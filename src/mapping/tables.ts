/**
 * The table contract HTML and Markdown share: a table is a list of rows, each row an object keyed by
 * the table's header cells.
 */
export type TableRows = Array<Record<string, string>>;

/** One row keyed by the headers; a missing cell is "", cells beyond the headers are dropped. */
export function tableRow(headers: string[], values: string[]): Record<string, string> {
  // fromEntries, not assignment: a column named `__proto__` is a column like any other.
  return Object.fromEntries(headers.map((h, i) => [h, values[i] ?? ""]));
}
