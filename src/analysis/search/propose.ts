/**
 * Which budget to run next. Budgets are whole numbers of examples per task in [minBudget, maxBudget]; a
 * budget already run (or running) is never proposed again, and a proposal stays near the crossing: inside
 * its interval, or the range's end the interval lies beyond. When no such budget is free the answer is null
 * (decide.ts stops: the interval cannot narrow below one example).
 *
 * The rule, with a fit: a new measurement narrows the crossing's interval most where the crossing is most
 * uncertain, and a run costs what it trains on (its budget in sample-passes). The budgets already run split
 * the crossing's 95 % interval (clipped to the budget range) into stretches in log budget; a measurement
 * inside a stretch tells on which side of it the curve crosses, so a stretch's worth is the uncertainty it
 * holds, (share of the resampled crossings that fall in it) x (its width in log budget), per example its
 * middle would train on. We run the geometric middle of the stretch worth most: bisection in log space,
 * where learning curves are smooth, weighed by cost. Ties go to the lower stretch. (bench/search.ts: per
 * cost, the search spends about half the sample-passes of the same rule without the cost at equal coverage.)
 *
 * Before a fit (fewer than 3 measured budgets, i.e. after round 0): between two measured budgets that
 * bracket the target, their geometric middle; when every measurement is below the target, a step up from
 * the largest (where the two points' log-linear trend reaches the target, kept within 2x to 10x of it);
 * when every measurement is already above it, the geometric middle below the smallest run above min_budget.
 */
import { startingBudgets } from "../../study/search.js";

export interface Proposal {
  budget: number;
  /** Why this budget: one sentence for plan.json and the status output. */
  why: string;
}

export interface Range {
  minBudget: number;
  maxBudget: number;
}

/** Round 0's budgets of the searched curve: min_budget and a decade above it (the study's rule). */
export const startingDesign: (range: Range) => number[] = startingBudgets;

/** The proposal from a fitted crossing: see the module comment. Null when no integer budget is free. */
export function proposeFromInterval(
  ci: [number, number],
  draws: Float64Array,
  run: readonly number[],
  range: Range,
): Proposal | null {
  const { minBudget: min, maxBudget: max } = range;
  // Past either end of the range only that end itself is near the crossing.
  if (ci[0] >= max) return free(max, max, max, run, "the whole interval lies beyond max_budget");
  if (ci[1] <= min) return free(min, min, min, run, "the whole interval lies below min_budget");
  const lo = Math.max(ci[0], min);
  const hi = Math.min(ci[1], max);
  const cuts = [lo, ...run.filter((b) => b > lo && b < hi).sort((a, b) => a - b), hi];
  const clamped = Array.from(draws, (d) => Math.min(Math.max(d, min), max));
  const stretches = cuts.slice(1).map((b, i) => {
    const a = cuts[i]!;
    const inside = clamped.filter((d) => d >= a && d <= b).length / Math.max(1, clamped.length);
    return { a, b, score: (inside * Math.log(b / a)) / Math.sqrt(a * b) };
  });
  // Best first; a stable sort keeps the lower stretch first on ties.
  stretches.sort((x, y) => y.score - x.score);
  const whole = stretches.length === 1;
  for (const s of stretches) {
    const middle = Math.sqrt(s.a * s.b);
    const where = whole
      ? "the geometric middle of it"
      : `the geometric middle of its least measured stretch [${fmt(s.a)}, ${fmt(s.b)}]`;
    const p = freeInside(middle, s.a, s.b, run);
    if (p !== null) return { budget: p, why: where };
  }
  return null;
}

/** The proposal before a fit: see the module comment. */
export function proposeBeforeFit(
  measured: readonly { budget: number; score: number }[],
  target: number,
  run: readonly number[],
  range: Range,
): Proposal | null {
  const { minBudget: min, maxBudget: max } = range;
  const sorted = [...measured].sort((a, b) => a.budget - b.budget);
  const below = sorted.filter((p) => p.score < target);
  const above = sorted.filter((p) => p.score >= target);
  const last = sorted[sorted.length - 1]!;
  if (above.length === 0 && last.budget < max) {
    const first = sorted[0]!;
    const slope = sorted.length > 1 ? (last.score - first.score) / Math.log(last.budget / first.budget) : 0;
    const reach = slope > 0 ? last.budget * Math.exp((target - last.score) / slope) : Infinity;
    const step = Math.min(max, Math.max(2 * last.budget, Math.min(10 * last.budget, reach)));
    return free(
      step,
      Math.max(last.budget, min),
      max,
      run,
      "every measured score is below the target: stepping up",
    );
  }
  if (below.length === 0) {
    const middle = Math.sqrt(min * (sorted.find((p) => p.budget > min) ?? sorted[0]!).budget);
    return free(middle, min, max, run, "every measured score is at or above the target: looking lower");
  }
  // Bracketed: two neighbouring budgets, one below the target and one at or above it.
  const i = sorted.findIndex((p, j) => j > 0 && p.score >= target !== sorted[j - 1]!.score >= target);
  const [a, b] =
    sorted.length < 2 ? [min, max] : [sorted[Math.max(0, i - 1)]!.budget, sorted[Math.max(1, i)]!.budget];
  return free(
    Math.sqrt(a * b),
    min,
    max,
    run,
    `the target lies between the scores at ${fmt(a)} and ${fmt(b)}: their geometric middle`,
  );
}

/** The free integer nearest to x (in log budget) within [lo, hi], with the reason; null if none. */
function free(x: number, lo: number, hi: number, run: readonly number[], why: string): Proposal | null {
  const b = freeInside(x, lo, hi, run);
  return b === null ? null : { budget: b, why };
}

/** Integers tried outward from round(x), nearer in log budget first; at most a few hundred tries. */
function freeInside(x: number, lo: number, hi: number, run: readonly number[]): number | null {
  const taken = new Set(run);
  const first = Math.ceil(lo);
  const last = Math.floor(hi);
  if (first > last) return null;
  const start = Math.min(Math.max(Math.round(x), first), last);
  const candidates: number[] = [];
  for (let d = 0; d <= 256 && (start - d >= first || start + d <= last); d++) {
    if (start - d >= first) candidates.push(start - d);
    if (d > 0 && start + d <= last) candidates.push(start + d);
  }
  const open = candidates.filter((b) => !taken.has(b));
  if (open.length === 0) return null;
  return open.reduce((best, b) => (Math.abs(Math.log(b / x)) < Math.abs(Math.log(best / x)) ? b : best));
}

/** A budget in a reason: whole above 100; one decimal below, where one example is a large step. */
export function fmt(budget: number): string {
  if (!Number.isFinite(budget)) return "never";
  return budget < 100 ? String(+budget.toFixed(1)) : String(Math.round(budget));
}
