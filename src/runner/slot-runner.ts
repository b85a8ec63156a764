import {
  executeRun,
  isDeterministicFailure,
  type EngineEvent,
  type EngineWorkerLike,
  type RunOutcome,
} from "./execute.js";
import type { ExecutorEvents } from "./executor.js";
import { mtlLaunch, type MtlOptions, type StartDistributed } from "./mtl.js";
import type { StartEngine, WorkerSlot } from "./slots.js";
import type { StudyStore } from "./store/index.js";

/**
 * What one worker slot does with a run, whoever schedules it (the local pool, a SLURM array task's
 * `quicklearn worker`): keep one engine worker alive between runs (started on first use, its worker-level
 * events passed on, killed after a failure so that the next run gets a fresh one), hand mtl and prefinetune
 * runs to torchrun instead (the engine stopped first, so it does not hold its model beside them), and turn
 * anything thrown into a failed outcome.
 */
export class SlotRunner {
  private engine: EngineWorkerLike | null = null;
  private torchrun: EngineWorkerLike | null = null;

  constructor(
    private readonly slot: WorkerSlot,
    private readonly startEngine: StartEngine,
    private readonly opts: {
      events?: ExecutorEvents;
      mtl?: { options: MtlOptions; start: StartDistributed };
      stopping: () => boolean;
      /** The slot's engine starts or stops (the local GPU pool counts engines per GPU). */
      onEngine?: (state: "started" | "stopped") => void;
    },
  ) {}

  /**
   * One attempt at a run. `torchrunGpus`: train it with torchrun (an mtl run), on these GPUs (null: the
   * slot's device). Never throws.
   */
  async attempt(
    store: StudyStore,
    id: string,
    finalAttempt: boolean,
    torchrunGpus?: readonly number[] | null,
  ): Promise<RunOutcome> {
    const exec = {
      onEvent: (e: EngineEvent) => this.opts.events?.engineEvent?.(this.slot.name, e),
      stopping: this.opts.stopping,
      finalAttempt,
    };
    let outcome: RunOutcome;
    try {
      if (torchrunGpus !== undefined) {
        await this.dropEngine(false);
        const mtl = this.opts.mtl!;
        const launch = mtlLaunch(this.slot, mtl.options.processes, torchrunGpus);
        this.torchrun = mtl.start({
          nproc: mtl.options.processes,
          multiNode: mtl.options.multiNode,
          ...launch,
        });
        if (this.opts.stopping()) this.torchrun.kill();
        outcome = await executeRun(store, id, this.torchrun, {
          ...exec,
          device: launch.device,
          parallel: mtl.options.parallel,
        });
      } else {
        outcome = await executeRun(store, id, await this.ensureEngine(), {
          ...exec,
          device: this.slot.device,
        });
      }
    } catch (e) {
      // The engine did not start (no Python environment, a broken install): as deterministic as its code says.
      outcome = {
        status: "failed",
        error: `worker ${this.slot.name}: ${(e as Error).message ?? String(e)}`,
        deterministic: isDeterministicFailure(e),
      };
    } finally {
      this.torchrun = null;
    }
    // A failed run may have left the engine in a bad state (or dead): the next run gets a fresh one.
    if (outcome.status === "failed") await this.dropEngine(true);
    return outcome;
  }

  /** Stop the slot's engine: gracefully, or killed (when asked, or when stopping). */
  async dropEngine(kill: boolean): Promise<void> {
    const e = this.engine;
    if (!e) return;
    this.engine = null;
    if (kill || this.opts.stopping()) e.kill();
    else await e.shutdown().catch(() => e.kill());
    this.opts.onEngine?.("stopped");
  }

  /** The slot's engine processes alive now (the study lock records them). */
  pids(): (number | undefined)[] {
    return [this.engine?.pid, this.torchrun?.pid];
  }

  /** Ctrl-C, preemption: kill whatever is running now (its run goes back to pending). */
  kill(): void {
    this.engine?.kill();
    this.torchrun?.kill();
  }

  private async ensureEngine(): Promise<EngineWorkerLike> {
    if (this.engine) return this.engine;
    const ev = this.opts.events;
    ev?.workerState?.(this.slot.name, "starting");
    this.opts.onEngine?.("started");
    try {
      this.engine = await this.startEngine({
        device: this.slot.device,
        env: this.slot.env,
        // Run events come through run()'s callback; only worker-level ones (no run_id) here.
        onEvent: (e) => {
          if (!e.run_id) ev?.engineEvent?.(this.slot.name, e);
        },
      });
    } catch (e) {
      this.opts.onEngine?.("stopped");
      throw e;
    }
    if (this.opts.stopping()) this.engine.kill();
    return this.engine;
  }
}
