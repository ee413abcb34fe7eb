import { invalidParams } from "./sdk.js";

/** Entries per page of a list (`tools/list`, `resources/list`, …); a longer list answers with a `nextCursor`. */
export const PAGE_SIZE = 100;

/**
 * The page of `list` starting at `cursor` (the whole list for a short one). A cursor is an offset,
 * so any instance of a stateless server continues a list another one began.
 */
export function pageOf<T>(list: readonly T[], cursor: string | undefined, method: string): { items: readonly T[]; nextCursor?: string } {
  const start = decodeCursor(cursor, method);
  const items = start === 0 && list.length <= PAGE_SIZE ? list : list.slice(start, start + PAGE_SIZE);
  return start + PAGE_SIZE < list.length ? { items, nextCursor: encodeCursor(start + PAGE_SIZE) } : { items };
}

function encodeCursor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString("base64url");
}

function decodeCursor(cursor: string | undefined, method: string): number {
  if (cursor === undefined) return 0;
  const m = /^offset:(\d+)$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!m) throw invalidParams(`Invalid cursor: pass the nextCursor of a previous ${method}`);
  return Number(m[1]);
}
