/**
 * Learning-curve fits (issue 21): pure functions, no I/O.
 *
 * Fitting
 * - `fitCurve(points, {family, maxScore, seed, warm, gainShare})` -> `{ok: true, curve}` or, for fewer than
 *   3 distinct budgets or a bad row, `{ok: false, reason}`. `family` is one of FAMILY_NAMES or "auto"
 *   (default; the rule in curve.ts, chosen by bench/curves.ts). Weights are relative (inverse variances
 *   when known); without them the fit minimises the plain SSE over rows. `warm: previousCurve` refits
 *   cheaply from an earlier solution: use it on bootstrap resamples, and draw `gainShare` uniformly from
 *   [0, 1] per resample for auto so the bands carry auto's flat-versus-fitted uncertainty.
 * - `Curve`: family, base fit, sse, rmse, nPoints, lastBudget...; `scoreAt(curve, budget)` -> score;
 *   `curveAsymptote(curve)` -> the score the curve tends to (Infinity for log2); `curveParams(curve)` ->
 *   {a, b, c[, d]} of the (base) family's formula on the raw budget; `familyFormula(family)` -> text.
 *
 * Queries (point values; wrap them over resampled curves for intervals)
 * - `budgetFor(curve, target)` -> {budget (null: never reached; 0: reached before any example),
 *   extrapolated (outside the measured budgets)}.
 * - `worthInExamples(baseline, treated, score)` -> {worth = baseline's budget - treated's, both budgets,
 *   extrapolated} or null when either curve never reaches the score.
 *
 * Intervals
 * - `residualBootstrap(points, {resamples, seed, ...fit options})` -> {curve, resamples: Curve[], noise
 *   (draws of one measurement's noise), dof} for a curve given by points only.
 * - `scoreBand(curve, resamples, budget, level, noise?)` -> {score, ci, pi (null without noise draws),
 *   extrapolated}.
 * - `budgetBand(curve, resamples, target, level)` -> {budget, ci (an end is Infinity when resamples never
 *   reach the target), extrapolated, reachableShare}.
 * - `parameterBands(resamples, level)` -> {a: [lo, hi], ..., asymptote: [lo, hi]}.
 * - `worthBand(baseline, treated, baselineResamples, treatedResamples, score, level)` -> {worth, ci over
 *   the paired resamples where both reach the score, extrapolated, reachableShare};
 *   `sharedScoreRange(a, b, horizon)` -> [lo, hi] of scores both curves reach by `horizon` (or null).
 * - `backtest(points, level, options)` -> {heldOutBudget, predicted, measured, error, interval (the
 *   residual-bootstrap prediction interval), insideInterval} or {ok: false, reason}.
 */
export { FAMILIES, FAMILY_NAMES, isFamilyName, type FamilyName, type Params } from "./families.js";
export { DEFAULT_MAX_SCORE, type FamilyFit } from "./fit.js";
export { summarize, upTo, type BudgetSummary, type CurvePoint } from "./points.js";
export {
  AUTO_BASE_FAMILY,
  AUTO_GAIN_SHARE,
  MIN_DISTINCT_BUDGETS,
  curveAsymptote,
  curveParams,
  familyFormula,
  fitCurve,
  scoreAt,
  type Curve,
  type CurveFamily,
  type CurveOptions,
  type CurveResult,
} from "./curve.js";
export { budgetFor, worthInExamples, type BudgetAnswer, type WorthAnswer } from "./query.js";
export {
  DEFAULT_RESAMPLES,
  budgetBand,
  parameterBands,
  residualBootstrap,
  scoreBand,
  sharedScoreRange,
  worthBand,
  type BootstrapOptions,
  type BudgetBand,
  type Interval,
  type Resampled,
  type ScoreBand,
  type WorthBand,
} from "./intervals.js";
export { backtest, type Backtest } from "./backtest.js";

export const CURVE_FAMILIES = ["auto", "pow3", "pow4", "mmf4", "exp3", "log2", "rectified"] as const;

/**
 * Rows of `quicklearn curve --json` (snake_case, non-finite numbers as null): `fitRow`, `targetRow`,
 * `atRow` from a curve and its resampled curves (a study's bootstrap or the residual bootstrap);
 * `curveFromPoints(points, request)` -> {document: {fits, queries}, dof} for a curve given by points.
 */
export {
  atRow,
  finite,
  fitRow,
  targetRow,
  type AtQueryRow,
  type CurveScope,
  type FitRow,
  type TargetQueryRow,
} from "./rows.js";
export { POINTS_SCOPE, curveFromPoints, type CurveDocument, type PointsRequest } from "./from-points.js";
