import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { UserError } from "../../util/errors.js";
import { MAX_TASK_FILE_BYTES } from "../read.js";
import { validateTask } from "../task.js";
import type { ColumnRef } from "./cells.js";
import { taskDocument, taskFileText } from "./document.js";
import { drawExamples, tableExamples, withoutExampleInputs, type ExampleSplit } from "./examples.js";
import { tableInstances } from "./instances.js";
import { checkTarget, checkTaskName, taskPath, writeToCollection } from "./layout.js";
import { extensionFormat, formatOf, readTable, tooLarge } from "./read.js";
import type { ImportFormat } from "./table.js";
import { decodeUtf8File } from "./text.js";
import { q } from "./quote.js";

export { IMPORT_FORMATS, type ImportFormat } from "./table.js";
export { EXPLANATION_COLUMN } from "./examples.js";

export const DEFAULT_IMPORT_SEED = 42;
/** SuperNI's catch-all category; the report puts it in "Other Categories". */
export const DEFAULT_CATEGORY = "Misc.";

export interface ImportOptions {
  file: string;
  /** The collection folder (a SuperNI checkout layout), created when absent. */
  out: string;
  name: string;
  input: string;
  output: string;
  format?: ImportFormat;
  id?: string;
  outputSep?: string;
  definition?: string;
  definitionFile?: string;
  /** Rows drawn from the data as positive examples (and removed from the instances). */
  positiveExamples?: number;
  /** A file of positive examples, in any import format, with the same input and output columns. */
  examplesFile?: string;
  category?: string;
  seed?: number;
  force?: boolean;
}

export interface ImportResult {
  task: string;
  task_file: string;
  dir: string;
  source: string;
  format: ImportFormat;
  rows: number;
  instances: number;
  references: number;
  positive_examples: number;
  /** Where the examples came from: drawn from the rows, a file, or none. */
  examples_from: "data" | "file" | "none";
  /** Rows that are not instances because they became (or matched) a positive example. */
  removed_as_examples: number;
  category: string;
  definition: string;
  /** True when no definition was given and a generic one was written. */
  default_definition: boolean;
  replaced: boolean;
  /** Every task the collection's test split lists now. */
  test_tasks: string[];
}

/**
 * Import one data file as a SuperNI task into a collection folder. Everything is read and checked before
 * anything is written; the task must pass the same validation `--superni` loading applies.
 */
export async function importTask(opts: ImportOptions): Promise<ImportResult> {
  checkOptions(opts);
  checkTaskName(opts.name);
  const replaced = await checkTarget(opts.out, opts.name, opts.force ?? false);
  const { definition, isDefault } = await definitionOf(opts);

  const format = formatOf(opts.file, opts.format);
  const table = await readTable(opts.file, format);
  const input: ColumnRef = { name: opts.input, flag: "--input" };
  const output: ColumnRef = { name: opts.output, flag: "--output" };
  const all = tableInstances(table, opts.name, {
    input,
    output,
    id: opts.id === undefined ? undefined : { name: opts.id, flag: "--id" },
    outputSep: opts.outputSep,
  });
  const split = await examplesOf(opts, all, input, output);
  if (split.instances.length === 0)
    throw new UserError(`${opts.file}: every row is also a positive example: no instances are left`);

  const category = opts.category ?? DEFAULT_CATEGORY;
  const document = taskDocument(
    { definition, category, source: basename(opts.file) },
    split.examples,
    split.instances,
  );
  const path = taskPath(opts.out, opts.name);
  validateTask(document, path);
  const text = taskFileText(document);
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_TASK_FILE_BYTES) throw tooLarge(opts.file, bytes);
  const testTasks = await writeToCollection(opts.out, opts.name, text);

  return {
    task: opts.name,
    task_file: path,
    dir: opts.out,
    source: opts.file,
    format,
    rows: table.rows.length,
    instances: split.instances.length,
    references: split.instances.reduce((n, i) => n + i.output.length, 0),
    positive_examples: split.examples.length,
    examples_from: opts.examplesFile ? "file" : split.examples.length > 0 ? "data" : "none",
    removed_as_examples: all.length - split.instances.length,
    category,
    definition,
    default_definition: isDefault,
    replaced,
    test_tasks: testTasks,
  };
}

function checkOptions(opts: ImportOptions): void {
  if (opts.definition !== undefined && opts.definitionFile !== undefined)
    throw new UserError("--definition and --definition-file: give one of them, not both");
  if (opts.positiveExamples !== undefined && opts.examplesFile !== undefined)
    throw new UserError(
      "--positive-examples and --examples-file: give one of them, not both",
      "--positive-examples N draws N rows of the data; --examples-file F takes the examples from F",
    );
  if (opts.definition !== undefined && opts.definition.trim() === "")
    throw new UserError("--definition: empty text", "the definition is the task's instruction");
  if (opts.outputSep === "") throw new UserError("--output-sep: empty separator");
  if (opts.category !== undefined && opts.category.trim() === "")
    throw new UserError("--category: empty text");
  if (opts.input === opts.output)
    throw new UserError(
      `--input and --output both name column ${q(opts.input)}`,
      "the output is what the model must write",
    );
}

async function definitionOf(opts: ImportOptions): Promise<{ definition: string; isDefault: boolean }> {
  if (opts.definition !== undefined) return { definition: opts.definition, isDefault: false };
  if (opts.definitionFile === undefined)
    return { definition: `Given the ${opts.input}, write the ${opts.output}.`, isDefault: true };
  const bytes = await readFile(opts.definitionFile).catch((e: NodeJS.ErrnoException) => {
    throw new UserError(
      `--definition-file ${opts.definitionFile}: ${e.code === "ENOENT" ? "file not found" : `cannot read (${e.code ?? String(e)})`}`,
    );
  });
  // A text editor's final newline is not part of the instruction.
  const definition = decodeUtf8File(bytes, opts.definitionFile).replace(/\r?\n$/, "");
  if (definition.trim() === "")
    throw new UserError(
      `${opts.definitionFile}: empty definition file`,
      "write the task's instruction in it",
    );
  return { definition, isDefault: false };
}

async function examplesOf(
  opts: ImportOptions,
  instances: ReturnType<typeof tableInstances>,
  input: ColumnRef,
  output: ColumnRef,
): Promise<ExampleSplit> {
  if (opts.examplesFile !== undefined) {
    // Its own extension decides its format; --format (meant for the data file) only when that says nothing.
    const format = formatOf(opts.examplesFile, extensionFormat(opts.examplesFile) ?? opts.format);
    const table = await readTable(opts.examplesFile, format);
    return withoutExampleInputs(instances, tableExamples(table, input, output));
  }
  const n = opts.positiveExamples ?? 0;
  if (n === 0) return { examples: [], instances };
  return drawExamples(instances, n, opts.seed ?? DEFAULT_IMPORT_SEED, opts.name, opts.file);
}
