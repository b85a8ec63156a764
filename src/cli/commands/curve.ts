import { Option, type Command } from "@commander-js/extra-typings";
import {
  CURVE_FAMILIES,
  DEFAULT_MAX_SCORE,
  DEFAULT_RESAMPLES,
  curveFromPoints,
  type CurveDocument,
  type CurveFamily,
  type FitRow,
  type TargetQueryRow,
} from "../../analysis/curves/index.js";
import {
  DEFAULT_BOOTSTRAP,
  type CurveQueryRow,
  loadStudy,
  parseConditionName,
  studyCurveDocument,
  type StudyCurveRequest,
} from "../../analysis/index.js";
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
    .argument("[dir]", "a study directory: its curves, fitted on its own bootstrap resamples")
    .option(
      "--points <file>",
      "instead of DIR: a CSV with columns budget,score[,weight], one measured point a row",
    )
    .option("--arm <arm>", "DIR: this arm's curves only")
    .addOption(new Option("--setting <setting>", "DIR: this setting's curves only").choices(["stl", "mtl"]))
    .option("--group <group>", "DIR: the curve of one report group (default: overall)")
    .option("--task <task>", "DIR: the curve of one task (default: overall)")
    .option("--match <ARM:SETTING:BUDGET>", "DIR: budget to reach this condition's score, e.g. B3:stl:all")
    .option("--share-of <ARM:SETTING:BUDGET>", "DIR: budget to reach --share of this condition's score")
    .option("--share <p>", "with --share-of: the share of its score, e.g. 0.95", positiveNumber("--share"))
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
    .addHelpText(
      "after",
      example(
        "curve studies/thesis --arm inst --setting stl --share-of B3:stl:all --share 0.95",
        "curve --points curve.csv --target 80 --at 5000 --at 10000",
      ),
    )
    .action(async (dir, opts) => {
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
      const document =
        dir === undefined
          ? await pointsDocument(requirePoints(opts), questions, opts.resamples, opts.seed)
          : await studyDocument(dir, questions, studyQuestions(opts), opts.resamples, opts.seed);
      if (opts.json) printJson(document);
      else process.stdout.write(formatDocument(document, questions.level) + "\n");
    });
}

type CurveOptions = {
  points?: string;
  arm?: string;
  setting?: string;
  group?: string;
  task?: string;
  match?: string;
  shareOf?: string;
  share?: number;
};

function requirePoints(opts: CurveOptions): string {
  if (opts.points === undefined)
    throw new UserError("curve: give a study directory DIR or --points FILE.csv", "quicklearn curve --help");
  const studyOnly = (["arm", "setting", "group", "task", "match", "shareOf"] as const).find(
    (k) => opts[k] !== undefined,
  );
  if (studyOnly)
    throw new UserError(`--${kebab(studyOnly)} asks a study's curves: give DIR instead of --points`);
  return opts.points;
}

/** The study-only questions, checked for the combinations that make sense. */
function studyQuestions(opts: CurveOptions): Omit<StudyCurveRequest, keyof CurveQuestions> {
  if (opts.points !== undefined) throw new UserError("curve: give either DIR or --points, not both");
  if (opts.group !== undefined && opts.task !== undefined)
    throw new UserError("--group and --task: give one scope (a report group or a task)");
  if (opts.match !== undefined && opts.shareOf !== undefined)
    throw new UserError("--match and --share-of: give one baseline question");
  if ((opts.shareOf === undefined) !== (opts.share === undefined))
    throw new UserError("--share-of and --share go together", "e.g. --share-of B3:stl:all --share 0.95");
  if (opts.share !== undefined && opts.share > 1)
    throw new UserError(`--share ${opts.share}: a share of the baseline's score is at most 1`);
  return {
    arm: opts.arm,
    setting: opts.setting,
    scope: opts.task ?? opts.group,
    match: opts.match === undefined ? undefined : parseConditionName("--match", opts.match),
    shareOf: opts.shareOf === undefined ? undefined : parseConditionName("--share-of", opts.shareOf),
    share: opts.share,
  };
}

async function studyDocument(
  dir: string,
  questions: CurveQuestions,
  study: Omit<StudyCurveRequest, keyof CurveQuestions>,
  resamples?: number,
  seed?: number,
): Promise<CurveDocument> {
  const { unfitted, ...document } = studyCurveDocument(await loadStudy(dir), {
    ...questions,
    ...study,
    ...(resamples === undefined ? {} : { bootstrap: { resamples, seed: seed ?? DEFAULT_BOOTSTRAP.seed } }),
  });
  const reasons = unfitted.map((u) => `${u.arm} ${u.setting} (${u.scope}): ${u.reason}`);
  if (document.fits.length === 0)
    throw new UserError(
      `${dir}: no fitted curve to answer from${reasons.length ? `: ${reasons.join("; ")}` : ""}`,
      "a curve needs an arm trained at 3 or more budgets in a setting; --arm/--setting/--group/--task choose one",
    );
  for (const r of reasons) info(`note: no fit for ${r}`);
  return document;
}

const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

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

/** "budget for 95 % of the score of B3:stl:all (31.67)" or "budget for score 80.00". */
function targetLabel(q: TargetQueryRow | CurveQueryRow): string {
  if (!("baseline" in q)) return `budget for score ${num(q.target)}`;
  const share = q.share === 1 ? "" : `${num(100 * q.share, 0)} % of `;
  const b = q.baseline;
  return `budget for ${share}the score of ${b.arm}:${b.setting}:${b.budget ?? "-"} (${num(q.target)})`;
}

function formatQueries(queries: CurveDocument["queries"], pct: string): string {
  if (queries.length === 0) return "";
  const rows = queries.map((q) =>
    "target" in q
      ? [
          targetLabel(q),
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
