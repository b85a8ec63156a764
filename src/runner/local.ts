import { availableParallelism } from "node:os";
import { executeRun, type EngineEvent, type EngineWorkerLike } from "./execute.js";
import type { ExecutionJob, ExecutionSummary, Executor } from "./executor.js";
import { DagScheduler } from "./scheduler.js";

/** One engine worker of the pool: a device and the environment its Python process starts with. */
export interface WorkerSlot {
  name: string;
  device: "auto" | "cpu" | "cuda";
  env: Record<string, string>;
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

/** Runs the DAG on this machine with a pool of engine workers (one Python process each, started lazily). */
export class LocalExecutor implements Executor {
  readonly name = "local";
  private stopping = false;
  private readonly engines = new Set<EngineWorkerLike>();
  private wake: (() => void) | null = null;

  constructor(
    private readonly slots: WorkerSlot[],
    private readonly startEngine: StartEngine,
  ) {}

  async execute(job: ExecutionJob): Promise<ExecutionSummary> {
    const sched = new DagScheduler(job.runs, job.done, job.retries);
    await Promise.all(this.slots.map((slot) => this.workerLoop(slot, sched, job)));
    const counts = sched.counts();
    return {
      done: counts.done,
      failed: sched.failed(),
      notRun: counts.waiting + counts.blocked,
      stopped: this.stopping,
    };
  }

  stop(_immediate: boolean): void {
    this.stopping = true;
    for (const e of this.engines) e.kill();
    this.notify();
  }

  private async workerLoop(slot: WorkerSlot, sched: DagScheduler, job: ExecutionJob): Promise<void> {
    const ev = job.events;
    let engine: EngineWorkerLike | null = null;
    let lastGroup: string | null = null;
    try {
      while (!this.stopping) {
        const run = sched.next(lastGroup);
        if (!run) {
          if (sched.finished) break;
          await new Promise<void>((r) => this.waitForChange(r));
          continue;
        }
        lastGroup = run.group;
        ev?.runStarted?.(run.id, slot.name);
        const finalAttempt = sched.isLastAttempt(run.id);
        let outcome;
        try {
          if (!engine) {
            ev?.workerState?.(slot.name, "starting");
            engine = await this.startEngine({
              device: slot.device,
              env: slot.env,
              onEvent: (e) => {
                // Run events come through run()'s callback; only worker-level ones (no run_id) here.
                if (!e.run_id) ev?.engineEvent?.(slot.name, e);
              },
            });
            this.engines.add(engine);
            if (this.stopping) engine.kill();
          }
          outcome = await executeRun(job.store, run.id, engine, {
            device: slot.device,
            onEvent: (e) => ev?.engineEvent?.(slot.name, e),
            stopping: () => this.stopping,
            finalAttempt,
          });
        } catch (e) {
          outcome = {
            status: "failed" as const,
            error: `worker ${slot.name}: ${(e as Error).message ?? String(e)}`,
          };
        }
        if (outcome.status === "failed" && engine) {
          // A failed run may have left the engine in a bad state (or dead): the next run gets a fresh one.
          this.engines.delete(engine);
          engine.kill();
          engine = null;
        }
        const mapped = outcome.status === "blocked" ? "busy" : outcome.status;
        const after = sched.finish(run.id, mapped, "error" in outcome ? outcome.error : undefined);
        ev?.runEnded?.(run.id, slot.name, outcome, after === "waiting");
        ev?.workerState?.(slot.name, "idle");
        this.notify();
      }
    } finally {
      if (engine) {
        this.engines.delete(engine);
        if (this.stopping) engine.kill();
        else await engine.shutdown().catch(() => engine?.kill());
      }
      ev?.workerState?.(slot.name, "stopped");
      this.notify();
    }
  }

  private waitForChange(resolve: () => void): void {
    const prev = this.wake;
    this.wake = () => {
      prev?.();
      resolve();
    };
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
