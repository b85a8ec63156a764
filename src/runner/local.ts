import type { RunOutcome } from "./execute.js";
import type { ExecutionJob, ExecutionSummary, Executor } from "./executor.js";
import { GpuPool } from "./gpu-pool.js";
import { isMtlSetting, type MtlOptions, type StartDistributed } from "./mtl.js";
import { DagScheduler, type SchedRun } from "./scheduler.js";
import { SlotRunner } from "./slot-runner.js";
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
  private readonly runners = new Set<SlotRunner>();
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

  pids(): (number | undefined)[] {
    return [...this.runners].flatMap((r) => r.pids());
  }

  stop(_immediate: boolean): void {
    this.stopping = true;
    for (const r of this.runners) r.kill();
    this.notify();
  }

  private async workerLoop(slot: WorkerSlot, sched: DagScheduler, job: ExecutionJob): Promise<void> {
    const ev = job.events;
    const runner = new SlotRunner(slot, this.startEngine, {
      events: ev,
      mtl: this.mtl,
      stopping: () => this.stopping,
      onEngine: (state) => {
        if (slot.gpu === undefined) return;
        if (state === "started") this.pool?.engineStarted(slot.gpu);
        else this.pool?.engineStopped(slot.gpu);
        this.notify();
      },
    });
    this.runners.add(runner);
    let lastGroup: string | null = null;
    try {
      while (!this.stopping) {
        // An mtl run holds or waits for this GPU: free it (an idle engine still holds its model there).
        if (slot.gpu !== undefined && this.pool?.isReserved(slot.gpu)) await runner.dropEngine(false);
        const run = sched.next(lastGroup, (r) => this.canTake(slot, r));
        if (!run) {
          if (sched.finished) break;
          await new Promise<void>((r) => this.waitForChange(r));
          continue;
        }
        lastGroup = run.group;
        ev?.runStarted?.(run.id, slot.name);
        const finalAttempt = sched.isLastAttempt(run.id);
        const outcome = this.mtlRuns.has(run.id)
          ? await this.runMtl(runner, slot, run, job, finalAttempt)
          : await runner.attempt(job.store, run.id, finalAttempt);
        const mapped = outcome.status === "blocked" ? "busy" : outcome.status;
        const failed = outcome.status === "failed" ? outcome : null;
        const after = sched.finish(run.id, mapped, failed?.error, failed?.deterministic);
        ev?.runEnded?.(run.id, slot.name, outcome, after === "waiting");
        ev?.workerState?.(slot.name, "idle");
        this.notify();
      }
    } finally {
      await runner.dropEngine(false);
      this.runners.delete(runner);
      ev?.workerState?.(slot.name, "stopped");
      this.notify();
    }
  }

  /** One mtl run through torchrun: reserve its GPUs, wait until they are free, run, give them back. */
  private async runMtl(
    runner: SlotRunner,
    slot: WorkerSlot,
    run: SchedRun,
    job: ExecutionJob,
    finalAttempt: boolean,
  ): Promise<RunOutcome> {
    const gpus = this.pool && slot.gpu !== undefined ? this.pool.reserve(run.id, slot.gpu) : null;
    this.notify(); // workers on the reserved GPUs stop their engines
    try {
      while (gpus && !this.pool!.isFree(run.id) && !this.stopping)
        await new Promise<void>((r) => this.waitForChange(r));
      if (this.stopping) return { status: "interrupted" };
      return await runner.attempt(job.store, run.id, finalAttempt, gpus);
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
