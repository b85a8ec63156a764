import { executeRun, type EngineWorkerLike, type RunOutcome } from "./execute.js";
import type { ExecutionJob, ExecutionSummary, Executor } from "./executor.js";
import { GpuPool } from "./gpu-pool.js";
import { isMtlSetting, mtlLaunch, type MtlOptions, type StartDistributed } from "./mtl.js";
import { DagScheduler, type SchedRun } from "./scheduler.js";
import type { StartEngine, WorkerSlot } from "./slots.js";

/** --mtl-processes for the local pool: how mtl/prefinetune runs start, and every GPU given (--gpus). */
export interface LocalMtl {
  options: MtlOptions;
  start: StartDistributed;
  gpus?: readonly number[];
}

/**
 * Runs the DAG on this machine with a pool of engine workers (one Python process each, started lazily).
 * With `mtl`, a worker that takes an mtl or prefinetune run trains it with torchrun instead: on N GPUs of
 * its own (GpuPool), or on the CPU with its threads split between the N processes.
 */
export class LocalExecutor implements Executor {
  readonly name = "local";
  private stopping = false;
  private readonly engines = new Set<EngineWorkerLike>();
  private wake: (() => void) | null = null;
  private readonly pool: GpuPool | null;
  private mtlRuns = new Set<string>();

  constructor(
    private readonly slots: WorkerSlot[],
    private readonly startEngine: StartEngine,
    private readonly mtl?: LocalMtl,
  ) {
    this.pool = mtl?.gpus?.length ? new GpuPool(mtl.gpus, mtl.options.processes) : null;
  }

  async execute(job: ExecutionJob): Promise<ExecutionSummary> {
    const sched = new DagScheduler(job.runs, job.done, job.retries);
    if (this.mtl) this.mtlRuns = new Set(job.runs.filter((r) => isMtlSetting(r.setting)).map((r) => r.id));
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
    /** Stop this worker's engine: gracefully, or killed (stopping, or after a failure left it suspect). */
    const dropEngine = async (kill: boolean) => {
      if (!engine) return;
      const e = engine;
      engine = null;
      this.engines.delete(e);
      if (kill || this.stopping) e.kill();
      else await e.shutdown().catch(() => e.kill());
      if (slot.gpu !== undefined) this.pool?.engineStopped(slot.gpu);
      this.notify();
    };
    try {
      while (!this.stopping) {
        // An mtl run holds or waits for this GPU: free it (an idle engine still holds its model there).
        if (slot.gpu !== undefined && this.pool?.isReserved(slot.gpu)) await dropEngine(false);
        const run = sched.next(lastGroup, (r) => this.canTake(slot, r));
        if (!run) {
          if (sched.finished) break;
          await new Promise<void>((r) => this.waitForChange(r));
          continue;
        }
        lastGroup = run.group;
        ev?.runStarted?.(run.id, slot.name);
        const finalAttempt = sched.isLastAttempt(run.id);
        let outcome: RunOutcome;
        try {
          if (this.mtlRuns.has(run.id)) {
            await dropEngine(false);
            outcome = await this.runMtl(slot, run, job, finalAttempt);
          } else {
            if (!engine) {
              ev?.workerState?.(slot.name, "starting");
              if (slot.gpu !== undefined) this.pool?.engineStarted(slot.gpu);
              engine = await this.startEngine({
                device: slot.device,
                env: slot.env,
                onEvent: (e) => {
                  // Run events come through run()'s callback; only worker-level ones (no run_id) here.
                  if (!e.run_id) ev?.engineEvent?.(slot.name, e);
                },
              }).catch((e: unknown) => {
                if (slot.gpu !== undefined) this.pool?.engineStopped(slot.gpu);
                throw e;
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
          }
        } catch (e) {
          outcome = {
            status: "failed" as const,
            error: `worker ${slot.name}: ${(e as Error).message ?? String(e)}`,
          };
        }
        // A failed run may have left the engine in a bad state (or dead): the next run gets a fresh one.
        if (outcome.status === "failed") await dropEngine(true);
        const mapped = outcome.status === "blocked" ? "busy" : outcome.status;
        const after = sched.finish(run.id, mapped, "error" in outcome ? outcome.error : undefined);
        ev?.runEnded?.(run.id, slot.name, outcome, after === "waiting");
        ev?.workerState?.(slot.name, "idle");
        this.notify();
      }
    } finally {
      await dropEngine(false);
      ev?.workerState?.(slot.name, "stopped");
      this.notify();
    }
  }

  /** One mtl run through torchrun: reserve its GPUs, wait until they are free, run, give them back. */
  private async runMtl(
    slot: WorkerSlot,
    run: SchedRun,
    job: ExecutionJob,
    finalAttempt: boolean,
  ): Promise<RunOutcome> {
    const mtl = this.mtl!;
    const gpus = this.pool && slot.gpu !== undefined ? this.pool.reserve(run.id, slot.gpu) : null;
    this.notify(); // workers on the reserved GPUs stop their engines
    try {
      while (gpus && !this.pool!.isFree(run.id) && !this.stopping)
        await new Promise<void>((r) => this.waitForChange(r));
      if (this.stopping) return { status: "interrupted" };
      const launch = mtlLaunch(slot, mtl.options.processes, gpus);
      const engine = mtl.start({ nproc: mtl.options.processes, ...launch });
      this.engines.add(engine);
      try {
        return await executeRun(job.store, run.id, engine, {
          device: launch.device,
          parallel: mtl.options.parallel,
          onEvent: (e) => job.events?.engineEvent?.(slot.name, e),
          stopping: () => this.stopping,
          finalAttempt,
        });
      } finally {
        this.engines.delete(engine);
      }
    } finally {
      this.pool?.release(run.id);
    }
  }

  /** Whether this worker may take the run now (GPUs reserved for an mtl run are off limits). */
  private canTake(slot: WorkerSlot, run: SchedRun): boolean {
    if (!this.pool || slot.gpu === undefined) return true;
    return this.pool.canTake(slot.gpu, this.mtlRuns.has(run.id));
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
