import { availableParallelism } from "node:os";
import type { EngineEvent, EngineWorkerLike } from "./execute.js";

/** One engine worker of the pool: a device and the environment its Python process starts with. */
export interface WorkerSlot {
  name: string;
  device: "auto" | "cpu" | "cuda";
  env: Record<string, string>;
  /** The GPU index it runs on (--gpus). */
  gpu?: number;
}

export type StartEngine = (opts: {
  device: WorkerSlot["device"];
  env: Record<string, string>;
  onEvent: (e: EngineEvent) => void;
}) => Promise<EngineWorkerLike>;

export interface DeviceOptions {
  cpu?: boolean;
  /** GPU indices; one worker per GPU (CUDA_VISIBLE_DEVICES), or maxParallel spread over them. */
  gpus?: number[];
  maxParallel?: number;
}

/**
 * The pool for `--cpu`, `--gpus 0,1` and `--max-parallel N`: with GPUs, N workers (default: one per GPU)
 * assigned to the GPUs in turn; on CPU, N workers (default 1) splitting the cores between them; with
 * neither flag, one worker on whatever device the engine finds.
 */
export function workerSlots(opts: DeviceOptions): WorkerSlot[] {
  if (opts.gpus && opts.gpus.length > 0) {
    const n = opts.maxParallel ?? opts.gpus.length;
    return Array.from({ length: n }, (_, i) => {
      const gpu = opts.gpus![i % opts.gpus!.length]!;
      return {
        name: `gpu${gpu}${n > opts.gpus!.length ? `.${Math.floor(i / opts.gpus!.length)}` : ""}`,
        device: "cuda",
        env: { CUDA_VISIBLE_DEVICES: String(gpu) },
        gpu,
      };
    });
  }
  const n = opts.maxParallel ?? 1;
  if (!opts.cpu) return Array.from({ length: n }, (_, i) => ({ name: `w${i}`, device: "auto", env: {} }));
  const threads = String(Math.max(1, Math.floor(availableParallelism() / n)));
  return Array.from({ length: n }, (_, i) => ({
    name: `cpu${i}`,
    device: "cpu",
    env: { CUDA_VISIBLE_DEVICES: "", QUICKLEARN_TORCH_THREADS: threads, OMP_NUM_THREADS: threads },
  }));
}
