import { hostname } from "node:os";
import { UserError } from "../util/errors.js";
import type { RunOutcome } from "./execute.js";
import type { ExecutorEvents } from "./executor.js";
import type { StartEngine, WorkerSlot } from "./slots.js";
import { isMtlSetting, type MtlOptions, type StartDistributed } from "./mtl.js";
import {
  formatFinding,
  preflight,
  PreflightError,
  type Finding,
  type PreflightOptions,
} from "./preflight.js";
import { SlotRunner } from "./slot-runner.js";
import { openStudy, type StudyStore } from "./store/index.js";

/**
 * One worker process running a given list of runs of a study, one after another on one engine worker:
 * what a SLURM array task does (`quicklearn worker --study DIR --runs a,b | --shard i/n`). Runs are
 * claimed through runs/<id>/.claim, so workers started twice on the same runs, or beside a local
 * `quicklearn run`, never run one twice; done runs are skipped; a run whose dependency is not done is
 * left pending. Before the first run it checks the machine it landed on (`preflight`): a node without the
 * GPU it was given, or a model file damaged since submission, stops it with exit 2 and no run touched,
 * instead of failing (and retrying) every run.
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
  /** Check this machine before the first run (the node-local half of `quicklearn check`); absent: skip. */
  preflight?: WorkerPreflightOptions | null;
}

export interface WorkerPreflightOptions {
  /** Each finding as one line (`quicklearn check`'s form), for the array task's log. */
  report?: (line: string) => void;
  /** The engine's half (a stand-in in unit tests). */
  engineCheck?: PreflightOptions["engineCheck"];
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
  if (opts.preflight) await checkThisMachine(store, runIds, opts.slot, opts.preflight);
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

/**
 * The preflight of the worker's own runs on this machine: the device its slot uses, their models and
 * tokenizers, and the disk for one run's checkpoints at a time. The data build was checked by the `run`
 * that submitted the job. A failure throws PreflightError (exit 2) before any run is claimed.
 */
async function checkThisMachine(
  store: StudyStore,
  runIds: string[],
  slot: WorkerSlot,
  opts: WorkerPreflightOptions,
): Promise<void> {
  const device = deviceToCheck(slot, process.env.CUDA_VISIBLE_DEVICES);
  const findings = (
    await preflight(store, {
      runs: runIds,
      gpus: device?.gpus,
      inFlight: 1,
      data: false,
      engineCheck: opts.engineCheck,
    })
  ).map((f) => (f.check === "device" && device?.label ? relabel(f, device.label) : f));
  for (const f of findings) opts.report?.(formatFinding(f));
  if (findings.some((f) => !f.ok))
    throw new PreflightError(
      findings,
      `no run was started on ${hostname()}: they stay pending for the next start; fix this machine ` +
        "(or keep the jobs off it), or pass the worker --no-check",
    );
}

/**
 * The GPUs the worker's runs will use: its `--gpus K`; with neither --gpus nor --cpu, the GPUs this process
 * was given (CUDA_VISIBLE_DEVICES, as SLURM sets it for --gres gpu:N), which must exist: the engine's "auto"
 * would otherwise run on the CPU. The check counts physical GPUs, so "the GPUs given exist" is "GPU 0
 * exists", reported under the variable's name.
 */
function deviceToCheck(
  slot: WorkerSlot,
  visible: string | undefined,
): { gpus: number[]; label?: string } | undefined {
  if (slot.gpu !== undefined) return { gpus: [slot.gpu] };
  if (slot.device !== "auto" || !visible || !/^(\d|GPU-|MIG-)/.test(visible)) return undefined;
  return { gpus: [0], label: `CUDA_VISIBLE_DEVICES=${visible}` };
}

function relabel(f: Finding, label: string): Finding {
  const given = `${label} (the GPUs this process was given)`;
  return { ...f, target: given, message: f.message.replace(/^--gpus 0\b/, given) };
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
