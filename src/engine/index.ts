export { EngineWorker, formatSpecIssues, type EngineWorkerOptions, type RunOptions } from "./worker.js";
export { EngineError, isEngineError, USER_ERROR_CODES, type EngineErrorCode } from "./errors.js";
export type { EngineEvent, ProgressEvent, RunOutputs, RunResult } from "./events.js";
export { makeTinyModel, TINY_ARCHS, type TinyArch, type TinyModelInfo, type TinyModelOptions } from "./tiny.js";
export { RunSpec, TrainSpec, EvalSpec, LoraSpec, type RunSpecInput } from "./spec.js";
export { runDistributed, torchrunArgs, type DistributedRunOptions } from "./launch.js";
export { checkEngineInputs, type EngineCheckOptions, type EngineFinding, type Finding } from "./check.js";
