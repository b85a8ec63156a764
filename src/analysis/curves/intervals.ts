/**
 * Intervals for a fitted curve from a set of refitted curves: bootstrap resamples of a study (the
 * integrator's) or, for a curve given by points only, a residual bootstrap of those points (here).
 */
import { percentileInterval } from "../stats.js";
import { seededRng } from "../random.js";
import { FAMILIES } from "./families.js";
import { curveAsymptote, curveParams, fitCurve, scoreAt, type Curve, type CurveOptions } from "./curve.js";
import { familyScore } from "./fit.js";
import { budgetFor, worthInExamples } from "./query.js";
import type { CurvePoint } from "./points.js";

export type Interval = [number, number];

export interface Resampled {
  curve: Curve;
  /** One refitted curve per resample. */
  resamples: Curve[];
  /**
   * Draws of the noise of one new (unit-weight) measurement around the curve, for prediction intervals:
   * the fit's residuals, centred and inflated by sqrt(n / (n - p)) for the p fitted parameters.
   */
  noise: Float64Array;
  /** Residual degrees of freedom (rows - parameters); 0 means the noise could not be estimated. */
  dof: number;
}

export interface BootstrapOptions extends CurveOptions {
  /** Default 1000. */
  resamples?: number;
  /** Seed of the resampling (the fit's own starts take `seed` too). Default 1. */
  seed?: number;
}

export const DEFAULT_RESAMPLES = 1000;

/**
 * Residual bootstrap of a curve given by points only: every resample adds residuals drawn with
 * replacement to the fitted family's values at the measured rows and refits from the full-data fit.
 * auto also draws its gain share from [0, 1] per resample (see curve.ts).
 */
export function residualBootstrap(
  points: readonly CurvePoint[],
  options: BootstrapOptions = {},
): { ok: true; value: Resampled } | { ok: false; reason: string } {
  const fit = fitCurve(points, options);
  if (!fit.ok) return fit;
  const curve = fit.curve;
  const rows = points.length;
  const p = FAMILIES[curve.base.family].names.length;
  const dof = Math.max(0, rows - p);
  const fitted = points.map((r) => familyScore(curve.base, r.budget));
  // Standardised residuals (weight-scaled), so rows with different weights share one noise scale.
  const sw = points.map((r) => Math.sqrt(r.weight ?? 1));
  const raw = points.map((r, i) => (r.score - fitted[i]!) * sw[i]!);
  const centre = raw.reduce((a, b) => a + b, 0) / rows;
  const inflate = dof > 0 ? Math.sqrt(rows / dof) : 0;
  const standardised = Float64Array.from(raw, (e) => (e - centre) * inflate);
  const meanWeight = sw.reduce((a, b) => a + b * b, 0) / rows;
  const noise = standardised.map((e) => e / Math.sqrt(meanWeight));

  const rng = seededRng(options.seed ?? 1);
  const resamples: Curve[] = [];
  const draw: CurvePoint[] = points.map((r) => ({ ...r }));
  for (let k = 0; k < (options.resamples ?? DEFAULT_RESAMPLES); k++) {
    for (let i = 0; i < rows; i++) draw[i]!.score = fitted[i]! + standardised[rng.int(rows)]! / sw[i]!;
    const refit = fitCurve(draw, {
      ...options,
      warm: curve,
      gainShare: curve.family === "auto" ? rng.next() : undefined,
    });
    if (refit.ok) resamples.push(refit.curve);
  }
  return { ok: true, value: { curve, resamples, noise, dof } };
}

export interface ScoreBand {
  score: number;
  /** The curve's uncertainty. */
  ci: Interval;
  /** Where a new measurement at the budget would fall (curve + one measurement's noise); null without noise. */
  pi: Interval | null;
  extrapolated: boolean;
}

/** Score at a budget with percentile intervals over the resampled curves. */
export function scoreBand(
  curve: Curve,
  resamples: readonly Curve[],
  budget: number,
  level: number,
  noise?: ArrayLike<number>,
  seed = 1,
): ScoreBand {
  const values = Float64Array.from(resamples, (c) => scoreAt(c, budget));
  let pi: Interval | null = null;
  if (noise && noise.length > 0) {
    const rng = seededRng(seed);
    pi = percentileInterval(
      values.map((v) => v + noise[rng.int(noise.length)]!),
      level,
    );
  }
  return {
    score: scoreAt(curve, budget),
    ci: percentileInterval(values, level),
    pi,
    extrapolated: budget > curve.lastBudget || budget < curve.firstBudget,
  };
}

export interface BudgetBand {
  /** Null when the fitted curve never reaches the target. */
  budget: number | null;
  /** Percentile interval over resamples; an end is Infinity where too many resamples never reach it. */
  ci: Interval;
  extrapolated: boolean;
  /** Share of resampled curves that reach the target at all. */
  reachableShare: number;
}

/**
 * Budget to reach a target with its interval over the resampled curves. `targets` gives the target of each
 * resample when the target is itself measured (a baseline's score, resampled with the curve: paired).
 */
export function budgetBand(
  curve: Curve,
  resamples: readonly Curve[],
  target: number,
  level: number,
  targets?: ArrayLike<number>,
): BudgetBand {
  const point = budgetFor(curve, target);
  const budgets = Float64Array.from(
    resamples,
    (c, k) => budgetFor(c, targets ? targets[k]! : target).budget ?? Infinity,
  );
  const reachable = budgets.filter(Number.isFinite).length;
  return {
    budget: point.budget,
    ci: percentileInterval(budgets, level),
    extrapolated: point.extrapolated,
    reachableShare: resamples.length === 0 ? NaN : reachable / resamples.length,
  };
}

/** Percentile intervals of each parameter (a, b, c, d) and of the asymptote over the resamples. */
export function parameterBands(resamples: readonly Curve[], level: number): Record<string, Interval> {
  const out: Record<string, Interval> = {};
  if (resamples.length === 0) return out;
  for (const name of Object.keys(curveParams(resamples[0]!)))
    out[name] = percentileInterval(
      resamples.map((c) => curveParams(c)[name]!),
      level,
    );
  out.asymptote = percentileInterval(
    resamples.map((c) => curveAsymptote(c)),
    level,
  );
  return out;
}

export interface WorthBand {
  /** Baseline's budget minus the treated arm's at the score; null when either curve never reaches it. */
  worth: number | null;
  /** Over the resamples where both reach the score. */
  ci: Interval;
  extrapolated: boolean;
  /** Share of resamples in which both curves reach the score. */
  reachableShare: number;
}

/**
 * "Worth in examples" at a score with its interval; the two resample lists are paired (index k of each
 * comes from the same bootstrap draw), so the interval is that of a paired difference.
 */
export function worthBand(
  baseline: Curve,
  treated: Curve,
  baselineResamples: readonly Curve[],
  treatedResamples: readonly Curve[],
  score: number,
  level: number,
): WorthBand {
  const point = worthInExamples(baseline, treated, score);
  const n = Math.min(baselineResamples.length, treatedResamples.length);
  const gaps: number[] = [];
  for (let k = 0; k < n; k++) {
    const w = worthInExamples(baselineResamples[k]!, treatedResamples[k]!, score);
    if (w !== null) gaps.push(w.worth);
  }
  return {
    worth: point?.worth ?? null,
    ci: percentileInterval(gaps, level),
    extrapolated: point?.extrapolated ?? true,
    reachableShare: n === 0 ? NaN : gaps.length / n,
  };
}

/**
 * Scores both curves reach within [lowest budget, `horizon`]: from the higher of their values at the
 * smaller first budget to the lower of their values at the horizon (a grid for the worth chart).
 */
export function sharedScoreRange(a: Curve, b: Curve, horizon: number): [number, number] | null {
  const first = Math.min(a.firstBudget, b.firstBudget);
  const lo = Math.max(scoreAt(a, first), scoreAt(b, first));
  const hi = Math.min(scoreAt(a, horizon), scoreAt(b, horizon));
  return hi > lo ? [lo, hi] : null;
}
