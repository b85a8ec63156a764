import { roundNumbers } from "../util/round.js";

/**
 * One JSON document on stdout, for `--json`: nothing else may be printed on stdout in that mode. Numbers
 * are rounded for pasting (src/util/round.ts) unless `exact`: `score --json` keeps its figures to the last
 * bit, because they are compared digit for digit with SuperNI's own evaluation (docs/scoring.md).
 */
export function printJson(value: unknown, opts: { exact?: boolean } = {}): void {
  process.stdout.write(JSON.stringify(opts.exact ? value : roundNumbers(value), null, 2) + "\n");
}

/** Human-readable progress and notes go to stderr, so stdout stays clean for data. */
export function info(message: string): void {
  process.stderr.write(message + "\n");
}

/** A plain fixed-width text table (first column left-aligned, others right-aligned). */
export function formatTable(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(cells[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join(
    "\n",
  );
}
