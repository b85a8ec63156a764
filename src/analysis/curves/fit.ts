/** Bounded (weighted) least-squares fit of one family to a curve, from several deterministic starts. */
import { seededRng } from "../random.js";
import { FAMILIES, type Family, type FamilyName, type Params } from "./families.js";
import { solveBounded, Workspace, type LeastSquaresProblem } from "./lm.js";
import type { BudgetSummary } from "./points.js";

export interface FamilyFit {
  family: FamilyName;
  /** The budget the scaled axis divides by (the largest budget of the fit). */
  scale: number;
  /** Parameters on the scaled axis (see families.ts); `familyParams` gives the formula's. */
  p: Float64Array;
  /** The minimised objective: sum over rows of weight * (score - curve)^2 (plain SSE without weights). */
  sse: number;
  /** sqrt(sse / total weight): the root mean squared error in score units when rows are unweighted. */
  rmse: number;
  maxScore: number;
}

export interface FitOptions {
  /** The metric's maximum: the asymptote may not exceed it. Default 100. */
  maxScore?: number;
  /** Random starts (seeded perturbations of the data-driven ones) added to those. Default 4. */
  randomStarts?: number;
  seed?: number;
  /**
   * A previous fit of the same family (e.g. on the full data, for a bootstrap resample): the fit starts
   * from it and from the best data-driven start only, which is what makes 2,000 refits cheap.
   */
  warm?: FamilyFit;
}

export const DEFAULT_MAX_SCORE = 100;
/**
 * Refits from a previous solution: a resample's optimum lies near it, so a few hundred iterations and
 * 8-10 digits suffice (a band needs far fewer); this also bounds the cost of refits whose optimum sits at
 * infinity (pow4 tending to exp3, mmf4 to pow3).
 */
const WARM = { maxIterations: 200, ftol: 1e-10, gtol: 1e-10, xtol: 1e-8 };

/** The problem the solver sees: residuals sqrt(W_b) * (curve(u_b) - mean_b) per distinct budget. */
function problemFor(family: Family, s: BudgetSummary, scale: number, maxScore: number): LeastSquaresProblem {
  const n = s.budgets.length;
  const m = family.names.length;
  const u = s.budgets.map((b) => b / scale);
  const sw = s.weights.map(Math.sqrt);
  const y = s.means;
  const grad = new Float64Array(m);
  return {
    n,
    m,
    lower: family.lower(maxScore),
    upper: family.upper(maxScore),
    project: family.project,
    evaluate(p, r, J) {
      let cost = 0;
      for (let k = 0; k < n; k++) {
        const f = J ? family.valueAndGradient(p, u[k]!, grad) : family.value(p, u[k]!);
        const rk = sw[k]! * (f - y[k]!);
        r[k] = rk;
        cost += rk * rk;
        if (J) for (let i = 0; i < m; i++) J[k * m + i] = sw[k]! * grad[i]!;
      }
      return Number.isFinite(cost) ? 0.5 * cost : Infinity;
    },
  };
}

export function dataShape(s: BudgetSummary, scale: number) {
  const n = s.budgets.length;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of s.means) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return {
    uFirst: s.budgets[0]! / scale,
    yFirst: s.means[0]!,
    yLast: s.means[n - 1]!,
    range: Math.max(hi - lo, 1e-6 * Math.max(1, Math.abs(hi))),
  };
}

/** Fits one family; the summary must hold at least 2 distinct budgets (callers check for 3). */
export function fitFamily(name: FamilyName, s: BudgetSummary, options: FitOptions = {}): FamilyFit {
  const family = FAMILIES[name];
  const maxScore = options.maxScore ?? DEFAULT_MAX_SCORE;
  const scale = s.budgets[s.budgets.length - 1]!;
  const problem = problemFor(family, s, scale, maxScore);
  const ws = new Workspace(problem.n, problem.m);
  const heuristic = family.starts(dataShape(s, scale), maxScore);
  const starts: number[][] = [];
  if (options.warm) {
    const w = options.warm;
    const from = w.scale === scale ? w.p : family.fromOriginal(family.toOriginal(w.p, w.scale), scale);
    const warm = solveBounded(problem, from, WARM, ws);
    // The best data-driven start is solved from too only when it already beats the warm solution: a
    // resample close to the data it was fitted on rarely needs it, and skipping it halves a refit's cost.
    const fallback = bestStart(problem, heuristic, ws);
    if (problem.evaluate(Float64Array.from(fallback), ws.r, null) >= warm.cost)
      return result(name, warm, s, maxScore, scale);
    starts.push(Array.from(warm.p), fallback);
  } else {
    starts.push(...heuristic);
    const rng = seededRng(options.seed ?? 1);
    const base = bestStart(problem, heuristic, ws);
    for (let k = 0; k < (options.randomStarts ?? 4); k++)
      // Log-normal jitter keeps signs (bounds) and spreads scales by a factor of about 3.
      starts.push(base.map((v) => v * Math.exp(normal(rng) * 1.2)));
  }
  let best: { p: Float64Array; cost: number } = { p: Float64Array.from(starts[0]!), cost: Infinity };
  for (const start of starts) {
    const sol = solveBounded(problem, start, options.warm ? WARM : {}, ws);
    if (sol.cost < best.cost) best = sol;
  }
  return result(name, best, s, maxScore, scale);
}

function result(
  name: FamilyName,
  best: { p: Float64Array; cost: number },
  s: BudgetSummary,
  maxScore: number,
  scale: number,
): FamilyFit {
  const totalWeight = s.weights.reduce((a, b) => a + b, 0);
  const sse = 2 * best.cost + s.withinSse;
  return { family: name, scale, p: best.p, sse, rmse: Math.sqrt(sse / totalWeight), maxScore };
}

function bestStart(problem: LeastSquaresProblem, starts: number[][], ws: Workspace): number[] {
  let best = starts[0]!;
  let bestCost = Infinity;
  for (const st of starts) {
    const c = problem.evaluate(Float64Array.from(st), ws.r, null);
    if (c < bestCost) [best, bestCost] = [st, c];
  }
  return best;
}

function normal(rng: { next(): number }): number {
  // Box-Muller; 1 - next() is in (0, 1] so the log is finite.
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/** The fitted curve at a raw budget. */
export function familyScore(fit: FamilyFit, budget: number): number {
  return FAMILIES[fit.family].value(fit.p, budget / fit.scale);
}

/** The parameters of the family's formula on the raw budget axis. */
export function familyParams(fit: FamilyFit): Params {
  return FAMILIES[fit.family].toOriginal(fit.p, fit.scale);
}

export function familyAsymptote(fit: FamilyFit): number {
  return FAMILIES[fit.family].asymptote(fit.p);
}
