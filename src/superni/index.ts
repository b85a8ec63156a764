export type { Instance, PositiveExample, Task } from "./task.js";
export { validateTask } from "./task.js";
export { readTaskFile, MAX_TASK_FILE_BYTES, type LoadedTaskFile } from "./read.js";
export { isTaskName, loadCheckout, readTask, loadTask, taskFilePath, type Checkout } from "./checkout.js";
export {
  importTask,
  IMPORT_FORMATS,
  DEFAULT_CATEGORY,
  DEFAULT_IMPORT_SEED,
  EXPLANATION_COLUMN,
  type ImportFormat,
  type ImportOptions,
  type ImportResult,
} from "./import/index.js";
export { summarizeTask, type Spread, type TaskSummary } from "./summary.js";
