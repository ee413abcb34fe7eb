import { util } from "../builtins.js";
import type { ParseArgsConfig } from "node:util";

/** A command line the CLI cannot act on: printed as one line, exit code 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** The one line a usage mistake gets: `<prefix>: <what is wrong>. Run "<help>" for <what>.` */
export function usageLine(prefix: string, e: UsageError, help: string, what: string): string {
  return `${prefix}: ${e.message}${e.message.endsWith("?") ? "" : "."} Run "${help}" for ${what}.\n`;
}

/**
 * A command's options and positionals. Node's parseArgs errors are long and name no alternative;
 * a mistyped option gets one line instead, with the closest option the command has.
 */
export function parseCommandArgs<const O extends Options>(argv: string[], options: O) {
  try {
    return util.parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (e) {
    throw usageError(e as Error & { code?: string }, options);
  }
}

function usageError(e: Error & { code?: string }, options: Options): Error {
  const flag = /'(-[^' ]*)/.exec(e.message)?.[1] ?? "";
  const [name] = flag.split("=");
  const known = Object.entries(options).flatMap(([long, o]) => [`--${long}`, ...(o.short ? [`-${o.short}`] : [])]);
  switch (e.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION": {
      const near = closest(name, known);
      return new UsageError(`unknown option ${name}${near ? `; did you mean ${near}?` : ""}`);
    }
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return new UsageError(
        /argument missing/.test(e.message) ? `${longName(name, options)} needs a value` : `${longName(name, options)} takes no value`,
      );
    default:
      return e.code?.startsWith("ERR_PARSE_ARGS_") ? new UsageError(e.message) : e;
  }
}

function longName(flag: string, options: Options): string {
  if (flag.startsWith("--")) return flag;
  const long = Object.entries(options).find(([, o]) => o.short === flag.slice(1))?.[0];
  return long ? `--${long}` : flag;
}

/** The candidate nearest to `word`, if it is near enough to be a typo of it. */
export function closest(word: string, candidates: string[]): string | undefined {
  if (word.replace(/^-+/, "").length < 2) return undefined; // "-x": too short to guess from
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = c.startsWith(word) && word.length >= 3 ? 1 : distance(word, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** Levenshtein distance, with a swap of two neighbours counted as one edit. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
