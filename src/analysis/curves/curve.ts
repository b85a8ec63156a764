/**
 * A fitted learning curve: one family's fit, or `auto`, the rule the real-curve benchmark chose
 * (bench/curves.ts, docs/report.md "Learning-curve fits"): bounded pow3 inside the measured budgets and,
 * beyond the largest one, the measured score there plus half the gain pow3 predicts from it on.
 *
 * Why that rule: on real fine-tuning curves five small-budget points cannot tell a curve that keeps
 * rising as fitted from one that stops (plateaus and even falls are common), and a selection among
 * families by small-sample error picks wild extrapolations. Giving both readings equal weight (a gain
 * share of 1/2) is the no-information choice; anchoring at the measured score, not the fitted one, keeps
 * what the largest measurement says that a smooth curve through noisy points smooths away. Interval code
 * draws the share uniformly from [0, 1] on every resample, so the bands carry that uncertainty too.
 */
import { FAMILIES, type FamilyName, type Params } from "./families.js";
import {
  DEFAULT_MAX_SCORE,
  familyAsymptote,
  familyParams,
  familyScore,
  fitFamily,
  type FamilyFit,
} from "./fit.js";
import { summarize, type BudgetSummary, type CurvePoint } from "./points.js";

export type CurveFamily = FamilyName | "auto";
export const AUTO_BASE_FAMILY: FamilyName = "pow3";
export const AUTO_GAIN_SHARE = 0.5;
export const MIN_DISTINCT_BUDGETS = 3;

export interface Curve {
  family: CurveFamily;
  /** The fitted family (pow3 for auto). */
  base: FamilyFit;
  /** Share of the fitted gain beyond the largest budget that the curve keeps (1 for a plain family). */
  gainShare: number;
  /** Largest and second-largest measured budget, and the measured (weighted mean) score at the largest. */
  lastBudget: number;
  previousBudget: number;
  lastScore: number;
  firstBudget: number;
  maxScore: number;
  /** Rows and distinct budgets the fit saw. */
  nPoints: number;
  nBudgets: number;
  /** Sum over rows of weight * (score - curve)^2 and sqrt(sse / total weight), for this curve. */
  sse: number;
  rmse: number;
}

export type CurveResult = { ok: true; curve: Curve } | { ok: false; reason: string };

export interface CurveOptions {
  family?: CurveFamily;
  maxScore?: number;
  seed?: number;
  /** Random starts per family on a fresh fit (see FitOptions). */
  randomStarts?: number;
  /** A previous curve of the same family to start from: a bootstrap refit (cheap). */
  warm?: Curve;
  /** auto only: the gain share to use instead of 1/2 (resampling code draws it from [0, 1]). */
  gainShare?: number;
}

/** Fits a curve to measured rows; fewer than 3 distinct budgets (or a bad row) gives a reason instead. */
export function fitCurve(points: readonly CurvePoint[], options: CurveOptions = {}): CurveResult {
  const maxScore = options.maxScore ?? DEFAULT_MAX_SCORE;
  const bad = points.find((p) => !(p.budget > 0) || !Number.isFinite(p.score) || !((p.weight ?? 1) > 0));
  if (bad)
    return {
      ok: false,
      reason: `a row needs budget > 0, a finite score and weight > 0 (got ${JSON.stringify(bad)})`,
    };
  const s = summarize(points);
  if (s.budgets.length < MIN_DISTINCT_BUDGETS)
    return {
      ok: false,
      reason: `${s.budgets.length} distinct budget(s); a curve needs at least ${MIN_DISTINCT_BUDGETS} to be fitted`,
    };
  return { ok: true, curve: fitSummary(s, options, maxScore) };
}

function fitSummary(s: BudgetSummary, options: CurveOptions, maxScore: number): Curve {
  const family = options.family ?? "auto";
  const baseName = family === "auto" ? AUTO_BASE_FAMILY : family;
  const base = fitFamily(baseName, s, {
    maxScore,
    seed: options.seed,
    randomStarts: options.randomStarts,
    warm: options.warm?.base.family === baseName ? options.warm.base : undefined,
  });
  const n = s.budgets.length;
  const curve: Curve = {
    family,
    base,
    gainShare: family === "auto" ? (options.gainShare ?? AUTO_GAIN_SHARE) : 1,
    lastBudget: s.budgets[n - 1]!,
    previousBudget: s.budgets[n - 2]!,
    lastScore: s.means[n - 1]!,
    firstBudget: s.budgets[0]!,
    maxScore,
    nPoints: s.rows,
    nBudgets: n,
    sse: NaN,
    rmse: NaN,
  };
  let sse = s.withinSse;
  let totalWeight = 0;
  s.budgets.forEach((b, i) => {
    sse += s.weights[i]! * (s.means[i]! - scoreAt(curve, b)) ** 2;
    totalWeight += s.weights[i]!;
  });
  curve.sse = sse;
  curve.rmse = Math.sqrt(sse / totalWeight);
  return curve;
}

/**
 * The curve's score at a budget. For auto, the pow3 fit is bent onto the measured score at the largest
 * budget over the last measured interval (linearly in log budget), so the curve is continuous there;
 * where that measurement lies below pow3 the curve dips over that interval, as the data did (budgetFor
 * answers with the first budget that reaches a target).
 */
export function scoreAt(curve: Curve, budget: number): number {
  const f = familyScore(curve.base, budget);
  if (curve.family !== "auto") return f;
  const fLast = familyScore(curve.base, curve.lastBudget);
  if (budget >= curve.lastBudget) return curve.lastScore + curve.gainShare * (f - fLast);
  if (budget <= curve.previousBudget) return f;
  const ramp = Math.log(budget / curve.previousBudget) / Math.log(curve.lastBudget / curve.previousBudget);
  return f + ramp * (curve.lastScore - fLast);
}

/** The score the curve tends to as the budget grows (Infinity for log2). */
export function curveAsymptote(curve: Curve): number {
  const a = familyAsymptote(curve.base);
  if (curve.family !== "auto") return a;
  return curve.lastScore + curve.gainShare * (a - familyScore(curve.base, curve.lastBudget));
}

/** Parameters of the (base) family's formula, named a, b, c, d as in the formulas. */
export function curveParams(curve: Curve): Params {
  return familyParams(curve.base);
}

export function familyFormula(family: CurveFamily): string {
  return family === "auto"
    ? `${FAMILIES[AUTO_BASE_FAMILY].formula} up to the largest budget; beyond it, the measured score there + ${AUTO_GAIN_SHARE} x the fitted gain`
    : FAMILIES[family].formula;
}
