import { availableParallelism } from "node:os";
import type { MultiNode } from "../engine/launch.js";
import { UserError } from "../util/errors.js";
import type { EngineWorkerLike } from "./execute.js";
import type { WorkerSlot } from "./slots.js";

/**
 * Large runs through torchrun (`--mtl-processes N`): a study's mtl and prefinetune runs are trained by N
 * data-parallel processes (docs/engine.md "Multi-GPU") instead of one pooled engine worker; stl and eval runs
 * are small and stay one per worker. Only how a run executes changes: its id, spec.json and results do not
 * (the update is the one-process update), so a study can switch at any time.
 */

export type Parallel = "ddp" | "fsdp";

export interface MtlOptions {
  /** Data-parallel processes per node for one mtl/prefinetune run. */
  processes: number;
  /** The engine spec's train.parallel for these runs, set at execution time (never stored in spec.json). */
  parallel: Parallel;
  /** Several nodes per run (SLURM's --mtl-nodes): how a run's torchruns meet and start, given its folder. */
  multiNode?: (runDir: string) => MultiNode;
}

/** Starts the "engine" of one mtl run: torchrun with `nproc` processes (src/runner/engine.ts has the real one). */
export type StartDistributed = (opts: {
  nproc: number;
  device: WorkerSlot["device"];
  env: Record<string, string>;
  multiNode?: MtlOptions["multiNode"];
}) => EngineWorkerLike;

export function isMtlSetting(setting: string | undefined): boolean {
  return setting === "mtl" || setting === "prefinetune";
}

/** The mtl options of `run`/`worker`, or null without --mtl-processes (then --mtl-parallel is a mistake). */
export function mtlOptionsFrom(o: { mtlProcesses?: number; mtlParallel?: string }): MtlOptions | null {
  if (o.mtlProcesses === undefined) {
    if (o.mtlParallel !== undefined)
      throw new UserError("--mtl-parallel only applies with --mtl-processes N");
    return null;
  }
  return { processes: o.mtlProcesses, parallel: (o.mtlParallel ?? "ddp") as Parallel };
}

/**
 * Device and environment of an mtl run's torchrun: its GPUs (each process takes the GPU of its local rank),
 * or on the CPU the worker's threads split between the processes (gloo), or the worker's own for "auto".
 */
export function mtlLaunch(
  slot: WorkerSlot,
  processes: number,
  gpus: readonly number[] | null,
): { device: WorkerSlot["device"]; env: Record<string, string> } {
  if (gpus) return { device: "cuda", env: { ...slot.env, CUDA_VISIBLE_DEVICES: gpus.join(",") } };
  if (slot.device !== "cpu") return { device: slot.device, env: slot.env };
  const slotThreads = Number(slot.env.QUICKLEARN_TORCH_THREADS) || availableParallelism();
  const threads = String(Math.max(1, Math.floor(slotThreads / processes)));
  return {
    device: "cpu",
    env: { ...slot.env, QUICKLEARN_TORCH_THREADS: threads, OMP_NUM_THREADS: threads },
  };
}
