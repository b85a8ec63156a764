/**
 * One decision of the adaptive budget search (issue 17): after a round's results are in, stop with an
 * answer or name the next budget to run. Pure and deterministic: the same points, target and options
 * (seed included) give the same decision, so a search killed mid-round resumes with the same choices.
 */
import { gridBudgets } from "../../study/search.js";
import { MIN_DISTINCT_BUDGETS } from "../curves/index.js";
import {
  DEFAULT_LEVEL,
  crossing,
  type Crossing,
  type CrossingOptions,
  type SearchPoint,
} from "./crossing.js";
import { fmt, proposeBeforeFit, proposeFromInterval, type Range } from "./propose.js";
import { targetDraws, type SearchTarget } from "./target.js";
import { checkPoints, checkSettings, checkTarget } from "./validate.js";

export const STOP_STATES = ["converged", "max_rounds", "unreachable", "at_min_budget"] as const;
export type StopState = (typeof STOP_STATES)[number];

export interface SearchInput extends Range {
  /** The searched curve's measured budgets so far. */
  points: readonly SearchPoint[];
  target: SearchTarget;
  /** Stop when the crossing's interval lies within +-tolerance of its estimate (0.25: +-25 %). */
  tolerance: number;
  /** The round whose results are in (0: the starting design). */
  round: number;
  /** Rounds allowed, round 0 included. */
  maxRounds: number;
  /** Every budget of this curve already run or running (a failed run too): never proposed again. */
  budgetsRun: readonly number[];
  options?: CrossingOptions;
}

export interface SearchAnswer {
  /** The fitted crossing (0: before any example; null: the fitted curve never reaches the target). */
  budget: number | null;
  /** Its interval (an end is Infinity where resamples never reach the target). */
  ci: [number, number];
}

export type Decision =
  | { action: "stop"; state: StopState; answer: SearchAnswer; reason: string; crossing: Crossing | null }
  | { action: "run"; round: number; budget: number; reason: string; crossing: Crossing | null };

export function decide(input: SearchInput): Decision {
  checkSettings(input);
  checkPoints(input.points);
  checkTarget(input.target);
  const points = [...input.points].sort((a, b) => a.budget - b.budget);
  const run = [...new Set([...input.budgetsRun, ...points.map((p) => p.budget)])];
  const measured = new Set(points.map((p) => p.budget));
  // A point beyond max_budget is max_budget measured: `all` sits at the tasks' mean train size, which
  // max_budget rounds down to a whole number of examples.
  const atMax = points.some((p) => p.budget >= input.maxBudget);
  const atMin = points.some((p) => p.budget <= input.minBudget);
  const lastRound = input.round + 1 >= input.maxRounds;
  const draws = targetDraws(input.target);
  const t = draws.score;
  const target = `the target ${t.toFixed(1)}`;
  const level = input.options?.level ?? DEFAULT_LEVEL;
  const pct = Math.round(100 * level);
  // The measured ends settle it without a fit: a curve that rises with its budget is above the target
  // everywhere beyond a budget clearly above it, and below it everywhere short of one clearly below it.
  const minPoint = atMin ? points.find((p) => p.budget <= input.minBudget) : undefined;
  const maxPoint = atMax ? points.findLast((p) => p.budget >= input.maxBudget) : undefined;
  const clearAtMin = minPoint !== undefined && clearly(minPoint, draws.draws, level) === "above";
  const clearAtMax = maxPoint !== undefined && clearly(maxPoint, draws.draws, level) === "below";
  const atMinWhy = `the score at min_budget ${input.minBudget} is above ${target} in ${pct} % of resamples or more`;
  const atMaxWhy = `the score at max_budget ${input.maxBudget} is below ${target} in ${pct} % of resamples or more`;

  if (measured.size < MIN_DISTINCT_BUDGETS && clearAtMin)
    return stop("at_min_budget", { budget: input.minBudget, ci: [0, input.minBudget] }, atMinWhy, null);
  if (measured.size < MIN_DISTINCT_BUDGETS && clearAtMax)
    return stop("unreachable", { budget: null, ci: [input.maxBudget, Infinity] }, atMaxWhy, null);
  if (measured.size < MIN_DISTINCT_BUDGETS) {
    const why = `${measured.size} measured budget(s) cannot be fitted`;
    if (lastRound)
      return stop("max_rounds", { budget: null, ci: [0, Infinity] }, `${why} and no round is left`, null);
    const p = proposeBeforeFit(points, t, run, input);
    if (p === null)
      return stop(
        "max_rounds",
        { budget: null, ci: [0, Infinity] },
        `${why}, and every budget in [${input.minBudget}, ${input.maxBudget}] has been run`,
        null,
      );
    if (overspends(input, run, p.budget))
      return stop("max_rounds", { budget: null, ci: [0, Infinity] }, costly(input, p.budget, why), null);
    return next(input, run, p.budget, `${why} yet: running ${p.budget}, ${p.why}`, null);
  }

  const fit = crossing(points, input.target, { seed: 1, ...input.options });
  if (!fit.ok) throw new Error(`the searched curve cannot be fitted: ${fit.reason}`);
  const c = fit.value;
  const answer: SearchAnswer = { budget: c.budget, ci: c.ci };
  const interval = `the crossing's ${pct} % interval [${fmt(c.ci[0])}, ${fmt(c.ci[1])}]`;
  const tol = `+-${+(input.tolerance * 100).toFixed(2)} %`;

  if (atMin && c.ci[1] <= input.minBudget)
    return stop("at_min_budget", answer, `${interval} ends at or below min_budget ${input.minBudget}`, c);
  if (atMax && c.ci[0] > input.maxBudget)
    return stop(
      "unreachable",
      answer,
      `${interval} starts beyond max_budget ${input.maxBudget}: ${target} is not reached within it`,
      c,
    );
  // The fit disagrees with what the end measured: the measurement wins, and the interval is cut to it.
  if (clearAtMin) {
    const b = Math.min(c.budget ?? input.minBudget, input.minBudget);
    return stop("at_min_budget", { budget: b, ci: [Math.min(c.ci[0], b), input.minBudget] }, atMinWhy, c);
  }
  if (clearAtMax) {
    const b = c.budget !== null && c.budget > input.maxBudget ? c.budget : null;
    return stop(
      "unreachable",
      { budget: b, ci: [input.maxBudget, Math.max(c.ci[1], input.maxBudget)] },
      atMaxWhy,
      c,
    );
  }
  if (within(c, input.tolerance)) return stop("converged", answer, `${interval} is within ${tol}`, c);
  if (lastRound)
    return stop("max_rounds", answer, `${interval} is wider than ${tol} after ${input.maxRounds} rounds`, c);
  const p = proposeFromInterval(c.ci, c.draws, run, input);
  if (p === null) return stop("converged", answer, `${interval}: ${noneLeft(c.ci, input)}`, c);
  if (overspends(input, run, p.budget))
    return stop("max_rounds", answer, costly(input, p.budget, `${interval} is wider than ${tol}`), c);
  return next(input, run, p.budget, `${interval} is wider than ${tol}: running ${p.budget}, ${p.why}`, c);
}

/**
 * Whether a measured score is clearly above or below the target: on the same side in a share of the paired
 * resamples (draw k of the point against draw k of the target) of at least (1 + level) / 2, one-sided.
 * Without resamples nothing is clear.
 */
function clearly(point: SearchPoint, target: Float64Array, level: number): "above" | "below" | null {
  const r = point.resamples;
  if (!r || r.length === 0) return null;
  let above = 0;
  for (let k = 0; k < r.length; k++) if (r[k]! >= target[k % target.length]!) above++;
  const needed = ((1 + level) / 2) * r.length;
  return above >= needed ? "above" : r.length - above >= needed ? "below" : null;
}

/**
 * A search exists to cost less than the dense grid: it never adds a run that would take the curve's budgets
 * (examples per task, summed; a point beyond max_budget counts as max_budget) past the grid's over the same
 * range. Where the grid would be cheaper, the answer so far stands, as when the rounds run out.
 */
function overspends(input: SearchInput, run: readonly number[], budget: number): boolean {
  const spent = run.reduce((sum, b) => sum + Math.min(b, input.maxBudget), 0);
  return spent + budget > gridSpend(input);
}

/** The dense grid's budgets summed over a range: 10, 20, 50, 100, 200, 500, 1000 below max_budget, and it. */
export function gridSpend(range: Range): number {
  return gridBudgets(range.maxBudget).reduce((a, b) => a + b, 0);
}

function costly(input: SearchInput, budget: number, why: string): string {
  return `${why}, and running ${budget} would take the curve past the dense grid's ${gridSpend(input)} examples per task: no round left within it`;
}

/** Why no budget is left to run inside the interval (clipped to the budget range). */
function noneLeft(ci: [number, number], range: Range): string {
  const first = Math.ceil(Math.min(Math.max(ci[0], range.minBudget), range.maxBudget));
  const last = Math.floor(Math.max(Math.min(ci[1], range.maxBudget), range.minBudget));
  const which =
    first > last
      ? "no whole number of examples lies inside it"
      : first === last
        ? `its one whole budget, ${first}, has been run`
        : `every whole budget in it, ${first} to ${last}, has been run`;
  return `${which}: it cannot narrow below one example`;
}

function within(c: Crossing, tolerance: number): boolean {
  const b = c.budget;
  return b !== null && b > 0 && c.ci[0] >= b * (1 - tolerance) && c.ci[1] <= b * (1 + tolerance);
}

function stop(state: StopState, answer: SearchAnswer, reason: string, c: Crossing | null): Decision {
  return { action: "stop", state, answer, reason: `${state}: ${reason}`, crossing: c };
}

function next(
  input: SearchInput,
  run: readonly number[],
  budget: number,
  reason: string,
  c: Crossing | null,
): Decision {
  // propose.ts only names free whole budgets in range; a proposal that is not one is a bug, not a choice.
  if (
    !Number.isInteger(budget) ||
    budget < input.minBudget ||
    budget > input.maxBudget ||
    run.includes(budget)
  )
    throw new Error(
      `search proposed ${budget}: not a free whole budget in [${input.minBudget}, ${input.maxBudget}]`,
    );
  return { action: "run", round: input.round + 1, budget, reason, crossing: c };
}
