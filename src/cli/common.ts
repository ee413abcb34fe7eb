import { BindError } from "../spec/binds.js";
import { loadCapability, type Capability } from "../spec/load.js";
import { CapabilityError, formatProblem } from "../spec/problems.js";

/** Loads a capability for a one-shot command; on failure prints every problem and returns an exit code. */
export async function loadOrReport(command: string, file: string): Promise<Capability | number> {
  try {
    const capability = await loadCapability(file);
    for (const w of capability.warnings) process.stderr.write(`${formatProblem(w)}\n`);
    return capability;
  } catch (e) {
    if (e instanceof CapabilityError) {
      for (const p of e.problems) process.stderr.write(`${formatProblem(p)}\n`);
      process.stderr.write(`naftiko ${command}: ${file} has problems; fix them (see "naftiko validate ${file}") and try again\n`);
      return 1;
    }
    if (e instanceof BindError) {
      process.stderr.write(`naftiko ${command}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

/** Colours only when the stream is a terminal and NO_COLOR is not set. */
export function styler(stream: NodeJS.WriteStream) {
  const on = stream.isTTY === true && !process.env.NO_COLOR;
  const wrap = (code: string) => (s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);
  return { bold: wrap("1"), dim: wrap("2"), red: wrap("31"), green: wrap("32"), cyan: wrap("36"), on };
}

/** A plain text table: columns padded to their widest cell (ANSI codes not counted). */
export function table(header: string[], rows: string[][], style: (s: string) => string = (s) => s): string {
  // eslint-disable-next-line no-control-regex -- ESC starts the ANSI colour codes this strips
  const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "").length;
  const widths = header.map((h, i) => Math.max(visible(h), ...rows.map((r) => visible(r[i] ?? ""))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + " ".repeat(widths[i] - visible(c))))
      .join("  ")
      .trimEnd();
  return [style(line(header)), ...rows.map(line)].join("\n") + "\n";
}
