/**
 * SuperNI-exact scoring: ROUGE-L, ROUGE-1 and exact match, as SuperNI's compute_metrics.py (variant
 * `superni`) or the thesis authors' evaluation (variant `thesis`) computes them. docs/scoring.md.
 */
export { scoreInstance, InstanceScorer, VARIANTS, type InstanceScores, type Variant } from "./instance.js";
export {
  scoreRows,
  UNKNOWN_CATEGORY,
  type Figures,
  type PredictionRow,
  type ScoreOptions,
  type ScoreReport,
} from "./report.js";
export { PREDICTIONS_ENCODINGS, readPredictionRows, type PredictionsEncoding } from "./rows.js";
export { loadTaskCategories } from "./categories.js";
export { rougeTokens, TokenCoder } from "./tokenize.js";
export { porterStem } from "./porter.js";
export { normalizeSquad, normalizeSuperNI } from "./exact-match.js";
