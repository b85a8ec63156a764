import { UserError } from "../../util/errors.js";
import { emptyFile } from "./delimited.js";
import type { SourceRow, SourceTable } from "./table.js";

/** JSON lines: one object per non-blank line; its keys are the columns. */
export function parseJsonl(text: string, file: string): SourceTable {
  const rows: SourceRow[] = [];
  text.split("\n").forEach((raw, i) => {
    if (raw.trim() === "") return;
    const line = i + 1;
    const at = `${file}:${line} (row ${rows.length + 1})`;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      throw new UserError(
        `${at}: invalid JSON: ${oneLine((e as Error).message)}`,
        "each line must be one JSON object",
      );
    }
    rows.push(objectRow(value, rows.length + 1, at));
  });
  if (rows.length === 0) throw emptyFile(file);
  return { file, format: "jsonl", columns: columnsOf(rows), rows };
}

/** A JSON document holding a list of objects; its keys are the columns. */
export function parseJsonArray(text: string, file: string): SourceTable {
  if (text.trim() === "") throw emptyFile(file);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file}: invalid JSON: ${oneLine((e as Error).message)}`);
  }
  if (!Array.isArray(value))
    throw new UserError(
      `${file}: expected a JSON list of objects, got ${typeName(value)}`,
      "for one object per line use --format jsonl",
    );
  if (value.length === 0) throw new UserError(`${file}: the list is empty: no rows to import`);
  const rows = value.map((v, i) => objectRow(v, i + 1, `${file}: row ${i + 1}`));
  return { file, format: "json", columns: columnsOf(rows), rows };
}

function objectRow(value: unknown, row: number, at: string): SourceRow {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new UserError(`${at}: expected a JSON object, got ${typeName(value)}`);
  return { row, at, cells: new Map(Object.entries(value)) };
}

function columnsOf(rows: SourceRow[]): string[] {
  const columns = new Set<string>();
  for (const r of rows) for (const c of r.cells.keys()) columns.add(c);
  return [...columns];
}

// V8 quotes the offending text in some messages; a quoted newline would break the one-line error.
function oneLine(message: string): string {
  return message.replace(/\s+/g, " ");
}

export function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (v instanceof Date) return "a date";
  if (v instanceof Uint8Array) return "bytes";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}
