export { runDemo, demoWorkers, type DemoOptions, type DemoResult } from "./run.js";
export { demoStudy, DEMO_SUPERNI, BASE_MODEL_DIR, QUICK_TASKS } from "./study.js";
export { ensureBaseModel, BASE_MODEL, type BaseModelResult } from "./base-model.js";
export { demoSummary } from "./summary.js";
