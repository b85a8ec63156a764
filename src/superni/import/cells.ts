import { UserError } from "../../util/errors.js";
import { typeName } from "./json.js";
import { InvalidUtf8Cell, type SourceRow, type SourceTable } from "./table.js";
import { describeCellFault } from "./text.js";
import { q } from "./quote.js";

/** A column the import uses, with the flag that named it (for messages). */
export interface ColumnRef {
  name: string;
  flag: string;
}

/** Fail unless every column exists in the file, listing the ones that do. */
export function requireColumns(table: SourceTable, columns: ColumnRef[]): void {
  for (const c of columns) {
    if (!table.columns.includes(c.name))
      throw new UserError(
        `${table.file}: no column ${q(c.name)} (${c.flag}); the columns are: ${table.columns.map(q).join(", ")}`,
        `pass ${c.flag} one of the columns above`,
      );
  }
}

/** A cell as non-empty text: strings as they are, numbers and booleans written out. */
export function textCell(row: SourceRow, column: ColumnRef, what: string): string {
  const value = present(row, column);
  const text = scalarText(value, `${row.at}: column ${q(column.name)}`);
  if (text.trim() === "")
    throw new UserError(`${row.at}: column ${q(column.name)}: empty ${what} cell`, emptyHint(what));
  return text;
}

/** A cell as text that may be empty or absent (""). */
export function optionalTextCell(row: SourceRow, column: ColumnRef): string {
  return scalarText(row.cells.get(column.name), `${row.at}: column ${q(column.name)}`);
}

/**
 * A cell as one or more references: a list cell (JSON lines, JSON, Parquet) gives one reference per
 * element; a text cell gives one, or several when `sep` splits it (each part trimmed).
 */
export function referencesCell(row: SourceRow, column: ColumnRef, sep: string | undefined): string[] {
  const value = present(row, column);
  const where = `${row.at}: column ${q(column.name)}`;
  if (Array.isArray(value)) {
    if (value.length === 0)
      throw new UserError(`${where}: empty output cell (an empty list)`, emptyHint("output"));
    return value.map((v, i) => {
      const text = scalarText(v, `${where}[${i}]`);
      if (text.trim() === "") throw new UserError(`${where}[${i}]: empty reference in the list`);
      return text;
    });
  }
  const text = textCell(row, column, "output");
  if (sep === undefined) return [text];
  const parts = text.split(sep).map((p) => p.trim());
  const empty = parts.findIndex((p) => p === "");
  if (empty !== -1)
    throw new UserError(
      `${where}: reference ${empty + 1} of ${parts.length} is empty after splitting on --output-sep ${JSON.stringify(sep)}`,
    );
  return parts;
}

function present(row: SourceRow, column: ColumnRef): unknown {
  if (!row.cells.has(column.name))
    throw new UserError(`${row.at}: column ${q(column.name)} (${column.flag}) is missing in this row`);
  return row.cells.get(column.name);
}

function scalarText(value: unknown, where: string): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  if (value instanceof InvalidUtf8Cell)
    throw new UserError(
      `${where}: not valid UTF-8: ${describeCellFault(value.bytes)}`,
      "write text columns as UTF-8 strings",
    );
  throw new UserError(`${where}: expected text, got ${typeName(value)}`);
}

function emptyHint(what: string): string {
  return `every row needs a non-empty ${what}: fill it in or drop the row`;
}
