/**
 * Where a searched curve crosses its target, with an interval: fit the curve (the curves core, `auto`),
 * refit it on resamples of the measured points (warm-started), and read each refit's crossing against
 * the target's matching resample.
 */
import { budgetFor, residualBootstrap, type Curve, type CurvePoint } from "../curves/index.js";
import type { Rng } from "../random.js";
import { quantileSorted } from "../stats.js";
import { fitWithRefits } from "../study-curves.js";
import { targetDraws, type SearchTarget } from "./target.js";
import { checkCrossingOptions, checkPoints, checkTarget } from "./validate.js";

/** One measured budget of the searched curve. */
export interface SearchPoint {
  budget: number;
  /** The measured score (e.g. the mean over tasks, instances and seeds). */
  score: number;
  /** Its standard error, when known and no resamples are given. */
  se?: number;
  /** The study's bootstrap draws of the score at this budget (draw k of every budget forms resample k). */
  resamples?: ArrayLike<number>;
}

export interface CrossingOptions {
  /** Interval level; default 0.95 (the tolerance is stated on the 95 % interval). */
  level?: number;
  /** Resampled refits; default 400 (~30 ms with warm starts). */
  resamples?: number;
  seed?: number;
  /** The metric's maximum (the curve's asymptote cannot exceed it); default 100. */
  maxScore?: number;
}

export interface Crossing {
  curve: Curve;
  /** Budget at which the fitted curve reaches the target; 0: before any example; null: never. */
  budget: number | null;
  /** Percentile interval of the resampled crossings; an end is Infinity where resamples never reach. */
  ci: [number, number];
  /** Crossing budget of each resample (Infinity: never reached). */
  draws: Float64Array;
  /** Share of resamples whose curve reaches the target at all. */
  reachableShare: number;
}

export const DEFAULT_LEVEL = 0.95;
export const DEFAULT_SEARCH_RESAMPLES = 400;

export function crossing(
  points: readonly SearchPoint[],
  target: SearchTarget,
  options: CrossingOptions = {},
): { ok: true; value: Crossing } | { ok: false; reason: string } {
  checkPoints(points);
  checkTarget(target);
  checkCrossingOptions(options);
  const level = options.level ?? DEFAULT_LEVEL;
  const n = options.resamples ?? DEFAULT_SEARCH_RESAMPLES;
  const fitOptions = { family: "auto" as const, maxScore: options.maxScore, seed: options.seed ?? 1 };
  const ses = points.map(standardError);
  const rows = weightedRows(points, ses);

  let fitted: { curve: Curve; resamples: Curve[]; index: number[] };
  if (ses.every((se) => se === null)) {
    // No uncertainty was given with the points: the residual bootstrap estimates it from their scatter.
    const boot = residualBootstrap(rows, { ...fitOptions, resamples: n });
    if (!boot.ok) return boot;
    const { curve, resamples } = boot.value;
    fitted = { curve, resamples, index: resamples.map((_, k) => k) };
  } else {
    const fit = fitWithRefits(
      {
        budgets: rows.map((r) => r.budget),
        scores: rows.map((r) => r.score),
        weights: rows.every((r) => r.weight !== undefined) ? rows.map((r) => r.weight!) : undefined,
        resamples: n,
        draw: (k, out, rng) => points.forEach((p, i) => (out[i] = resampledScore(p, ses[i] ?? null, k, rng))),
      },
      fitOptions,
    );
    if (!fit.ok) return fit;
    fitted = fit;
  }
  const { curve, resamples, index } = fitted;
  const t = targetDraws(target);
  // Refit j is compared with the target's draw on the same resample.
  const draws = Float64Array.from(
    resamples,
    (c, j) => budgetFor(c, t.draws[index[j]! % t.draws.length]!).budget ?? Infinity,
  );
  const reachable = draws.filter(Number.isFinite).length;
  return {
    ok: true,
    value: {
      curve,
      budget: budgetFor(curve, t.score).budget,
      ci: intervalOf(draws, level),
      draws,
      reachableShare: draws.length === 0 ? 0 : reachable / draws.length,
    },
  };
}

/** The point's standard error: given, or the spread of its resamples; null when unknown. */
function standardError(p: SearchPoint): number | null {
  // A resample that lacks the point (NaN) says nothing of its spread.
  const v = Array.from(p.resamples ?? []).filter(Number.isFinite);
  if (v.length > 1) {
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
  }
  return p.se ?? null;
}

/**
 * Rows weighted by inverse variance. A point whose scores did not vary (every test instance right) would
 * get an infinite weight: its standard error is floored at a quarter of the median one.
 */
function weightedRows(points: readonly SearchPoint[], ses: (number | null)[]): CurvePoint[] {
  const known = ses.filter((s): s is number => s !== null && s > 0).sort((a, b) => a - b);
  if (known.length === 0) return points.map((p) => ({ budget: p.budget, score: p.score }));
  const floor = quantileSorted(known, 0.5) / 4;
  return points.map((p, i) => ({
    budget: p.budget,
    score: p.score,
    weight: 1 / Math.max(ses[i] ?? floor, floor) ** 2,
  }));
}

function resampledScore(p: SearchPoint, se: number | null, k: number, rng: Rng): number {
  if (p.resamples && p.resamples.length > 0) return p.resamples[k % p.resamples.length]!;
  return se === null ? p.score : p.score + se * normal(rng);
}

/** Standard normal draw (Box-Muller); the seeded Rng has uniforms only. */
function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/**
 * Percentile interval that keeps Infinity (a resample that never reaches the target) as a value:
 * stats.percentileInterval would turn Infinity - Infinity into NaN.
 */
export function intervalOf(draws: Float64Array, level: number): [number, number] {
  const sorted = Float64Array.from(draws).sort();
  if (sorted.length === 0) return [NaN, NaN];
  const q = (p: number): number => {
    const h = (sorted.length - 1) * p;
    return sorted[Math.ceil(h)] === Infinity ? Infinity : quantileSorted(sorted, p);
  };
  const tail = (1 - level) / 2;
  return [q(tail), q(1 - tail)];
}
