/** A point of a sample-efficiency curve: training samples per task (x) against score (y). */
export interface CurvePoint {
  x: number;
  y: number;
}

export type Match =
  /** The curve reaches the target at `budget` samples per task (interpolated in log budget). */
  { reached: true; budget: number; atFirstBudget: boolean } | { reached: false };

/**
 * The smallest budget at which a curve reaches `target`, by linear interpolation in log(budget)
 * between measured budgets. A non-monotone curve counts its first crossing. A curve already at
 * the target at its first budget reports that budget (no extrapolation below what was measured);
 * one that never reaches it within the measured budgets reports `reached: false`.
 */
export function matchingBudget(points: readonly CurvePoint[], target: number): Match {
  const pts = points.filter((p) => Number.isFinite(p.y) && p.x > 0).sort((a, b) => a.x - b.x);
  if (pts.length === 0) return { reached: false };
  if (pts[0]!.y >= target) return { reached: true, budget: pts[0]!.x, atFirstBudget: true };
  for (let i = 0; i + 1 < pts.length; i++) {
    const a = pts[i]!;
    const b = pts[i + 1]!;
    if (a.y < target && b.y >= target) {
      const t = (target - a.y) / (b.y - a.y);
      const logBudget = Math.log(a.x) + t * (Math.log(b.x) - Math.log(a.x));
      return { reached: true, budget: Math.exp(logBudget), atFirstBudget: false };
    }
  }
  return { reached: false };
}
