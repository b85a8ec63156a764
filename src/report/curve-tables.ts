/**
 * The learning-curve tables (issue 21) as plain text cells, one definition for every format: HTML, Markdown
 * and LaTeX each escape and lay them out their own way. The first cell of a row names the row.
 */
import { metricLabel, settingText, type Analysis, type CurveQueryRow } from "../analysis/index.js";
import type { FitRow } from "../analysis/curves/index.js";
import { conditionName, fmt, fmtPct } from "./format.js";

export interface TextTable {
  caption: string;
  head: string[];
  rows: string[][];
  /** How many leading columns hold text (left-aligned). */
  textColumns: number;
}

/** "90 %" for a level of 0.9. */
export function levelText(level: number): string {
  return `${Math.round(100 * level)} %`;
}

/** Examples per task: one decimal below 10 (an extrapolation below the grid), whole numbers above. */
export function fmtBudget(v: number | null): string {
  if (v === null) return "not reached";
  return v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString("en-US");
}

function curveName(r: { arm: string | null; setting: string | null }): string {
  return `${r.arm ?? "curve"} ${r.setting ? settingText(r.setting) : ""}`.trim();
}

function targetName(q: CurveQueryRow): string {
  const base = conditionName(q.baseline);
  return q.share === 1 ? base : `${fmtPct(q.share)} of ${base}`;
}

/** Budget per task each fitted curve needs to reach each baseline's score (and a share of a supervised one). */
export function queryTable(a: Analysis): TextTable | null {
  const c = a.curves;
  if (!c || c.queries.length === 0) return null;
  return {
    caption: `Budget to reach each baseline (fitted curves): examples per task with the ${levelText(c.level)} interval from refits on the bootstrap resamples`,
    head: [
      "Curve",
      "Target",
      `target ${metricLabel(a.metric)}`,
      "examples/task",
      `${levelText(c.level)} interval`,
      "extrapolated",
      "reached in resamples",
    ],
    textColumns: 2,
    rows: c.queries.map((q) => [
      curveName(q),
      targetName(q),
      fmt(q.target),
      fmtBudget(q.budget),
      `${fmtBudget(q.ci[0])} to ${fmtBudget(q.ci[1])}`,
      q.extrapolated ? "extrapolated" : "",
      q.reachable_share !== null && q.reachable_share < 1 ? shareBelowOne(q.reachable_share) : "",
    ]),
  };
}

/** A share below 1 never shown as "100 %": 0.999 reads "99.9 %". */
export function shareBelowOne(v: number): string {
  return Math.round(100 * v) < 100 ? fmtPct(v) : `${(Math.floor(1000 * v) / 10).toFixed(1)} %`;
}

/** Backtests of the overall and report-group fits (per-task fits are in the JSON and CSV). */
export function backtestTable(a: Analysis): TextTable | null {
  const c = a.curves;
  const tasks = new Set(a.tasks.map((t) => t.task));
  const fits = c?.fits.filter((f) => !tasks.has(f.scope)) ?? [];
  if (!c || fits.length === 0) return null;
  return {
    caption: `Backtests of the overall and group fits: refit without the largest budget, predict it (${metricLabel(a.metric)}), and check the measurement against the ${levelText(c.level)} prediction interval`,
    head: [
      "Curve",
      "Scope",
      "family",
      "asymptote",
      "held-out budget",
      "predicted",
      "measured",
      "error",
      `${levelText(c.level)} interval`,
      "inside",
    ],
    textColumns: 3,
    rows: fits.map(backtestRow),
  };
}

function backtestRow(f: FitRow): string[] {
  const b = f.backtest;
  const head = [curveName(f), f.scope, f.family, fmt(f.asymptote)];
  if (!b) return [...head, "–", "–", "–", "–", "–", `no backtest: ${f.backtest_reason ?? "not possible"}`];
  return [
    ...head,
    fmtBudget(b.held_out_budget),
    fmt(b.predicted),
    fmt(b.measured),
    fmt(b.error),
    b.interval ? `${fmt(b.interval[0])} to ${fmt(b.interval[1])}` : "–",
    b.inside_interval === null ? "–" : b.inside_interval ? "yes" : "no",
  ];
}

/** Curves without a fit, grouped by why; per-task curves only counted (they are in the JSON). */
export function unfittedText(a: Analysis): string | null {
  const c = a.curves;
  if (!c || c.unfitted.length === 0) return null;
  const tasks = new Set(a.tasks.map((t) => t.task));
  const byReason = new Map<string, string[]>();
  let perTask = 0;
  for (const u of c.unfitted) {
    if (tasks.has(u.scope)) {
      perTask++;
      continue;
    }
    const name = u.scope === "overall" ? curveName(u) : `${curveName(u)} (${u.scope})`;
    byReason.set(u.reason, [...(byReason.get(u.reason) ?? []), name]);
  }
  const parts = [...byReason].map(([reason, names]) => `${names.join(", ")} (${reason})`);
  if (perTask > 0) parts.push(`${perTask} per-task curve(s)`);
  return `No fitted curve: ${parts.join("; ")}.`;
}

/** How the fits were made, for the Method notes. */
export function curveMethodNote(a: Analysis): string | null {
  const c = a.curves;
  if (!c) return null;
  const rule =
    c.family === "auto"
      ? "family auto: bounded pow3 within the measured budgets; beyond the largest budget, the measured score there plus half the gain pow3 predicts (the rule chosen on real fine-tuning curves, docs/report.md)"
      : `family ${c.family}, fitted as is`;
  const method = c.fits[0]?.interval_method ?? "refits on the bootstrap resamples";
  return `Learning-curve fits (score against examples per task, every curve with at least 3 distinct budgets): ${rule}. Intervals at ${levelText(c.level)}: ${method}; per-task curves use ${c.task_resamples} of the resamples. "Extrapolated" marks a budget beyond the largest measured one (or below the smallest); "reached in resamples" is the share of refitted curves that reach the target at all.`;
}
