import type { Analysis } from "../analysis/index.js";
import { curveMethodNote } from "./curve-tables.js";

/** "12 of 840 runs done" plus failures, for banners and stderr. */
export function progressLine(a: Analysis): string {
  const { runs_done, runs_total, runs_failed } = a.study;
  const failed = runs_failed > 0 ? `, ${runs_failed} failed` : "";
  const partial = runs_done < runs_total ? " (partial study: figures cover the finished runs only)" : "";
  return `${runs_done} of ${runs_total} runs done${failed}${partial}`;
}

/** How every figure was computed, in sentences (HTML and Markdown share them). */
export function methodNotes(a: Analysis): string[] {
  const curves = curveMethodNote(a);
  return [
    `Headline metric: ${a.aggregation}`,
    `Intervals: 95 % percentile bootstrap, ${a.bootstrap.resamples} resamples (PRNG seed ${a.bootstrap.seed}). Each resample redraws the tasks of every report group with replacement, then the test instances of each drawn task, then the seeds of conditions that have several. All conditions share the draws, so every stated difference is a paired bootstrap.`,
    `Budget "all" sits on the log budget axis at ${Math.round(a.budget_axis.all_position)} samples per task: ${a.budget_axis.all_source}.`,
    `Matching budget: the first budget at which an arm's curve reaches a baseline's score, by linear interpolation in log(budget) between measured budgets; a curve already above the baseline at its smallest budget reports that budget ("≤"). Share of baseline = matching budget ÷ the baseline's budget; sample efficiency = 1 − share.`,
    `Claim wording: "matches" only when the curve reaches the baseline in at least 97.5 % of resamples; "surpasses" / "falls short of" only when the paired 95 % interval of the difference excludes 0.`,
    ...(curves ? [curves] : []),
  ];
}
