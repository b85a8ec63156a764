export {
  StudyStore,
  openStudy,
  planFile,
  SEARCH_STATES,
  type SearchRecord,
  type RunState,
  type RunStatus,
  type RunFile,
  type StatusSummary,
} from "./store/index.js";
export type { Executor, ExecutionJob, ExecutionRun, ExecutionSummary, ExecutorEvents } from "./executor.js";
export { executeRun, scoreRun, type EngineEvent, type EngineWorkerLike, type RunOutcome } from "./execute.js";
export { LocalExecutor, type LocalMtl } from "./local.js";
export { workerSlots, type WorkerSlot, type StartEngine, type DeviceOptions } from "./slots.js";
export { DagScheduler, type SchedRun } from "./scheduler.js";
export { runWorker, selectRuns, parseShard, type WorkerOptions, type WorkerSummary } from "./worker.js";
export { runStudy, type RunStudyOptions, type RunStudyResult, type StudyRounds } from "./run-study.js";
export { prepareStudy, executionRuns, type Design, type Prepared } from "./prepare.js";
export {
  preflight,
  PreflightError,
  isPreflightError,
  formatBytes,
  type Finding,
  type PreflightOptions,
} from "./preflight.js";
export { writeResults, collectResults, METRICS, type ResultRow, type Results } from "./results.js";
export { FileLock, isHeld, describeHolder, type LockOwner } from "./lock.js";
export { ProgressView } from "./progress.js";
export { startEngineWorker, startDistributedEngine } from "./engine.js";
export {
  isMtlSetting,
  mtlOptionsFrom,
  mtlLaunch,
  type MtlOptions,
  type Parallel,
  type StartDistributed,
} from "./mtl.js";
export { GpuPool } from "./gpu-pool.js";
export { detectGpus } from "./gpus.js";
