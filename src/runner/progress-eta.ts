import type { PlannedRun } from "../study/plan.js";
import { GENERATION_COST_FACTOR } from "../study/summary.js";

/**
 * What one run costs, for the study's ETA. Runs of one study differ by 100x or more (an STL run at budget
 * 10 against a pre-finetuning run over hundreds of tasks), so counting runs says little about time left.
 * The unit is the cost estimate's (src/study/summary.ts): training sample passes, with each evaluation
 * instance priced at GENERATION_COST_FACTOR passes (greedy decoding of up to 128 tokens costs more than a
 * training step). Sample passes rather than source tokens: tokens are passes times a per-encoding
 * constant, an estimate that says nothing of generation, while passes and generated instances are counted
 * from the plan and put training and generation on one scale.
 */
export interface RunWork {
  train: number;
  generate: number;
}

/** A planned run's work; `testSizes` are the study's test instances per task (a task missing counts 100, as in planTotals). */
export function runWork(run: PlannedRun, testSizes: ReadonlyMap<string, number>): RunWork {
  const instances = run.eval_tasks.reduce((n, task) => n + (testSizes.get(task) ?? 100), 0);
  return { train: run.train_sample_passes, generate: instances * GENERATION_COST_FACTOR };
}

/** Where a run stands in this session, as fractions of its work: when it was first seen, and now. */
interface InFlight {
  from: number;
  at: number;
}

/**
 * The study's time left: work left divided by the work done per second in this session (runs finished
 * plus the steps of runs in flight, from the engine's progress events). No figure until some work is
 * measured: an assumed throughput (DEFAULT_SAMPLES_PER_S, for a 3B model on a GPU) could be off by orders
 * of magnitude for a CPU run or another model, and the first training step gives a measured one.
 * Without per-run work (a SLURM worker, which reads no plan volumes) every run weighs 1 and only finished
 * runs count.
 */
export class WorkEta {
  private readonly startedAt: number;
  /** Full work of the runs not finished (done at start, done here, and given-up runs excluded). */
  private left: number;
  /** Work finished in this session (a resumed run's earlier share excluded). */
  private doneHere = 0;
  private readonly inFlight = new Map<string, InFlight>();

  constructor(
    private readonly work: ReadonlyMap<string, RunWork> | undefined,
    runsLeft: number,
    private readonly now: () => number,
  ) {
    this.startedAt = now();
    this.left = work ? [...work.values()].reduce((n, w) => n + w.train + w.generate, 0) : runsLeft;
  }

  /** A new attempt: progress of an earlier one no longer counts. */
  started(id: string): void {
    this.inFlight.delete(id);
  }

  /** An engine progress event: step of total_steps in phase train (optimizer steps) or generate (instances). */
  progress(id: string, phase: string | undefined, step: number, totalSteps: number): void {
    const w = this.work?.get(id);
    const size = w ? w.train + w.generate : 0;
    if (!w || size <= 0 || totalSteps <= 0) return;
    const trained = w.train / size;
    let at: number;
    if (phase === "train") at = (trained * step) / totalSteps;
    else if (phase === "generate") at = trained + ((1 - trained) * step) / totalSteps;
    else return;
    // Work counts from a run's first report on: what came before it (a resumed run's checkpoint, the
    // engine loading the model, the first step) was not measured as steps, and would skew the rate.
    this.inFlight.set(id, { from: this.inFlight.get(id)?.from ?? at, at });
  }

  /** A run ended: `done`, `dropped` (failed for good, blocked, run by another process) or `again` (retried, interrupted). */
  ended(id: string, how: "done" | "dropped" | "again"): void {
    const weight = this.weight(id);
    if (how === "done") this.doneHere += weight * (1 - (this.inFlight.get(id)?.from ?? 0));
    if (how !== "again") this.left -= weight;
    this.inFlight.delete(id);
  }

  /** Seconds left; null until some work was measured. */
  seconds(): number | null {
    let measured = this.doneHere;
    let left = this.left;
    for (const [id, f] of this.inFlight) {
      measured += this.weight(id) * (f.at - f.from);
      left -= this.weight(id) * f.at;
    }
    if (left <= 0) return 0;
    const elapsed = (this.now() - this.startedAt) / 1000;
    if (measured <= 0 || elapsed <= 0) return null;
    return left / (measured / elapsed);
  }

  private weight(id: string): number {
    if (!this.work) return 1;
    const w = this.work.get(id);
    return w ? w.train + w.generate : 0;
  }
}

/** `--`, `42s`, `16m 05s`, `3h 07m`, `2d 04h`. */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "--";
  const s = Math.round(seconds);
  const two = (n: number) => String(n).padStart(2, "0");
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${two(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${two(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86400)}d ${two(Math.floor(s / 3600) % 24)}h`;
}
