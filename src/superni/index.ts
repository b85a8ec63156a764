export type { Instance, PositiveExample, Task } from "./task.js";
export { validateTask } from "./task.js";
export { readTaskFile, MAX_TASK_FILE_BYTES, type LoadedTaskFile } from "./read.js";
export { isTaskName, loadCheckout, readTask, loadTask, taskFilePath, type Checkout } from "./checkout.js";
