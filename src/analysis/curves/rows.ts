/**
 * The rows `quicklearn curve --json` prints (issue 21's Interfaces): one fit row per curve and one row per
 * query, built from a fitted curve and its resampled curves. Numbers that are not finite (log2's
 * asymptote, an interval end no resample reaches) are null.
 */
import type { backtest, Backtest } from "./backtest.js";
import { curveAsymptote, curveParams, familyFormula, type Curve } from "./curve.js";
import { budgetBand, parameterBands, scoreBand, type Interval } from "./intervals.js";

export interface CurveScope {
  arm: string | null;
  setting: string | null;
  /** "overall", a report group or a task. */
  scope: string;
}

type Num = number | null;
type Pair = [Num, Num];

export interface FitRow extends CurveScope {
  family: string;
  formula: string;
  params: Record<string, Num>;
  sse: Num;
  rmse: Num;
  asymptote: Num;
  n_points: number;
  backtest: {
    held_out_budget: number;
    predicted: Num;
    measured: Num;
    error: Num;
    interval: Pair | null;
    inside_interval: boolean | null;
  } | null;
  /** Why there is no backtest (too few budgets without the largest). */
  backtest_reason?: string;
  ci: Record<string, Pair>;
  /** Where the intervals come from, e.g. "residual bootstrap of the points (1000 resamples)". */
  interval_method: string;
}

export interface TargetQueryRow extends CurveScope {
  target: number;
  budget: Num;
  ci: Pair;
  extrapolated: boolean;
  reachable_share: Num;
}

export interface AtQueryRow extends CurveScope {
  at: number;
  score: Num;
  ci: Pair;
  pi: Pair | null;
  extrapolated: boolean;
}

export const finite = (v: number): Num => (Number.isFinite(v) ? v : null);
const pair = ([lo, hi]: Interval): Pair => [finite(lo), finite(hi)];

export function fitRow(
  scope: CurveScope,
  curve: Curve,
  resamples: readonly Curve[],
  level: number,
  intervalMethod: string,
  test: ReturnType<typeof backtest>,
): FitRow {
  const params = Object.fromEntries(Object.entries(curveParams(curve)).map(([k, v]) => [k, finite(v)]));
  const ci = Object.fromEntries(
    Object.entries(parameterBands(resamples, level)).map(([k, v]) => [k, pair(v)]),
  );
  return {
    ...scope,
    family: curve.family,
    formula: familyFormula(curve.family),
    params,
    sse: finite(curve.sse),
    rmse: finite(curve.rmse),
    asymptote: finite(curveAsymptote(curve)),
    n_points: curve.nPoints,
    backtest: test.ok ? backtestRow(test.value) : null,
    ...(test.ok ? {} : { backtest_reason: test.reason }),
    ci,
    interval_method: intervalMethod,
  };
}

function backtestRow(b: Backtest): NonNullable<FitRow["backtest"]> {
  return {
    held_out_budget: b.heldOutBudget,
    predicted: finite(b.predicted),
    measured: finite(b.measured),
    error: finite(b.error),
    interval: b.interval === null ? null : pair(b.interval),
    inside_interval: b.insideInterval,
  };
}

export function targetRow(
  scope: CurveScope,
  curve: Curve,
  resamples: readonly Curve[],
  target: number,
  level: number,
  targets?: ArrayLike<number>,
): TargetQueryRow {
  const band = budgetBand(curve, resamples, target, level, targets);
  return {
    ...scope,
    target,
    budget: band.budget,
    ci: pair(band.ci),
    extrapolated: band.extrapolated,
    reachable_share: finite(band.reachableShare),
  };
}

export function atRow(
  scope: CurveScope,
  curve: Curve,
  resamples: readonly Curve[],
  at: number,
  level: number,
  noise?: ArrayLike<number>,
): AtQueryRow {
  const band = scoreBand(curve, resamples, at, level, noise);
  return {
    ...scope,
    at,
    score: finite(band.score),
    ci: pair(band.ci),
    pi: band.pi === null ? null : pair(band.pi),
    extrapolated: band.extrapolated,
  };
}
