/**
 * A study's learning curves, fitted (issue 21): every arm × setting that trained at three or more budgets,
 * overall, per report group and per task, the headline metric against examples per task. The fit runs on
 * the point estimates (weighted by the inverse variance of each point's bootstrap replicates) and again
 * on every resample the analysis already drew, so each band carries tasks × instances × seeds × data
 * replicates, and a query's interval is the spread of its answer over those refits.
 */
import type { Bootstrap } from "./bootstrap.js";
import type { BudgetAxis } from "./budget.js";
import {
  fitCurve,
  scoreAt,
  scoreBand,
  type Backtest,
  type Curve,
  type CurveFamily,
  type CurvePoint,
  type CurveScope,
} from "./curves/index.js";
import { REPORT_GROUPS } from "./groups.js";
import { seededRng, type Rng } from "./random.js";
import type { ResultsTable } from "./table.js";

export interface CurveFitOptions {
  /** Family to fit (default auto: the rule bench/curves.ts chose, docs/report.md). */
  family?: CurveFamily;
  /** Level of every interval (default 0.9). */
  level?: number;
  /**
   * Refits behind a per-task curve's intervals (default 80): a study has one curve per task, arm and
   * setting, and refitting each on all 2,000 resamples would cost a minute at thesis scale; the report
   * must stay within twice its time without fits (docs/performance.md).
   */
  taskResamples?: number;
  /** Which curves to fit (default every scope). */
  scopes?: (scope: CurveScope) => boolean;
  seed?: number;
}

export const DEFAULT_CURVE_LEVEL = 0.9;
export const DEFAULT_TASK_RESAMPLES = 80;
/**
 * A backtest's prediction interval needs only its two percentiles, not every resample: it refits on at most
 * this many draws, and on half of a per-task curve's.
 */
export const BACKTEST_REFITS = 200;

/** The measurements of one curve: a point per budget and, per point, its resampled values (paired by k). */
export interface MeasuredCurve {
  scope: CurveScope;
  /** Condition indices along the curve, by budget. */
  conditions: number[];
  budgets: number[];
  scores: number[];
  /** Per point: its value in resample k (NaN where the resample lacks it). */
  draws: ArrayLike<number>[];
  /** How the draws were made, for the reader. */
  method: string;
}

export interface StudyCurve extends MeasuredCurve {
  curve: Curve;
  /** One refit per usable resample (index-aligned with `resampleIndex`). */
  resamples: Curve[];
  /** Which resample k each refit used: queries pair a target's draw k with the refit on draw k. */
  resampleIndex: number[];
  /** Draws of one measurement's noise around its point (pooled over the curve's points), for `pi`. */
  noise: Float64Array;
  backtest: { ok: true; value: Backtest } | { ok: false; reason: string };
}

export interface UnfittedCurve extends CurveScope {
  reason: string;
}

export interface FittedStudyCurves {
  curves: StudyCurve[];
  unfitted: UnfittedCurve[];
}

/** Fits every curve of the study (arm × setting with budgets; overall, groups, tasks). */
export function fitStudyCurves(
  table: ResultsTable,
  boot: Bootstrap,
  axis: BudgetAxis,
  options: CurveFitOptions = {},
): FittedStudyCurves {
  const curves: StudyCurve[] = [];
  const unfitted: UnfittedCurve[] = [];
  const wanted = options.scopes ?? (() => true);
  for (const series of curveSeries(table, axis)) {
    const scopes: CurveScope[] = [
      { arm: series.arm, setting: series.setting, scope: "overall" },
      ...REPORT_GROUPS.map((g) => ({ arm: series.arm, setting: series.setting, scope: g })),
      ...table.tasks.map((t) => ({ arm: series.arm, setting: series.setting, scope: t.name })),
    ];
    for (const scope of scopes.filter(wanted)) {
      const measured = measureCurve(table, boot, axis, series.conditions, scope, options);
      if (!measured) continue;
      const fitted = fitMeasured(measured, options);
      if (fitted.ok) curves.push(fitted.curve);
      // Why a curve has no fit is said once per arm and setting (or for each curve asked for by name).
      else if (scope.scope === "overall" || options.scopes)
        unfitted.push({ ...scope, reason: fitted.reason });
    }
  }
  return { curves, unfitted };
}

/** Conditions of each arm × setting that trained at a budget, ordered by budget position. */
export function curveSeries(
  table: ResultsTable,
  axis: BudgetAxis,
): { arm: string; setting: string; conditions: number[] }[] {
  const bySeries = new Map<string, { arm: string; setting: string; conditions: number[] }>();
  for (const [i, c] of table.conditions.entries()) {
    if (c.budget === null || (c.setting !== "stl" && c.setting !== "mtl")) continue;
    const key = `${c.arm}/${c.setting}`;
    if (!bySeries.has(key)) bySeries.set(key, { arm: c.arm, setting: c.setting, conditions: [] });
    bySeries.get(key)!.conditions.push(i);
  }
  const x = (i: number) => axis.position(table.conditions[i]!.budget!);
  return [...bySeries.values()].map((s) => ({ ...s, conditions: s.conditions.sort((a, b) => x(a) - x(b)) }));
}

/**
 * The points of a curve in one scope with their paired draws: overall and group scopes take the
 * bootstrap's aggregates (every resample), a task its instance-resampled means (the first taskResamples
 * draws). Null when the scope has no scored point.
 */
export function measureCurve(
  table: ResultsTable,
  boot: Bootstrap,
  axis: BudgetAxis,
  conditions: number[],
  scope: CurveScope,
  options: CurveFitOptions = {},
): MeasuredCurve | null {
  const taskIndex = table.tasks.findIndex((t) => t.name === scope.scope);
  const group = REPORT_GROUPS.indexOf(scope.scope as (typeof REPORT_GROUPS)[number]);
  let kept = conditions;
  let scores: number[];
  let draws: ArrayLike<number>[];
  let method: string;
  if (taskIndex >= 0) {
    kept = conditions.filter((c) => boot.task(c, taskIndex) !== null);
    if (kept.length === 0) return null;
    const limit = options.taskResamples ?? DEFAULT_TASK_RESAMPLES;
    const lists = kept.map((c) => boot.taskDraws(c, taskIndex));
    const n = Math.min(limit, ...lists.map((l) => l.length));
    scores = kept.map((c) => boot.task(c, taskIndex)!.value);
    draws = lists.map((l) => l.slice(0, n));
    method = `refits on ${n} resamples of the task's test instances (and seeds, data replicates)`;
  } else {
    // Each point over its own tasks: a budget that misses a task must not drop it from the others.
    const aggs = conditions.map((c) => boot.aggregate([c], group >= 0 ? group : null));
    kept = conditions.filter((_, k) => aggs[k]!.nTasks > 0);
    if (kept.length === 0) return null;
    const used = aggs.filter((a) => a.nTasks > 0);
    scores = used.map((a) => a.points[0]!);
    draws = used.map((a) => a.replicates[0]!);
    method = `refits on the study's ${boot.resamples} bootstrap resamples (tasks × instances × seeds × data replicates)`;
  }
  return {
    scope,
    conditions: kept,
    budgets: kept.map((c) => axis.position(table.conditions[c]!.budget!)),
    scores,
    draws,
    method,
  };
}

/** Fit, refit on every paired draw, estimate one measurement's noise, and backtest. */
export function fitMeasured(
  m: MeasuredCurve,
  options: CurveFitOptions = {},
): { ok: true; curve: StudyCurve } | { ok: false; reason: string } {
  const fit = fitWithRefits(measuredInput(m), options);
  if (!fit.ok) return fit;
  return {
    ok: true,
    curve: {
      ...m,
      curve: fit.curve,
      resamples: fit.resamples,
      resampleIndex: fit.index,
      noise: measurementNoise(m),
      backtest: backtestMeasured(m, options),
    },
  };
}

/** A curve's points and how to draw their resampled scores: what fitWithRefits fits and refits. */
export interface RefitInput {
  budgets: readonly number[];
  scores: ArrayLike<number>;
  /** Per point, e.g. its inverse variance; absent: equal weights. */
  weights?: readonly number[];
  /** Refits to make, one per resample k = 0..resamples - 1. */
  resamples: number;
  /** Writes resample k's score of every point into `out` (NaN leaves the point out of that refit). */
  draw: (k: number, out: Float64Array, rng: Rng) => void;
}

export interface RefitOptions {
  family?: CurveFamily;
  maxScore?: number;
  seed?: number;
}

/**
 * The fit on the points and its warm-started refits on their resampled scores: the study's curves (draws
 * paired across points) and the budget search's crossings (its study's draws, or normal draws around each
 * point) alike. `index[j]` is the resample refit j used, for pairing a target's draw with it.
 */
export function fitWithRefits(
  input: RefitInput,
  options: RefitOptions = {},
): { ok: true; curve: Curve; resamples: Curve[]; index: number[] } | { ok: false; reason: string } {
  const family = options.family ?? "auto";
  const { budgets, weights } = input;
  const points = (scores: ArrayLike<number>): CurvePoint[] =>
    budgets.flatMap((budget, k) => {
      if (!Number.isFinite(scores[k])) return [];
      const score = scores[k]!;
      return [weights ? { budget, score, weight: weights[k]! } : { budget, score }];
    });
  const fit = fitCurve(points(input.scores), { family, maxScore: options.maxScore, seed: options.seed });
  if (!fit.ok) return fit;
  const curve = fit.curve;
  const rng = seededRng(options.seed ?? 1);
  const scores = new Float64Array(budgets.length);
  const resamples: Curve[] = [];
  const index: number[] = [];
  for (let k = 0; k < input.resamples; k++) {
    input.draw(k, scores, rng);
    // auto's share of the fitted gain beyond the largest budget is itself uncertain: drawn per refit.
    const gainShare = family === "auto" ? rng.next() : undefined;
    const r = fitCurve(points(scores), { family, maxScore: options.maxScore, warm: curve, gainShare });
    if (!r.ok) continue;
    resamples.push(r.curve);
    index.push(k);
  }
  return { ok: true, curve, resamples, index };
}

/** A measured curve's refit input: its points weighted by inverse variance, resample k its draws' k-th. */
function measuredInput(m: MeasuredCurve): RefitInput {
  return {
    budgets: m.budgets,
    scores: m.scores,
    weights: m.draws.map(inverseVariance),
    resamples: Math.min(...m.draws.map((d) => d.length)),
    draw: (k, out) => m.draws.forEach((d, p) => (out[p] = d[k]!)),
  };
}

/**
 * Backtest on the study's own draws: fit without the largest budget, predict it; the prediction interval
 * is the spread of the refits' predictions plus one measurement's noise, and the measured point either
 * lies in it or not.
 */
function backtestMeasured(
  m: MeasuredCurve,
  options: CurveFitOptions,
): { ok: true; value: Backtest } | { ok: false; reason: string } {
  const n = m.budgets.length;
  const level = options.level ?? DEFAULT_CURVE_LEVEL;
  const refits = Math.min(BACKTEST_REFITS, Math.ceil(Math.min(...m.draws.map((d) => d.length)) / 2));
  const held: MeasuredCurve = {
    ...m,
    conditions: m.conditions.slice(0, -1),
    budgets: m.budgets.slice(0, -1),
    scores: m.scores.slice(0, -1),
    draws: m.draws.slice(0, -1).map((d) => Array.prototype.slice.call(d, 0, refits) as number[]),
  };
  const fit = fitWithRefits(measuredInput(held), options);
  if (!fit.ok) return { ok: false, reason: `without the largest budget: ${fit.reason}` };
  const budget = m.budgets[n - 1]!;
  const band = scoreBand(fit.curve, fit.resamples, budget, level, measurementNoise(m));
  const measured = m.scores[n - 1]!;
  return {
    ok: true,
    value: {
      heldOutBudget: budget,
      predicted: scoreAt(fit.curve, budget),
      measured,
      error: scoreAt(fit.curve, budget) - measured,
      interval: band.pi,
      insideInterval: band.pi === null ? null : measured >= band.pi[0] && measured <= band.pi[1],
    },
  };
}

/** Each point's draws minus its value, pooled: how far one measurement falls from what it measures. */
function measurementNoise(m: MeasuredCurve): Float64Array {
  const out: number[] = [];
  m.draws.forEach((d, p) => {
    for (let k = 0; k < d.length; k++) if (Number.isFinite(d[k])) out.push(d[k]! - m.scores[p]!);
  });
  return Float64Array.from(out);
}

/** 1 / variance of a point's draws; a point without spread weighs like the most certain other point would. */
function inverseVariance(draws: ArrayLike<number>): number {
  let n = 0;
  let sum = 0;
  let sq = 0;
  for (let k = 0; k < draws.length; k++) {
    const v = draws[k]!;
    if (!Number.isFinite(v)) continue;
    n++;
    sum += v;
    sq += v * v;
  }
  const variance = n > 1 ? (sq - (sum * sum) / n) / (n - 1) : 0;
  // A point measured without spread (one instance, all draws equal) gets a large but finite weight.
  return 1 / Math.max(variance, 1e-6);
}

/** A condition's measurement in a curve's scope (a baseline's score as a target), with its draws. */
export function measureCondition(
  table: ResultsTable,
  boot: Bootstrap,
  condition: number,
  scope: string,
): { value: number; draws: ArrayLike<number> } | null {
  const taskIndex = table.tasks.findIndex((t) => t.name === scope);
  if (taskIndex >= 0) {
    const est = boot.task(condition, taskIndex);
    return est && { value: est.value, draws: boot.taskDraws(condition, taskIndex) };
  }
  const group = REPORT_GROUPS.indexOf(scope as (typeof REPORT_GROUPS)[number]);
  const agg = boot.aggregate([condition], group >= 0 ? group : null);
  return agg.nTasks === 0 ? null : { value: agg.points[0]!, draws: agg.replicates[0]! };
}

/** A target's draws in the order of a curve's refits (refit j used draw resampleIndex[j]). */
export function pairedTargets(curve: StudyCurve, draws: ArrayLike<number>): Float64Array {
  return Float64Array.from(curve.resampleIndex, (k) => draws[k] ?? NaN);
}
