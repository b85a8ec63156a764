import { createHash } from "node:crypto";
import { UserError } from "../../util/errors.js";
import type { Instance } from "../task.js";
import { optionalTextCell, referencesCell, requireColumns, textCell, type ColumnRef } from "./cells.js";
import type { SourceTable } from "./table.js";
import { q } from "./quote.js";

/** A SuperNI positive example, as the task file stores it. */
export interface Example {
  input: string;
  output: string;
  explanation: string;
}

export interface ExampleSplit {
  examples: Example[];
  /** The instances left: none of them is an example. */
  instances: Instance[];
}

/**
 * Draw n instances as positive examples and remove them from the instances, so no test instance is shown
 * in its own prompt. The draw takes the n instances with the smallest sha256(seed, task, id): seeded,
 * independent of row order, and a row keeps its fate when rows are added. Both lists stay in file order;
 * an example's output is the instance's first reference.
 */
export function drawExamples(
  instances: Instance[],
  n: number,
  seed: number,
  task: string,
  file: string,
): ExampleSplit {
  if (n >= instances.length)
    throw new UserError(
      `${file}: --positive-examples ${n} is more than the file's ${instances.length} rows can give: at least one row must stay an instance`,
      `ask for at most ${instances.length - 1} examples, or give them with --examples-file`,
    );
  const rank = (id: string) => createHash("sha256").update(`${seed}\u0000${task}\u0000${id}`).digest("hex");
  const chosen = new Set(
    instances
      .map((inst) => ({ id: inst.id, key: rank(inst.id) }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .slice(0, n)
      .map((x) => x.id),
  );
  return {
    examples: instances
      .filter((i) => chosen.has(i.id))
      .map((i) => ({ input: i.input, output: i.output[0]!, explanation: "" })),
    instances: instances.filter((i) => !chosen.has(i.id)),
  };
}

export const EXPLANATION_COLUMN = "explanation";

/**
 * Positive examples from their own file (any import format): the same input and output columns as the
 * data, one output each, and an optional `explanation` column.
 */
export function tableExamples(table: SourceTable, input: ColumnRef, output: ColumnRef): Example[] {
  const explanation: ColumnRef = { name: EXPLANATION_COLUMN, flag: "--examples-file" };
  requireColumns(table, [input, output]);
  return table.rows.map((row) => {
    const outputs = referencesCell(row, output, undefined);
    if (outputs.length !== 1)
      throw new UserError(
        `${row.at}: column ${q(output.name)}: an example has one output, got a list of ${outputs.length}`,
      );
    return {
      input: textCell(row, input, "input"),
      output: outputs[0]!,
      explanation: optionalTextCell(row, explanation),
    };
  });
}

/** Instances whose input is an example's input leave the instances: no instance is shown in its own prompt. */
export function withoutExampleInputs(instances: Instance[], examples: Example[]): ExampleSplit {
  const inputs = new Set(examples.map((e) => e.input));
  return { examples, instances: instances.filter((i) => !inputs.has(i.input)) };
}
