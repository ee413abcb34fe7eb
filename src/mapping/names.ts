/**
 * How the caller's input names meet the file's names. Generated files write `{connection-id}` in the
 * exposed path and `rest.connection_id` in `with`, or `{patchpanelid}` and `rest.patchPanelId`: names
 * match ignoring case, with `-` and `_` alike.
 */
export function sameName(a: string, b: string): boolean {
  return normalizeName(a) === normalizeName(b);
}

export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/-/g, "_");
}
