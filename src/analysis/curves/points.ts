/** A measured learning curve as rows of (budget, score[, weight]) and its per-budget summary. */

export interface CurvePoint {
  /** Examples (per task) the score was measured at; > 0. */
  budget: number;
  score: number;
  /** Relative weight of the row in the fit (e.g. an inverse variance); 1 when absent. */
  weight?: number;
}

/**
 * The rows grouped by budget: the fit runs on these (a weighted sum of squares over rows equals the
 * same sum over budget means, weighted by each budget's total weight, plus a constant), so a curve with
 * thousands of rows refits as fast as one with a row per budget.
 */
export interface BudgetSummary {
  /** Distinct budgets, ascending. */
  budgets: Float64Array;
  /** Weighted mean score per budget. */
  means: Float64Array;
  /** Total weight per budget. */
  weights: Float64Array;
  /** Sum over rows of weight * (score - budget mean)^2: the part of the SSE no curve can remove. */
  withinSse: number;
  /** Number of rows. */
  rows: number;
}

export function summarize(points: readonly CurvePoint[]): BudgetSummary {
  const byBudget = new Map<number, { w: number; wy: number; wyy: number }>();
  for (const p of points) {
    const w = p.weight ?? 1;
    const s = byBudget.get(p.budget) ?? { w: 0, wy: 0, wyy: 0 };
    s.w += w;
    s.wy += w * p.score;
    s.wyy += w * p.score * p.score;
    byBudget.set(p.budget, s);
  }
  const budgets = Float64Array.from([...byBudget.keys()].sort((a, b) => a - b));
  const means = new Float64Array(budgets.length);
  const weights = new Float64Array(budgets.length);
  let withinSse = 0;
  budgets.forEach((b, i) => {
    const s = byBudget.get(b)!;
    means[i] = s.wy / s.w;
    weights[i] = s.w;
    withinSse += Math.max(0, s.wyy - (s.wy * s.wy) / s.w);
  });
  return { budgets, means, weights, withinSse, rows: points.length };
}

/** The rows whose budget is at most `maxBudget` (a backtest's or a benchmark's fitting set). */
export function upTo(points: readonly CurvePoint[], maxBudget: number): CurvePoint[] {
  return points.filter((p) => p.budget <= maxBudget);
}
