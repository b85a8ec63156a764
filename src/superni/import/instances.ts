import { UserError } from "../../util/errors.js";
import type { Instance } from "../task.js";
import { referencesCell, requireColumns, textCell, type ColumnRef } from "./cells.js";
import type { SourceTable } from "./table.js";
import { q } from "./quote.js";

export interface InstanceColumns {
  input: ColumnRef;
  output: ColumnRef;
  /** Without one, ids are `<task>-<row>` (row 1 = the first data row). */
  id?: ColumnRef;
  /** Splits a text output cell into several references. */
  outputSep?: string;
}

/** Every row of the table as a SuperNI instance, in file order; ids unique. */
export function tableInstances(table: SourceTable, task: string, columns: InstanceColumns): Instance[] {
  requireColumns(table, [columns.input, columns.output, ...(columns.id ? [columns.id] : [])]);
  const firstRow = new Map<string, number>();
  return table.rows.map((row) => {
    const id = columns.id ? textCell(row, columns.id, "id") : `${task}-${row.row}`;
    const first = firstRow.get(id);
    if (first !== undefined)
      throw new UserError(
        `${row.at}: column ${q(columns.id!.name)}: duplicate id ${q(id)} (first on row ${first})`,
        "instance ids must be unique within a task; leave out --id to number the rows",
      );
    firstRow.set(id, row.row);
    return {
      id,
      input: textCell(row, columns.input, "input"),
      output: referencesCell(row, columns.output, columns.outputSep),
    };
  });
}
