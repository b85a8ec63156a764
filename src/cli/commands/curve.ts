import { Option, type Command } from "@commander-js/extra-typings";
import {
  CURVE_FAMILIES,
  DEFAULT_MAX_SCORE,
  DEFAULT_RESAMPLES,
  curveFromPoints,
  type AtQueryRow,
  type CurveDocument,
  type CurveFamily,
  type FitRow,
  type TargetQueryRow,
} from "../../analysis/curves/index.js";
import { UserError } from "../../util/errors.js";
import { readCurvePoints } from "../curve-points.js";
import { example } from "../help.js";
import { formatTable, info, printJson } from "../output.js";
import { finiteNumber, level, positiveNumber, repeatable, wholeNumber } from "../parse.js";

/** What every curve source answers: the family, the queries and the intervals' level. */
interface CurveQuestions {
  family: CurveFamily;
  maxScore: number;
  level: number;
  targets: number[];
  at: number[];
}

export function registerCurveCommand(program: Command): void {
  program
    .command("curve")
    .description(
      "fit a learning curve (score against examples per task) and ask it questions: the budget a target score " +
        "needs, the score at a budget, with intervals and a backtest (docs/report.md, learning-curve fits)",
    )
    .requiredOption("--points <file>", "CSV with columns budget,score[,weight], one measured point a row")
    .addOption(
      new Option("--family <family>", "curve family; auto is the rule chosen on real fine-tuning curves")
        .choices(CURVE_FAMILIES)
        .default("auto" as const),
    )
    .option(
      "--target <score>",
      "budget to reach this score (repeatable)",
      repeatable(finiteNumber("--target")),
      [],
    )
    .option("--at <budget>", "score at this budget (repeatable)", repeatable(positiveNumber("--at")), [])
    .option(
      "--max-score <m>",
      "the metric's maximum; the curve's asymptote stays below it",
      positiveNumber("--max-score"),
    )
    .option("--level <p>", "interval level", level("--level"), 0.9)
    .option(
      "--resamples <n>",
      "bootstrap resamples for the intervals",
      wholeNumber("--resamples", 10, 100_000),
    )
    .option("--seed <n>", "seed of the resampling", wholeNumber("--seed", 0))
    .option("--json", "print one JSON document: {fits, queries}")
    .addHelpText("after", example("curve --points curve.csv --target 80 --at 5000 --at 10000"))
    .action(async (opts) => {
      const questions: CurveQuestions = {
        family: opts.family,
        maxScore: opts.maxScore ?? DEFAULT_MAX_SCORE,
        level: opts.level,
        targets: opts.target,
        at: opts.at,
      };
      const above = questions.targets.find((t) => t > questions.maxScore);
      if (above !== undefined)
        throw new UserError(
          `--target ${above}: above the metric's maximum ${questions.maxScore}`,
          "give --max-score M when the scores are not on a 0-100 scale",
        );
      // One source today (--points); a study directory will be another, answering the same questions.
      const document = await pointsDocument(opts.points, questions, opts.resamples, opts.seed);
      if (opts.json) printJson(document);
      else process.stdout.write(formatDocument(document, questions.level) + "\n");
    });
}

async function pointsDocument(
  file: string,
  questions: CurveQuestions,
  resamples = DEFAULT_RESAMPLES,
  seed = 1,
): Promise<CurveDocument> {
  const points = await readCurvePoints(file);
  const result = curveFromPoints(points, { ...questions, resamples, seed });
  if (!result.ok) throw new UserError(`${file}: no curve: ${result.reason}`);
  if (result.dof === 0)
    info(
      `note: ${file}: as many points as the curve has parameters, so the noise of a measurement cannot be ` +
        "estimated: intervals show no noise and prediction intervals are left out",
    );
  return result.document;
}

const num = (v: number | null, digits = 2) => (v === null ? "-" : v.toFixed(digits));
const budget = (v: number | null) =>
  v === null ? "never" : v >= 100 ? Math.round(v).toLocaleString("en-US") : v.toPrecision(3);
const range = (pair: [number | null, number | null] | null, f: (v: number | null) => string) =>
  pair === null ? "-" : `[${f(pair[0])}, ${pair[1] === null ? "never" : f(pair[1])}]`;

function formatDocument(doc: CurveDocument, level: number): string {
  const pct = `${Math.round(level * 100)} %`;
  return [...doc.fits.map((fit) => formatFit(fit, pct)), formatQueries(doc.queries, pct)]
    .filter((s) => s !== "")
    .join("\n\n");
}

function formatFit(fit: FitRow, pct: string): string {
  const lines = [
    `${fit.family}: ${fit.formula}`,
    `${fit.n_points} points, sse ${num(fit.sse, 3)}, rmse ${num(fit.rmse, 3)}; intervals at ${pct}: ${fit.interval_method}`,
    "",
    formatTable(
      ["parameter", "value", `${pct} interval`],
      [
        ...Object.entries(fit.params).map(([k, v]) => [
          k,
          num(v, 4),
          range(fit.ci[k] ?? null, (x) => num(x, 4)),
        ]),
        ["asymptote", num(fit.asymptote), range(fit.ci.asymptote ?? null, (x) => num(x))],
      ],
    ),
    "",
  ];
  const b = fit.backtest;
  lines.push(
    b === null
      ? `backtest: none (${fit.backtest_reason})`
      : `backtest: fitted without budget ${budget(b.held_out_budget)}, predicted ${num(b.predicted)} ` +
          `(${pct} prediction interval ${range(b.interval, (x) => num(x))}), measured ${num(b.measured)}, ` +
          `error ${num(b.error)}${b.inside_interval === null ? "" : b.inside_interval ? ", inside" : ", OUTSIDE the interval"}`,
  );
  return lines.join("\n");
}

function formatQueries(queries: (TargetQueryRow | AtQueryRow)[], pct: string): string {
  if (queries.length === 0) return "";
  const rows = queries.map((q) =>
    "target" in q
      ? [
          `budget for score ${q.target}`,
          budget(q.budget),
          range(q.ci, budget),
          [
            q.extrapolated ? "extrapolated" : "",
            q.reachable_share !== null && q.reachable_share < 1
              ? `reached in ${Math.round(q.reachable_share * 100)} % of resamples`
              : "",
          ]
            .filter(Boolean)
            .join("; "),
        ]
      : [
          `score at budget ${budget(q.at)}`,
          num(q.score),
          range(q.ci, (x) => num(x)),
          [
            q.pi === null ? "" : `new measurement ${range(q.pi, (x) => num(x))}`,
            q.extrapolated ? "extrapolated" : "",
          ]
            .filter(Boolean)
            .join("; "),
        ],
  );
  return formatTable(["query", "answer", `${pct} interval`, "note"], rows);
}
