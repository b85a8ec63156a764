/**
 * The decision core's inputs checked where a user can get them wrong: a study's search block, a target
 * score, the measured points a caller passes. Each mistake is a UserError naming the field and the fix;
 * what only a bug in quicklearn can break (the round counter) stays an Error.
 */
import { UserError } from "../../util/errors.js";
import type { SearchTarget } from "./target.js";

// Structural shapes of crossing.ts's SearchPoint and CrossingOptions: crossing.ts imports this file.
interface Point {
  budget: number;
  score: number;
  se?: number;
}
interface Options {
  level?: number;
  resamples?: number;
  maxScore?: number;
}

const finite = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);

export function checkTarget(target: SearchTarget): void {
  if (target.kind === "score") {
    if (!finite(target.score))
      throw new UserError(
        `search.target: score ${String(target.score)} is not a finite number`,
        "give the score to reach on the headline metric x 100, e.g. target: {score: 70}",
      );
    return;
  }
  if (!finite(target.baseline.score))
    throw new UserError(
      `search.target: the baseline's score is ${String(target.baseline.score)}, not a finite number`,
      "the target's runs must finish and be scored first; see quicklearn status",
    );
  if (target.kind === "share" && !(finite(target.share) && target.share > 0))
    throw new UserError(
      `search.target.share: ${String(target.share)} is not a share above 0`,
      "e.g. share: 0.95 (95 % of the baseline's score)",
    );
}

export function checkPoints(points: readonly Point[]): void {
  for (const p of points) {
    const where = `the searched curve's point at budget ${String(p.budget)}`;
    if (!(finite(p.budget) && p.budget > 0))
      throw new UserError(`${where}: a budget is a count of examples above 0`, POINT_HINT);
    if (!finite(p.score))
      throw new UserError(`${where}: score ${String(p.score)} is not a finite number`, POINT_HINT);
    if (p.se !== undefined && !(finite(p.se) && p.se >= 0))
      throw new UserError(
        `${where}: standard error ${String(p.se)} is not a number at or above 0`,
        POINT_HINT,
      );
  }
}

const POINT_HINT = "each measured point needs a budget above 0 and a finite score (its runs scored)";

export function checkCrossingOptions(options: Options): void {
  const { level, resamples, maxScore } = options;
  if (level !== undefined && !(finite(level) && level > 0 && level < 1))
    throw new UserError(`interval level ${String(level)} is not in (0, 1)`, "e.g. 0.95 for a 95 % interval");
  if (resamples !== undefined && !(Number.isInteger(resamples) && resamples > 0))
    throw new UserError(`resamples: ${String(resamples)} is not a whole number above 0`, "e.g. 400");
  if (maxScore !== undefined && !(finite(maxScore) && maxScore > 0))
    throw new UserError(
      `maximum score ${String(maxScore)} is not a number above 0`,
      "e.g. 100 for a percentage",
    );
}

/** What decide() adds to crossing()'s inputs: the search block's range, tolerance and rounds. */
export interface SearchSettings {
  minBudget: number;
  maxBudget: number;
  tolerance: number;
  round: number;
  maxRounds: number;
  points: readonly Point[];
}

export function checkSettings(s: SearchSettings): void {
  if (!(finite(s.tolerance) && s.tolerance > 0 && s.tolerance < 1))
    throw new UserError(
      `search.tolerance: ${String(s.tolerance)} is not in (0, 1)`,
      "e.g. 0.25: stop when the budget's 95 % interval is within +-25 % of its estimate",
    );
  if (!(finite(s.minBudget) && s.minBudget > 0))
    throw new UserError(
      `search.min_budget: ${String(s.minBudget)} is not a count of examples above 0`,
      "e.g. 10",
    );
  if (!(finite(s.maxBudget) && s.maxBudget >= s.minBudget))
    throw new UserError(
      `search.max_budget: ${String(s.maxBudget)} is not a count of examples at or above min_budget ${s.minBudget}`,
      "e.g. max_budget: all (the train split)",
    );
  if (!(Number.isInteger(s.maxRounds) && s.maxRounds >= 1))
    throw new UserError(`search.max_rounds: ${String(s.maxRounds)} is not a whole number above 0`, "e.g. 6");
  if (s.points.length === 0)
    throw new UserError(
      "the searched curve has no measured budget to decide from",
      "its round-0 runs must finish and be scored first; see quicklearn status",
    );
  // The round is counted by the search loop, not given by a user.
  if (!(Number.isInteger(s.round) && s.round >= 0))
    throw new Error(`search round ${String(s.round)} is not a round`);
}
