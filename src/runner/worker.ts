import { UserError } from "../util/errors.js";
import type { RunOutcome } from "./execute.js";
import type { ExecutorEvents } from "./executor.js";
import type { StartEngine, WorkerSlot } from "./slots.js";
import { isMtlSetting, type MtlOptions, type StartDistributed } from "./mtl.js";
import { SlotRunner } from "./slot-runner.js";
import { openStudy, type StudyStore } from "./store/index.js";

/**
 * One worker process running a given list of runs of a study, one after another on one engine worker:
 * what a SLURM array task does (`quicklearn worker --study DIR --runs a,b | --shard i/n`). Runs are
 * claimed through runs/<id>/.claim, so workers started twice on the same runs, or beside a local
 * `quicklearn run`, never run one twice; done runs are skipped; a run whose dependency is not done is
 * left pending.
 */

export interface WorkerOptions {
  slot: WorkerSlot;
  retries: number;
  startEngine: StartEngine;
  events?: ExecutorEvents;
  /** Set by Ctrl-C / SIGTERM (SLURM preemption): the current run goes back to pending. */
  signal?: AbortSignal;
  /** --mtl-processes: mtl and prefinetune runs are trained by torchrun, not by the one engine worker. */
  mtl?: { options: MtlOptions; start: StartDistributed };
}

export interface WorkerSummary {
  done: string[];
  failed: { id: string; error: string }[];
  /** Not attempted: held by another process, a dependency not done, or stopped. */
  skipped: { id: string; reason: string }[];
}

export async function runWorker(
  studyDir: string,
  runIds: string[],
  opts: WorkerOptions,
): Promise<WorkerSummary> {
  const store = await openStudy(studyDir);
  const summary: WorkerSummary = { done: [], failed: [], skipped: [] };
  const stopping = () => opts.signal?.aborted ?? false;
  const runner = new SlotRunner(opts.slot, opts.startEngine, {
    events: opts.events,
    mtl: opts.mtl,
    stopping,
  });
  const onAbort = () => runner.kill();
  opts.signal?.addEventListener("abort", onAbort);
  const ev = opts.events;
  try {
    for (const id of await byModelGroup(store, runIds)) {
      if (stopping()) {
        summary.skipped.push({ id, reason: "stopped" });
        continue;
      }
      // mtl runs go to torchrun on the GPUs the job gave this task (CUDA_VISIBLE_DEVICES).
      const viaTorchrun = opts.mtl !== undefined && isMtlSetting((await store.readRun(id)).setting);
      let outcome: RunOutcome = { status: "busy" };
      for (let attempt = 0; attempt <= opts.retries && !stopping(); attempt++) {
        ev?.runStarted?.(id, opts.slot.name);
        outcome = await runner.attempt(store, id, attempt === opts.retries, viaTorchrun ? null : undefined);
        const retry = outcome.status === "failed" && !outcome.deterministic && attempt < opts.retries;
        ev?.runEnded?.(id, opts.slot.name, outcome, retry);
        if (!retry) break;
      }
      if (outcome.status === "done") summary.done.push(id);
      else if (outcome.status === "failed") summary.failed.push({ id, error: outcome.error });
      else if (outcome.status === "blocked") summary.skipped.push({ id, reason: outcome.error });
      else if (outcome.status === "busy") summary.skipped.push({ id, reason: "running in another process" });
      else summary.skipped.push({ id, reason: "stopped" });
    }
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
    await runner.dropEngine(false);
  }
  return summary;
}

/** The runs selected by `--runs` or `--shard i/n` (0-based i; contiguous chunks of the plan sorted by model group). */
export async function selectRuns(
  studyDir: string,
  sel: { runs?: string[]; shard?: { index: number; count: number } },
): Promise<string[]> {
  const store = await openStudy(studyDir);
  const all = await store.planRunIds();
  let ids = all;
  if (sel.runs) {
    const known = new Set(all);
    for (const id of sel.runs)
      if (!known.has(id)) throw new UserError(`run ${id} is not in ${store.planPath}`);
    ids = sel.runs;
  }
  if (!sel.shard) return ids;
  const { index, count } = sel.shard;
  const ordered = await byModelGroup(store, ids);
  const size = Math.ceil(ordered.length / count);
  return ordered.slice(index * size, (index + 1) * size);
}

/** `3/8` -> {index: 3, count: 8}. */
export function parseShard(s: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(s.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count)
    throw new UserError(
      `invalid --shard "${s}"`,
      "give i/n with 0 <= i < n, e.g. --shard $SLURM_ARRAY_TASK_ID/8",
    );
  return { index, count };
}

/** Stable order that puts runs loading the same model next to each other (dependencies first within the list). */
async function byModelGroup(store: StudyStore, ids: string[]): Promise<string[]> {
  const keyed: { id: string; key: string; i: number; deps: number }[] = [];
  for (const [i, id] of ids.entries()) {
    const run = await store.readRun(id);
    keyed.push({ id, key: `${run.model}\0${run.depends_on.join(",")}`, i, deps: run.depends_on.length });
  }
  const firstOfKey = new Map<string, number>();
  for (const k of keyed) if (!firstOfKey.has(k.key)) firstOfKey.set(k.key, k.i);
  keyed.sort((a, b) => a.deps - b.deps || firstOfKey.get(a.key)! - firstOfKey.get(b.key)! || a.i - b.i);
  return keyed.map((k) => k.id);
}
