import { Option, type Command } from "@commander-js/extra-typings";
import {
  loadTaskCategories,
  PREDICTIONS_ENCODINGS,
  readPredictionRows,
  scoreRows,
  UNKNOWN_CATEGORY,
  VARIANTS,
  type Figures,
  type ScoreReport,
} from "../../metrics/index.js";
import { UserError } from "../../util/errors.js";
import { example } from "../help.js";
import { formatTable, info, printJson } from "../output.js";

export function registerScoreCommand(program: Command): void {
  program
    .command("score")
    .description("score predictions with SuperNI's exact ROUGE-L, ROUGE-1 and exact match (docs/scoring.md)")
    .argument(
      "<predictions>",
      'JSONL, one {"task", "id", "prediction", "references": [...], "category"?} a line',
    )
    .addOption(
      new Option(
        "--variant <variant>",
        "superni: max over references; thesis: first reference, SQuAD exact match",
      )
        .choices(VARIANTS)
        .default("superni" as const),
    )
    .option("--json", "print one JSON document (figures in percent, unrounded)")
    .option("--per-task", "also print a row per task")
    .addHelpText(
      "after",
      example("score predictions.jsonl --per-task", "score predictions.jsonl --variant thesis --json"),
    )
    .option("--superni <dir>", "SuperNI checkout giving the category of rows that carry none")
    .addOption(
      new Option(
        "--encoding <encoding>",
        "how the file is encoded: utf8 (bytes that are not UTF-8 are an error) or latin1 (ISO-8859-1)",
      )
        .choices(PREDICTIONS_ENCODINGS)
        .default("utf8" as const),
    )
    .action(async (predictions, opts) => {
      const categories = opts.superni === undefined ? undefined : await loadTaskCategories(opts.superni);
      const unknownTasks = new Set<string>();
      const report = await scoreRows(readPredictionRows(predictions, { encoding: opts.encoding }), {
        variant: opts.variant,
        categoryOf: (task) => {
          const category = categories?.get(task);
          if (category === undefined) unknownTasks.add(task);
          return category;
        },
      });
      if (report.overall.n === 0)
        throw new UserError(`${predictions}: no predictions`, "the file has no JSON lines");
      if (unknownTasks.size > 0) {
        const where =
          opts.superni === undefined ? "give --superni DIR or a category field" : `not in ${opts.superni}`;
        info(
          `note: ${unknownTasks.size} task(s) without a category counted as "${UNKNOWN_CATEGORY}" (${where})`,
        );
      }
      if (opts.json) printJson(report, { exact: true });
      else process.stdout.write(formatReport(report, opts.variant, opts.perTask === true) + "\n");
    });
}

const HEADER = ["", "exact_match", "rouge1", "rougeL", "n"];

function row(name: string, f: Figures): (string | number)[] {
  return [name, f.exact_match.toFixed(2), f.rouge1.toFixed(2), f.rougeL.toFixed(2), f.n];
}

function formatReport(report: ScoreReport, variant: string, perTask: boolean): string {
  const byName = (entries: Record<string, Figures>) =>
    Object.entries(entries).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const sections = [
    `Scores (variant ${variant}, percent; ${report.overall.n} instances, ${Object.keys(report.tasks).length} tasks)`,
    formatTable(HEADER, [
      row("overall (mean over instances)", report.overall),
      row("overall (mean over tasks)", report.overall_macro),
    ]),
    "",
    formatTable(
      ["category", ...HEADER.slice(1)],
      byName(report.categories).map(([c, f]) => row(c, f)),
    ),
  ];
  if (perTask) {
    sections.push(
      "",
      formatTable(
        ["task", ...HEADER.slice(1)],
        byName(report.tasks).map(([t, f]) => row(t, f)),
      ),
    );
  }
  return sections.join("\n");
}
