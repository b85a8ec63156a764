import type { EngineEvent, RunOutcome } from "./execute.js";
import type { StudyStore } from "./store/index.js";

/**
 * How runs get executed. Like submitit, a job is files on disk: runs/<id>/run.json + spec.json say
 * everything a run needs, state.json says where it stands, and `executeRun` (src/runner/execute.ts) is
 * the one way a run is carried out, whoever carries it out. An executor only decides where and when:
 * the local one drives a pool of engine workers with the DAG scheduler; a SLURM one submits job arrays
 * whose tasks call `runWorker` (src/runner/worker.ts) on their share of run ids.
 */
export interface Executor {
  readonly name: string;
  /** Execute the study's runs that are not done, respecting depends_on; resolves when nothing more can run or after stop(). */
  execute(job: ExecutionJob): Promise<ExecutionSummary>;
  /** Start nothing new and interrupt running runs (they go back to pending); `immediate`: do not wait for cleanup. */
  stop(immediate: boolean): void;
  /** Its engine processes on this machine now, for the study lock (none for an executor that submits jobs). */
  pids?(): (number | undefined)[];
}

export interface ExecutionRun {
  id: string;
  depends_on: string[];
  /** Base model + starting point: runs of one group share a loaded model. */
  group: string;
  /** stl | mtl | prefinetune | eval: with --mtl-processes, mtl and prefinetune runs go through torchrun. */
  setting?: string;
}

export interface ExecutionJob {
  store: StudyStore;
  /** Every run of the plan, in plan order. */
  runs: ExecutionRun[];
  /** Runs already done (verified): skipped. */
  done: Set<string>;
  /** Retries per run after its first failure. */
  retries: number;
  events?: ExecutorEvents;
}

export interface ExecutorEvents {
  workerState?(worker: string, state: "starting" | "idle" | "stopped"): void;
  runStarted?(id: string, worker: string): void;
  runEnded?(id: string, worker: string, outcome: RunOutcome, willRetry: boolean): void;
  engineEvent?(worker: string, e: EngineEvent): void;
}

export interface ExecutionSummary {
  done: number;
  failed: { id: string; error: string }[];
  /** Runs not attempted: blocked by a failed dependency, interrupted, or held by another process. */
  notRun: number;
  stopped: boolean;
}
