export {
  StudySpec,
  parseStudyYaml,
  loadStudyFile,
  validateStudy,
  resolveModel,
  SETTINGS,
  ROLES,
  type LoadedStudy,
  type Setting,
  type Role,
  type ArmSpec,
} from "./spec.js";
export {
  presetText,
  loadPreset,
  PRESETS,
  demoPresetText,
  DEMO_KNOBS,
  DEMO_KNOB_FIELDS,
  type DemoKnobs,
} from "./presets.js";
export { planStudy, type Plan, type PlannedRun, type PlannedArm, type PlanTotals } from "./plan.js";
export { studyContext, shippedTestTasks, superniDir, type StudyContext } from "./context.js";
export { absentModelDir, modelIdentities, unpinnedHubModel } from "./model-identity.js";
export { planSummary, DEFAULT_SAMPLES_PER_S } from "./summary.js";
export { readMeasuredThroughput, DEFAULT_BENCH_FILE, type MeasuredThroughput } from "./throughput.js";
