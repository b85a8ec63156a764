import type { Instance, Task } from "../superni/index.js";

export const TEST_SIZE = 100;
export const VALIDATION_SIZE = 10;
/** Below this many instances a task is "small": its one list serves as train, validation and test. */
export const SMALL_TASK_THRESHOLD = TEST_SIZE + VALIDATION_SIZE + 10;

export type SplitName = "train" | "validation" | "test";
export const SPLITS: readonly SplitName[] = ["test", "validation", "train"];

export interface DownstreamSplit {
  test: Instance[];
  validation: Instance[];
  train: Instance[];
  /** Fewer than 120 instances: train, validation and test are all the same instances (the thesis's rule). */
  small: boolean;
}

/**
 * The thesis's downstream split (its data_prep.py): instances in file order, test = first 100,
 * validation = next 10, train = the rest; a task with fewer than 120 instances uses all of them for each.
 */
export function downstreamSplit(task: Task): DownstreamSplit {
  const all = task.instances;
  if (all.length < SMALL_TASK_THRESHOLD) return { test: all, validation: all, train: all, small: true };
  return {
    test: all.slice(0, TEST_SIZE),
    validation: all.slice(TEST_SIZE, TEST_SIZE + VALIDATION_SIZE),
    train: all.slice(TEST_SIZE + VALIDATION_SIZE),
    small: false,
  };
}
