import { join } from "node:path";
import type { Analysis, CurveSection } from "../analysis/index.js";
import { toCsv } from "../util/csv.js";
import { writeFileAtomic } from "../util/fs.js";
import { roundPercent as pct } from "../util/round.js";
import { matchingSentence } from "./sentences.js";

/**
 * The report's tables as CSV files (long format, one row per figure), for papers and spreadsheets. Figures
 * in percent are rounded to 4 decimals here; toCsv rounds the rest to 6 significant digits. The learning-curve
 * fits and queries (issue 21) add fits.csv and queries.csv when the analysis fitted curves.
 */
export function csvTables(a: Analysis): Record<string, string> {
  // A CSV has no top-level field to say which metric its figures are: the columns that hold the headline
  // metric are named after it ("exact_match", "baseline_exact_match"); a ROUGE-L study keeps "rougeL".
  const k = (column: string) => column.replace("rougeL", a.metric);
  return {
    "overall.csv": toCsv(
      [
        "arm",
        "setting",
        "budget",
        k("rougeL"),
        "ci_lo",
        "ci_hi",
        "micro",
        "n_tasks",
        "n_instances",
        "seeds",
        "published",
      ],
      a.overall.map((o) => [
        o.arm,
        o.setting,
        o.budget,
        pct(o.rougeL),
        pct(o.ci[0]),
        pct(o.ci[1]),
        pct(o.micro),
        o.n_tasks,
        o.n_instances,
        o.seeds,
        pct(o.published),
      ]),
    ),
    "groups.csv": toCsv(
      ["arm", "setting", "budget", "group", k("rougeL"), "ci_lo", "ci_hi", "n_tasks", "published"],
      a.groups.map((g) => [
        g.arm,
        g.setting,
        g.budget,
        g.group,
        pct(g.rougeL),
        pct(g.ci[0]),
        pct(g.ci[1]),
        g.n_tasks,
        pct(g.published),
      ]),
    ),
    "tasks.csv": toCsv(
      [
        "task",
        "category",
        "group",
        "arm",
        "setting",
        "budget",
        k("rougeL"),
        "ci_lo",
        "ci_hi",
        "n_instances",
        "train_rows",
        "train_truncated_sources",
        "train_truncated_targets",
        "eval_rows",
        "eval_truncated_sources",
        "eval_truncated_targets",
      ],
      a.tasks.flatMap((t) =>
        a.conditions.flatMap((c) => {
          const cell = t.cells[c.key];
          if (!cell) return [];
          const tr = cell.truncation;
          return [
            [
              t.task,
              t.category,
              t.group,
              c.arm,
              c.setting,
              c.budget,
              pct(cell.rougeL),
              pct(cell.ci[0]),
              pct(cell.ci[1]),
              cell.n_instances,
              tr?.train?.rows,
              tr?.train?.truncated_sources,
              tr?.train?.truncated_targets,
              tr?.eval?.rows,
              tr?.eval?.truncated_sources,
              tr?.eval?.truncated_targets,
            ],
          ];
        }),
      ),
    ),
    "matching.csv": toCsv(
      [
        "arm",
        "setting",
        "baseline",
        "baseline_setting",
        "baseline_budget",
        k("baseline_rougeL"),
        "budget_per_task",
        "share_of_baseline",
        "share_ci_lo",
        "share_ci_hi",
        "reached_in",
        "supported",
        "sentence",
      ],
      a.matching.map((m) => [
        m.arm,
        m.setting,
        m.baseline,
        m.baseline_setting,
        m.baseline_budget,
        pct(m.baseline_rougeL),
        m.budget_per_task,
        m.share_of_baseline,
        m.share_ci[0],
        m.share_ci[1],
        m.reached_in,
        String(m.supported),
        matchingSentence(m),
      ]),
    ),
    "effects.csv": toCsv(
      [
        "effect",
        "a_arm",
        "a_setting",
        "a_budget",
        "b_arm",
        "b_setting",
        "b_budget",
        k("a_rougeL"),
        k("b_rougeL"),
        "diff",
        "ci_lo",
        "ci_hi",
        "n_tasks",
        "verdict",
      ],
      a.effects.map((x) => [
        x.effect,
        x.a.arm,
        x.a.setting,
        x.a.budget,
        x.b.arm,
        x.b.setting,
        x.b.budget,
        pct(x.a_rougeL),
        pct(x.b_rougeL),
        pct(x.diff),
        pct(x.ci[0]),
        pct(x.ci[1]),
        x.n_tasks,
        x.verdict,
      ]),
    ),
    ...(a.curves ? curveTables(a.curves) : {}),
  };
}

/** One row per fitted curve (parameters, asymptote with its interval, backtest) and per fitted query. */
function curveTables(c: CurveSection): Record<string, string> {
  return {
    "fits.csv": toCsv(
      [
        "arm",
        "setting",
        "scope",
        "family",
        "a",
        "b",
        "c",
        "d",
        "sse",
        "rmse",
        "asymptote",
        "asymptote_ci_lo",
        "asymptote_ci_hi",
        "n_points",
        "held_out_budget",
        "predicted",
        "measured",
        "error",
        "interval_lo",
        "interval_hi",
        "inside_interval",
        "no_backtest_because",
        "level",
      ],
      c.fits.map((f) => {
        const b = f.backtest;
        const ci = f.ci.asymptote ?? [null, null];
        return [
          f.arm,
          f.setting,
          f.scope,
          f.family,
          f.params.a,
          f.params.b,
          f.params.c,
          f.params.d,
          f.sse,
          pct(f.rmse),
          pct(f.asymptote),
          pct(ci[0]),
          pct(ci[1]),
          f.n_points,
          b?.held_out_budget,
          pct(b?.predicted),
          pct(b?.measured),
          pct(b?.error),
          pct(b?.interval?.[0]),
          pct(b?.interval?.[1]),
          b?.inside_interval == null ? null : String(b.inside_interval),
          f.backtest_reason,
          c.level,
        ];
      }),
    ),
    "queries.csv": toCsv(
      [
        "arm",
        "setting",
        "scope",
        "baseline",
        "baseline_setting",
        "baseline_budget",
        "share",
        "target",
        "budget",
        "ci_lo",
        "ci_hi",
        "extrapolated",
        "reachable_share",
        "level",
      ],
      c.queries.map((q) => [
        q.arm,
        q.setting,
        q.scope,
        q.baseline.arm,
        q.baseline.setting,
        q.baseline.budget,
        q.share,
        pct(q.target),
        q.budget,
        q.ci[0],
        q.ci[1],
        String(q.extrapolated),
        q.reachable_share,
        c.level,
      ]),
    ),
  };
}

/** Write every CSV table into `dir`; returns the paths written. */
export async function writeCsvTables(a: Analysis, dir: string): Promise<string[]> {
  const written: string[] = [];
  for (const [name, text] of Object.entries(csvTables(a))) {
    const path = join(dir, name);
    await writeFileAtomic(path, text);
    written.push(path);
  }
  return written;
}
