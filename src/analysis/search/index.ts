/**
 * The adaptive budget search's decision rule (issue 17): pure functions, no I/O.
 *
 * - `startingDesign({minBudget, maxBudget})` -> round 0's budgets of a searched curve: min_budget and a
 *   decade above it (capped at max_budget); round 0 also runs the target's own runs.
 * - `decide({points, target, minBudget, maxBudget, tolerance, round, maxRounds, budgetsRun, options})` ->
 *   `{action: "stop", state, answer: {budget, ci}, reason}` with state `converged` (the crossing's 95 %
 *   interval within +-tolerance of its estimate), `max_rounds`, `unreachable` (max_budget measured and the
 *   interval starts beyond it) or `at_min_budget` (min_budget measured and the interval ends at or below
 *   it); or `{action: "run", round, budget, reason}`: the next budget, a whole number of examples in
 *   [minBudget, maxBudget] never in budgetsRun, and why (propose.ts has the rule). When no such budget is
 *   left near the crossing, it stops `converged`: the interval cannot narrow below one example.
 *   Points are budgets with their measured score and either the study's resampled scores or a standard
 *   error; the target is a score, a baseline's measured score with its resamples, or a share of it.
 * - `crossing(points, target, options)` -> the fitted curve (curves core, `auto`), the crossing budget and
 *   its percentile interval over warm-started refits on resamples of the points (study-curves.ts's
 *   fitWithRefits, which the study's own curves use too).
 *
 * Inputs a user can get wrong (a target that is not a finite number, a bad tolerance or range, a curve with
 * no measured point or a point without a finite score) are refused with a UserError naming the field
 * (validate.ts); a broken invariant of the search itself stays an Error.
 */
export {
  STOP_STATES,
  decide,
  gridSpend,
  type Decision,
  type SearchAnswer,
  type SearchInput,
  type StopState,
} from "./decide.js";
export {
  DEFAULT_LEVEL,
  DEFAULT_SEARCH_RESAMPLES,
  crossing,
  intervalOf,
  type Crossing,
  type CrossingOptions,
  type SearchPoint,
} from "./crossing.js";
export {
  proposeBeforeFit,
  proposeFromInterval,
  startingDesign,
  type Proposal,
  type Range,
} from "./propose.js";
export {
  describeTarget,
  targetDraws,
  type MeasuredScore,
  type SearchTarget,
  type TargetDraws,
} from "./target.js";
