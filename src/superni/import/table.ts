/** The formats `quicklearn task import` reads. */
export const IMPORT_FORMATS = ["csv", "tsv", "jsonl", "json", "parquet"] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** One data row of an input file, with where it came from for error messages. */
export interface SourceRow {
  /** 1-based position among the file's data rows (a CSV header is not a row). */
  row: number;
  /** Prefix for a message about this row: `data.csv:7 (row 5)` or `data.parquet: row 5`. */
  at: string;
  /** Cell values by column name; a column the row lacks is absent. */
  cells: ReadonlyMap<string, unknown>;
}

/** A whole input file as rows of named cells, in file order. */
export interface SourceTable {
  file: string;
  format: ImportFormat;
  /** Every column name seen, in first-seen order. */
  columns: string[];
  rows: SourceRow[];
}

/**
 * A text cell whose bytes are not UTF-8 (only Parquet can carry one past the file-level check): kept as a
 * marker so that the error can name the row and column, which the Parquet decoder does not know.
 */
export class InvalidUtf8Cell {
  constructor(readonly bytes: Uint8Array) {}
}
