/** Point queries on a fitted curve: the budget a target needs, and what one curve is worth in examples. */
import { curveAsymptote, scoreAt, type Curve } from "./curve.js";

export interface BudgetAnswer {
  /** Examples needed to reach the target (0 when the curve starts above it); null when unreachable. */
  budget: number | null;
  /** The answer lies outside the measured budgets (beyond the largest, or below the smallest). */
  extrapolated: boolean;
}

/** Past this many times the largest budget a curve that has not reached the target counts as never. */
const HORIZON = 1e9;

/** The smallest budget at which the curve reaches `target` (the inverse of the curve). */
export function budgetFor(curve: Curve, target: number): BudgetAnswer {
  const limit = curveAsymptote(curve);
  let x = curve.firstBudget / 1024;
  if (scoreAt(curve, x) >= target) return { budget: 0, extrapolated: true };
  // Doubling walk up to the first budget on the grid that reaches the target, then bisection in log
  // budget: correct for any non-decreasing curve and for auto's possible dip over its last interval.
  let prev = x;
  for (;;) {
    prev = x;
    x *= 2;
    if (scoreAt(curve, x) >= target) break;
    const beyond = x > curve.lastBudget;
    if (beyond && (target >= limit || x > HORIZON * curve.lastBudget))
      return { budget: null, extrapolated: true };
  }
  let lo = Math.log(prev);
  let hi = Math.log(x);
  for (let i = 0; i < 60 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (scoreAt(curve, Math.exp(mid)) >= target) hi = mid;
    else lo = mid;
  }
  const budget = Math.exp(hi);
  return {
    budget,
    extrapolated: budget > curve.lastBudget * (1 + 1e-9) || budget < curve.firstBudget * (1 - 1e-9),
  };
}

export interface WorthAnswer {
  /** Examples the baseline needs minus those the treated arm needs for the score (horizontal gap). */
  worth: number;
  baselineBudget: number;
  treatedBudget: number;
  extrapolated: boolean;
}

/** "Worth in examples" at a score both curves reach; null when either never reaches it. */
export function worthInExamples(baseline: Curve, treated: Curve, score: number): WorthAnswer | null {
  const b = budgetFor(baseline, score);
  const t = budgetFor(treated, score);
  if (b.budget === null || t.budget === null) return null;
  return {
    worth: b.budget - t.budget,
    baselineBudget: b.budget,
    treatedBudget: t.budget,
    extrapolated: b.extrapolated || t.extrapolated,
  };
}
