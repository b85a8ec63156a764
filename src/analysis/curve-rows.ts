/**
 * The learning-curve part of the analysis (issue 21) as rows: a fit per curve, the matching questions
 * asked of the fitted curves (budget to reach each baseline, and 95 % of a supervised one), bands for the
 * charts, and what instruction tuning is worth in examples.
 */
import type { BudgetAxis } from "./budget.js";
import {
  fitRow,
  scoreBand,
  sharedScoreRange,
  targetRow,
  worthBand,
  type Curve,
  type CurveFamily,
  type CurveScope,
  type FitRow,
  type TargetQueryRow,
} from "./curves/index.js";
import type { ConditionMeta, MatchingPair } from "./design.js";
import type { Bootstrap } from "./bootstrap.js";
import {
  DEFAULT_CURVE_LEVEL,
  DEFAULT_TASK_RESAMPLES,
  measureCondition,
  pairedTargets,
  type CurveFitOptions,
  type FittedStudyCurves,
  type StudyCurve,
  type UnfittedCurve,
} from "./study-curves.js";
import type { ResultsTable } from "./table.js";

/** The share of a supervised baseline's score the report asks every fitted curve about. */
export const SUPERVISED_SHARE = 0.95;

type Num = number | null;

export interface CurveQueryRow extends TargetQueryRow {
  /** The condition whose score sets the target. */
  baseline: { arm: string; setting: string; budget: string | null };
  /** The target's share of the baseline's score (1: match it). */
  share: number;
}

export interface CurveBandRow extends CurveScope {
  family: string;
  /** Examples per task, the fitted score and its interval, on a grid up to the chart's right edge. */
  points: { x: number; score: Num; lo: Num; hi: Num }[];
  /** The largest measured budget: the band beyond it is extrapolated. */
  last_budget: number;
}

export interface WorthRow {
  setting: string;
  arm: string;
  baseline: string;
  baseline_setting: string;
  /** At each score both curves reach: baseline's examples minus the arm's, with its interval. */
  points: { score: number; worth: Num; ci: [Num, Num]; extrapolated: boolean; reachable_share: Num }[];
}

export interface CurveSection {
  family: CurveFamily;
  level: number;
  task_resamples: number;
  fits: FitRow[];
  unfitted: UnfittedCurve[];
  queries: CurveQueryRow[];
  bands: CurveBandRow[];
  worth: WorthRow[];
}

const finite = (v: number): Num => (Number.isFinite(v) ? v : null);

export function curveSection(
  fitted: FittedStudyCurves,
  table: ResultsTable,
  boot: Bootstrap,
  axis: BudgetAxis,
  metas: ConditionMeta[],
  pairs: MatchingPair[],
  options: CurveFitOptions,
): CurveSection {
  const level = options.level ?? DEFAULT_CURVE_LEVEL;
  const overall = new Map(
    fitted.curves.filter((c) => c.scope.scope === "overall").map((c) => [seriesKey(c.scope), c]),
  );
  return {
    family: options.family ?? "auto",
    level,
    task_resamples: options.taskResamples ?? DEFAULT_TASK_RESAMPLES,
    fits: fitted.curves.map((c) => fitRow(c.scope, c.curve, c.resamples, level, c.method, c.backtest)),
    unfitted: fitted.unfitted,
    queries: pairs.flatMap((p) => {
      const curve = overall.get(seriesKey(metas[p.curve[0]!]!));
      if (!curve) return [];
      const shares = metas[p.baseline]!.role === "supervised" ? [1, SUPERVISED_SHARE] : [1];
      return shares.flatMap((share) => {
        const row = baselineQuery(curve, table, boot, p.baseline, share, level);
        return row ? [row] : [];
      });
    }),
    bands: [...overall.values()].map((c) => bandRow(c, axis, level)),
    worth: worthRows([...overall.values()], metas, table, axis, level),
  };
}

/** Budget for the curve to reach `share` × a baseline condition's score, in the curve's scope, paired. */
export function baselineQuery(
  curve: StudyCurve,
  table: ResultsTable,
  boot: Bootstrap,
  baseline: number,
  share: number,
  level: number,
): CurveQueryRow | null {
  const target = measureCondition(table, boot, baseline, curve.scope.scope);
  if (!target) return null;
  const draws = pairedTargets(curve, target.draws).map((v) => share * v);
  const c = table.conditions[baseline]!;
  return {
    ...targetRow(curve.scope, curve.curve, curve.resamples, share * target.value, level, draws),
    baseline: { arm: c.arm, setting: c.setting, budget: c.budget },
    share,
  };
}

const BAND_POINTS = 48;

function bandRow(c: StudyCurve, axis: BudgetAxis, level: number): CurveBandRow {
  const lo = c.curve.firstBudget;
  const hi = Math.max(axis.allPosition, 2 * c.curve.lastBudget);
  const points = Array.from({ length: BAND_POINTS }, (_, i) => {
    const x = lo * (hi / lo) ** (i / (BAND_POINTS - 1));
    const band = scoreBand(c.curve, c.resamples, x, level);
    return { x, score: finite(band.score), lo: finite(band.ci[0]), hi: finite(band.ci[1]) };
  });
  return { ...c.scope, family: c.curve.family, points, last_budget: c.curve.lastBudget };
}

const WORTH_POINTS = 12;

/** Instruction-tuned curves against each baseline curve of the same setting (both fitted). */
function worthRows(
  curves: StudyCurve[],
  metas: ConditionMeta[],
  table: ResultsTable,
  axis: BudgetAxis,
  level: number,
): WorthRow[] {
  const role = (c: StudyCurve) => metas[c.conditions[0]!]!.role;
  const rows: WorthRow[] = [];
  for (const treated of curves.filter((c) => role(c) === "instruction-tuned")) {
    for (const base of curves) {
      const r = role(base);
      if ((r !== "baseline" && r !== "supervised") || base.scope.setting !== treated.scope.setting) continue;
      const range = sharedScoreRange(base.curve, treated.curve, axis.allPosition);
      if (!range) continue;
      const [b, t] = pairedRefits(base, treated);
      const points = Array.from({ length: WORTH_POINTS }, (_, i) => {
        const score = range[0] + ((range[1] - range[0]) * (i + 0.5)) / WORTH_POINTS;
        const w = worthBand(base.curve, treated.curve, b, t, score, level);
        return {
          score,
          worth: w.worth,
          ci: [finite(w.ci[0]), finite(w.ci[1])] as [Num, Num],
          extrapolated: w.extrapolated,
          reachable_share: finite(w.reachableShare),
        };
      });
      rows.push({
        setting: treated.scope.setting!,
        arm: treated.scope.arm!,
        baseline: base.scope.arm!,
        baseline_setting: base.scope.setting!,
        points,
      });
    }
  }
  void table;
  return rows;
}

/** The refits of two curves that used the same resample, in matching order. */
function pairedRefits(a: StudyCurve, b: StudyCurve): [Curve[], Curve[]] {
  const byDraw = new Map(b.resampleIndex.map((k, j) => [k, b.resamples[j]!]));
  const left: Curve[] = [];
  const right: Curve[] = [];
  a.resampleIndex.forEach((k, j) => {
    const other = byDraw.get(k);
    if (!other) return;
    left.push(a.resamples[j]!);
    right.push(other);
  });
  return [left, right];
}

function seriesKey(s: { arm: string | null; setting: string | null }): string {
  return `${s.arm}/${s.setting}`;
}
