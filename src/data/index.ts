export { downstreamSplit, SPLITS, TEST_SIZE, VALIDATION_SIZE, SMALL_TASK_THRESHOLD } from "./split.js";
export type { DownstreamSplit, SplitName } from "./split.js";
export { budgetSize, parseBudget, parseBudgetList, DEFAULT_BUDGETS } from "./budget.js";
export {
  encode,
  encoder,
  ENCODINGS,
  DEFAULT_ENCODING,
  DEFAULT_POSITIVE_EXAMPLES,
  isEncoding,
  parseEncoding,
  parseEncodingList,
  countWords,
  pyStrip,
  type EncodingName,
  type EncodeOptions,
} from "./encodings.js";
export { reportGroup, REPORT_GROUPS, type ReportGroup } from "./groups.js";
export { drawTarget, mulberry32, seedFromKey } from "./prng.js";
export { datasetPath, prefinetunePath, manifestPath, PREFINETUNE_DIR, MANIFEST_FILE } from "./layout.js";
export {
  buildData,
  readManifest,
  writeManifest,
  MANIFEST_FORMAT,
  MAX_REPLICATES,
  type BuildOptions,
  type PrefinetuneOptions,
  type DataManifest,
  type DataRecord,
  type ManifestTask,
} from "./build.js";
export { dataStats, PREFINETUNE_K, type DataStats, type StatsResult } from "./stats.js";
export type { Instance, Task } from "../superni/index.js";
export { loadThesisDataset, type ThesisDataset } from "./thesis.js";
