import { CsvError, parse } from "csv-parse/sync";
import { UserError } from "../../util/errors.js";
import type { SourceRow, SourceTable } from "./table.js";
import { q } from "./quote.js";

interface ParsedRecord {
  record: string[];
  /** `bytes`: UTF-8 bytes consumed up to the end of this record (its line break included). */
  info: { bytes: number };
}

/**
 * CSV or TSV text (already decoded) as a table: the first record is the header. csv-parse handles
 * quoting, doubled quotes, embedded newlines and CRLF; every row must have as many fields as the header.
 */
export function parseDelimited(text: string, file: string, format: "csv" | "tsv"): SourceTable {
  const lines = new LineIndex(text);
  const records = parseRecords(text, file, format, lines);
  const [header, ...data] = records;
  if (header === undefined) throw emptyFile(file);
  const columns = header.record;
  checkHeader(columns, `${file}:${lines.recordLine(0)}`);
  if (data.length === 0)
    throw new UserError(
      `${file}: no data rows (only a header)`,
      "the rows below the header become instances",
    );

  const rows: SourceRow[] = data.map((r, i) => {
    const at = `${file}:${lines.recordLine(records[i]!.info.bytes)} (row ${i + 1})`;
    if (r.record.length !== columns.length) {
      throw new UserError(
        `${at}: ${r.record.length} fields, but the header on line ${lines.recordLine(0)} has ${columns.length}`,
        format === "csv"
          ? 'a field holding a comma must be quoted: "a, b"'
          : "a field holding a tab must be quoted",
      );
    }
    return { row: i + 1, at, cells: new Map(columns.map((c, k) => [c, r.record[k]])) };
  });
  return { file, format, columns, rows };
}

function parseRecords(text: string, file: string, format: "csv" | "tsv", lines: LineIndex): ParsedRecord[] {
  let lastEnd = 0;
  try {
    return parse(text, {
      delimiter: format === "tsv" ? "\t" : ",",
      bom: true,
      info: true,
      // Ragged rows are reported by parseDelimited with the header's width, not by csv-parse.
      relax_column_count: true,
      // A quote inside an unquoted field (`He said "hi"`) is kept as text, as Python's csv module does.
      relax_quotes: true,
      skip_empty_lines: true,
      on_record: (record, context) => ((lastEnd = context.bytes), record),
    }) as unknown as ParsedRecord[];
  } catch (e) {
    if (!(e instanceof CsvError)) throw e;
    const hint =
      'quote a field that holds a delimiter, a newline or a quote, and double its quotes: "say ""hi"""';
    const what = format.toUpperCase();
    // csv-parse reports an unclosed quote at the end of the file; the record that opened it is the one
    // after the last complete record.
    if (e.code === "CSV_QUOTE_NOT_CLOSED")
      throw new UserError(
        `${file}:${lines.recordLine(lastEnd)}: cannot parse ${what}: a quoted field opened in this record is never closed`,
        hint,
      );
    const line = (e as CsvError & { lines?: number }).lines;
    throw new UserError(
      `${file}${line === undefined ? "" : `:${line}`}: cannot parse ${what}: ${e.message}`,
      hint,
    );
  }
}

/**
 * Line numbers from csv-parse's byte offsets. Its own line counter counts a CRLF inside a quoted field
 * as two lines, so record lines are computed here: a record starts at the previous one's end, after any
 * empty lines (which csv-parse skips); a line ends at CRLF, LF or a lone CR.
 */
class LineIndex {
  private readonly bytes: Buffer;
  /** Byte offset where each line starts; lineStarts[0] = 0 is line 1. */
  private readonly lineStarts: number[] = [0];

  constructor(text: string) {
    this.bytes = Buffer.from(text);
    const b = this.bytes;
    for (let i = 0; i < b.length; i++) {
      if (b[i] === 0x0a || (b[i] === 0x0d && b[i + 1] !== 0x0a)) this.lineStarts.push(i + 1);
    }
  }

  /** The line of the first record that starts at or after byte offset `end`. */
  recordLine(end: number): number {
    let at = end;
    while (this.bytes[at] === 0x0a || this.bytes[at] === 0x0d) at++;
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }
}

function checkHeader(columns: string[], at: string): void {
  const seen = new Map<string, number>();
  columns.forEach((name, i) => {
    const first = seen.get(name);
    if (first !== undefined)
      throw new UserError(
        `${at}: column ${q(name)} appears twice in the header (fields ${first + 1} and ${i + 1})`,
        "rename one of them",
      );
    seen.set(name, i);
  });
}

export function emptyFile(file: string): UserError {
  return new UserError(`${file}: empty file`, "the file must hold the rows to import");
}
