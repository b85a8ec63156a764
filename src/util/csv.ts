import { stringify } from "csv-stringify/sync";
import { roundFigure } from "./round.js";

/** A CSV cell: text, a number (rounded to 6 significant digits, src/util/round.ts: no float noise), or empty. */
export type CsvCell = string | number | null | undefined;

/**
 * The one CSV writer (results.csv, the report's tables): RFC 4180 quoting by csv-stringify, and a guard
 * that no library applies for us: text a spreadsheet would run as a formula (starting with = + - @, a tab
 * or a carriage return) gets a leading apostrophe.
 */
export function toCsv(header: readonly string[], rows: readonly CsvCell[][]): string {
  return stringify([header.map(csvText), ...rows.map((row) => row.map(csvText))], {
    record_delimiter: "unix",
    // A lone carriage return inside a field breaks some readers: quote it like a newline.
    quoted_match: /\r/,
  });
}

function csvText(v: CsvCell): string {
  if (v === null || v === undefined || (typeof v === "number" && Number.isNaN(v))) return "";
  if (typeof v === "number") return String(roundFigure(v));
  return /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}
