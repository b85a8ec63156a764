export { loadStudy, truncationOf } from "./load.js";
export {
  buildResultsTable,
  conditionKey,
  type Condition,
  type ResultsTable,
  type TaskInfo,
} from "./table.js";
export {
  Bootstrap,
  DEFAULT_BOOTSTRAP,
  difference,
  interval,
  type Aggregate,
  type BootstrapOptions,
} from "./bootstrap.js";
export { matchingBudget, type CurvePoint as MeasuredPoint, type Match } from "./interpolate.js";
export { effectPairs, matchingPairs, EFFECT_TITLES, type ConditionMeta, type EffectKind } from "./design.js";
export { budgetAxis, budgetText, settingText, type BudgetAxis } from "./budget.js";
export { loadThesisResults, PublishedFigures, THESIS_RESULTS_PATH, type ThesisResults } from "./published.js";
export { REPORT_GROUPS, reportGroup, type ReportGroup } from "./groups.js";
export { seededRng, type Rng } from "./random.js";
export { percentileInterval, quantileSorted, mean } from "./stats.js";
export { analyzeStudy, type AnalysisOptions } from "./analyze.js";
export { searchCurveView, searchRows, type SearchCurveView, type SearchRow } from "./search-rows.js";
export { plannedSearch, searchRounds } from "./search/rounds.js";
export { publishedClaims } from "./published-claims.js";
export { aggregationText, metricLabel, metricTitle } from "./metric.js";
export {
  AGGREGATION,
  type Analysis,
  type ConditionRef,
  type CurvePoint,
  type EffectRow,
  type GroupRow,
  type Interval,
  type MatchingRow,
  type OverallRow,
  type PublishedClaims,
  type TaskCell,
  type TaskRow,
} from "./rows.js";
export type {
  StudyResults,
  StudyArm,
  StudyRun,
  RunResult,
  InstanceScore,
  Truncation,
  ArmRole,
  RunStatus,
} from "./types.js";
export * as curves from "./curves/index.js";
export {
  fitStudyCurves,
  curveSeries,
  measureCurve,
  measureCondition,
  fitMeasured,
  pairedTargets,
  DEFAULT_CURVE_LEVEL,
  DEFAULT_TASK_RESAMPLES,
  type CurveFitOptions,
  type StudyCurve,
  type UnfittedCurve,
} from "./study-curves.js";
export {
  baselineQuery,
  SUPERVISED_SHARE,
  type CurveSection,
  type CurveQueryRow,
  type CurveBandRow,
  type WorthRow,
} from "./curve-rows.js";
export {
  studyCurveDocument,
  parseConditionName,
  type StudyCurveRequest,
  type StudyCurveDocument,
  type ConditionName,
} from "./curve-document.js";
