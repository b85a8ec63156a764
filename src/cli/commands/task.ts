import { Option, type Command } from "@commander-js/extra-typings";
import { downstreamSplit } from "../../data/index.js";
import {
  DEFAULT_CATEGORY,
  DEFAULT_IMPORT_SEED,
  EXPLANATION_COLUMN,
  IMPORT_FORMATS,
  importTask,
  summarizeTask,
  type ImportResult,
  type Spread,
  type TaskSummary,
} from "../../superni/index.js";
import { example } from "../help.js";
import { info, printJson } from "../output.js";
import { wholeNumber } from "../parse.js";

const IMPORT_EXAMPLE =
  'task import tickets.csv --out tasks --name task9001_tickets --input text --output label --definition "Label the ticket."';

export function registerTaskCommands(program: Command): void {
  const task = program
    .command("task")
    .description("your own tasks: import a data file as a SuperNI task, show a task")
    .addHelpText("after", example(IMPORT_EXAMPLE, "task show tasks task9001_tickets"));

  task
    .command("import")
    .description(
      "write a data file (CSV, TSV, JSON lines, JSON, Parquet) as a SuperNI task DIR/tasks/NAME.json and list it " +
        "in DIR/splits/default/test_tasks.txt; DIR is then a SuperNI checkout for --superni and a study's superni:",
    )
    .argument("<file>", "the data file: one row per labelled example")
    .requiredOption(
      "--out <dir>",
      "the collection folder (created; importing several files into it builds a collection)",
    )
    .requiredOption("--name <name>", "task name, e.g. task9001_tickets (letters, digits, _ . -)")
    .requiredOption("--input <column>", "the column holding the model's input")
    .requiredOption(
      "--output <column>",
      "the column holding the reference output (a JSON list cell: several)",
    )
    .addOption(
      new Option("--format <format>", "file format (default: from the extension)").choices(IMPORT_FORMATS),
    )
    .option(
      "--id <column>",
      "the column holding instance ids (default: NAME-<row>, row 1 the first data row)",
    )
    .option("--output-sep <sep>", "split a text output cell into several references on SEP")
    .option("--definition <text>", "the task's instruction (SuperNI's Definition)")
    .option("--definition-file <file>", "read the instruction from a UTF-8 text file")
    .option(
      "--positive-examples <n>",
      "draw N rows as positive examples (seeded) and remove them from the instances",
      wholeNumber("--positive-examples", 0),
    )
    .option(
      "--examples-file <file>",
      `positive examples from a file: same columns as the data, optional "${EXPLANATION_COLUMN}" column`,
    )
    .option("--category <name>", `the task's SuperNI category`, DEFAULT_CATEGORY)
    .option("--seed <n>", "seed of the positive-example draw", wholeNumber("--seed", 0), DEFAULT_IMPORT_SEED)
    .option("--force", "replace DIR/tasks/NAME.json when it exists")
    .option("--json", "print one JSON document")
    .addHelpText("after", example(IMPORT_EXAMPLE))
    .action(async (file, opts) => {
      const result = await importTask({
        file,
        out: opts.out,
        name: opts.name,
        input: opts.input,
        output: opts.output,
        format: opts.format,
        id: opts.id,
        outputSep: opts.outputSep,
        definition: opts.definition,
        definitionFile: opts.definitionFile,
        positiveExamples: opts.positiveExamples,
        examplesFile: opts.examplesFile,
        category: opts.category,
        seed: opts.seed,
        force: opts.force,
      });
      if (opts.json) printJson(result);
      for (const line of importNotes(result)) info(line);
    });

  task
    .command("show")
    .description("a task's counts, reference lengths, definition, examples and first instances")
    .argument("<dir>", "SuperNI checkout or collection (tasks/ and splits/default/)")
    .argument("<name>", "task name (its file is DIR/tasks/NAME.json)")
    .option("--instances <n>", "instances to show", wholeNumber("--instances", 0), 3)
    .option("--json", "print one JSON document")
    .addHelpText("after", example("task show tasks task9001_tickets --instances 5"))
    .action(async (dir, name, opts) => {
      const { task, summary } = await summarizeTask(dir, name, opts.instances);
      const split = downstreamSplit(task);
      const splits = {
        test: split.test.length,
        validation: split.validation.length,
        train: split.train.length,
        small: split.small,
      };
      if (opts.json) printJson({ ...summary, split: splits });
      else process.stdout.write(formatSummary(summary, splits) + "\n");
    });
}

/** What an import did, for stderr; hints where the task will not show the model what it could. */
function importNotes(r: ImportResult): string[] {
  const lines = [
    `${r.replaced ? "replaced" : "wrote"} ${r.task_file}: ${r.instances} instances, ${r.references} references, ` +
      `${r.positive_examples} positive examples` +
      (r.examples_from === "data" ? " (drawn from the rows and removed from the instances)" : "") +
      (r.examples_from === "file" && r.removed_as_examples > 0
        ? ` (${r.removed_as_examples} rows equal to an example left the instances)`
        : ""),
    `${r.dir} lists ${r.test_tasks.length} test task${r.test_tasks.length === 1 ? "" : "s"}; use it as --superni ${r.dir} or superni: ${r.dir}`,
  ];
  if (r.default_definition)
    lines.push(
      `note: no --definition given; wrote the generic "${r.definition}". Instruction-tuned models read it: give the real instruction`,
    );
  if (r.positive_examples === 0)
    lines.push(
      "note: no positive examples; encodings that show examples (thesis-def-pos, tk-instruct) show the definition alone (--positive-examples N adds some)",
    );
  return lines;
}

interface SplitCounts {
  test: number;
  validation: number;
  train: number;
  small: boolean;
}

// Long texts are cut in the human view; --json has them whole.
const SHOWN_CHARS = 300;

export function formatSummary(s: TaskSummary, split: SplitCounts): string {
  const out = [
    `${s.task} (${s.file})`,
    `category: ${s.category}`,
    `instances: ${s.instances} (` +
      (split.small
        ? `small task: all ${s.instances} serve as train, validation and test)`
        : `test ${split.test}, validation ${split.validation}, train ${split.train})`),
    `positive examples: ${s.positive_examples.length}; negative examples: ${s.negative_examples}`,
    `references: ${s.references.total}, ${s.references.distinct} distinct; per instance ${spreadText(s.references.per_instance)}`,
    `words per reference: ${spreadText(s.references.words)}`,
    `words per input: ${spreadText(s.input_words)}`,
  ];
  if (s.references.most_common.length > 0)
    out.push(
      `most common references: ${s.references.most_common.map((r) => `${JSON.stringify(cut(r.output))} ${r.count}`).join(", ")}`,
    );
  out.push("", "Definition:", indent(cut(s.definition)));
  s.positive_examples.forEach((e, i) => {
    out.push(
      "",
      `Positive example ${i + 1}:`,
      indent(`input: ${cut(e.input)}`),
      indent(`output: ${cut(e.output)}`),
    );
    if (e.explanation !== "") out.push(indent(`explanation: ${cut(e.explanation)}`));
  });
  if (s.sample.length > 0) {
    out.push("", `Instances (first ${s.sample.length} of ${s.instances}):`);
    for (const inst of s.sample)
      out.push(
        indent(`${inst.id}`),
        indent(`input: ${cut(inst.input)}`, 4),
        indent(`output: ${JSON.stringify(inst.output.map(cut))}`, 4),
      );
  }
  return out.join("\n");
}

function spreadText(s: Spread): string {
  return `min ${s.min}, median ${s.median}, mean ${s.mean}, max ${s.max}`;
}

function cut(text: string): string {
  return text.length <= SHOWN_CHARS ? text : `${text.slice(0, SHOWN_CHARS)}… (${text.length} characters)`;
}

function indent(text: string, n = 2): string {
  return text
    .split("\n")
    .map((l) => " ".repeat(n) + l)
    .join("\n");
}
