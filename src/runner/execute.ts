import { join } from "node:path";
import { USER_ERROR_CODES } from "../engine/errors.js";
import type { RunSpecInput } from "../engine/spec.js";
import { scoreRows, type PredictionRow, type Variant } from "../metrics/index.js";
import { isUserError } from "../util/errors.js";
import { AtomicFileWriter, writeJsonAtomic } from "../util/fs.js";
import { readJsonl } from "../util/jsonl.js";
import { FileLock } from "./lock.js";
import { ENGINE_OUTPUTS, workerInfo, type RunFile, type StudyStore } from "./store/index.js";

/**
 * One run, start to finish, by whoever executes it (a local pool worker, a SLURM array task):
 * claim it, run the engine (which resumes from runs/<id>/checkpoint), score the predictions, record hashes,
 * mark it done. Every step leaves the store consistent, so a kill at any moment is resumed by running again.
 */

/** An engine progress/log event (docs/engine.md); only the fields the runner shows are typed. */
export interface EngineEvent {
  type: string;
  run_id?: string;
  phase?: string;
  step?: number;
  total_steps?: number;
  epoch?: number;
  loss?: number;
  samples_per_s?: number;
  eta_s?: number;
  message?: string;
  [key: string]: unknown;
}

/** What the runner needs of an engine worker (src/engine's EngineWorker; a fake in scheduler tests). */
export interface EngineWorkerLike {
  run(spec: RunSpecInput, onEvent?: (e: EngineEvent) => void): Promise<unknown>;
  shutdown(): Promise<void>;
  kill(): void;
  /** Its process while alive (torchrun's only during run()): the run's claim records it. */
  readonly pid?: number;
}

export type RunOutcome =
  | { status: "done" }
  /** `deterministic`: it would fail the same way again (bad spec, missing model, no GPU): not retried. */
  | { status: "failed"; error: string; deterministic: boolean }
  /** Another live process holds the run's claim. */
  | { status: "busy" }
  /** Stopped by Ctrl-C / stop(): back to pending. */
  | { status: "interrupted" }
  /** A dependency is not done: nothing was attempted. */
  | { status: "blocked"; error: string };

export interface ExecuteOptions {
  device: "auto" | "cpu" | "cuda";
  onEvent?: (e: EngineEvent) => void;
  /** True once a stop was requested: a failure then means "interrupted", not "failed". */
  stopping?: () => boolean;
  /** When false, a failure leaves the run pending (with its error) because it will be retried. */
  finalAttempt?: boolean;
  /**
   * The spec's train.parallel for this execution (mtl runs with --mtl-processes). Like `device`, it is an
   * execution choice: spec.json, the run id and the update stay the same.
   */
  parallel?: "ddp" | "fsdp";
}

export async function executeRun(
  store: StudyStore,
  id: string,
  worker: EngineWorkerLike,
  opts: ExecuteOptions,
): Promise<RunOutcome> {
  // The claim is the run's while its driver or its engine lives: an engine that outlives a killed driver
  // may still write into the run's folder.
  const claim = await FileLock.acquire(store.claimPath(id), {
    purpose: `run ${id}`,
    processes: () => [worker.pid],
  });
  if (!claim.ok) return { status: "busy" };
  // torchrun starts inside run(): record its pid with its first event, before it can write a checkpoint.
  let recorded = worker.pid;
  const onEvent = (e: EngineEvent) => {
    if (worker.pid !== recorded) {
      recorded = worker.pid;
      void claim.lock.refresh().catch(() => {});
    }
    opts.onEvent?.(e);
  };
  try {
    const state = await store.readState(id);
    if (state.status === "done" && (await store.verifyHashes(id, state.hashes))) return { status: "done" };
    const run = await store.readRun(id);
    for (const dep of run.depends_on) {
      const depState = await store.readState(dep);
      if (depState.status !== "done")
        return { status: "blocked", error: `dependency ${dep} is ${depState.status}, not done` };
    }
    const attempts = state.attempts + 1;
    const running = { status: "running" as const, attempts, worker: workerInfo(opts.device) };
    let engineOutputs = state.engine_outputs;
    await store.writeState(id, { ...running, engine_outputs: engineOutputs });
    try {
      const spec = await store.engineSpec(id, opts.device);
      if (opts.parallel && spec.train) spec.train = { ...spec.train, parallel: opts.parallel };
      // The engine finished before a crash: its outputs are intact, so only scoring is left to do.
      if (!(await store.verifyHashes(id, engineOutputs))) {
        await worker.run(spec, onEvent);
        engineOutputs = await store.hashOutputs(id, [...ENGINE_OUTPUTS, "model"]);
        await store.writeState(id, { ...running, engine_outputs: engineOutputs });
      }
      if (spec.eval) await scoreRun(store, run, spec);
      await store.markDone(id, attempts);
      return { status: "done" };
    } catch (e) {
      const error = errorMessage(e);
      if (opts.stopping?.() || engineInterrupted(e)) {
        await store.writeState(id, { status: "pending", attempts, engine_outputs: engineOutputs });
        return { status: "interrupted" };
      }
      const deterministic = isDeterministicFailure(e);
      const final = (opts.finalAttempt ?? true) || deterministic;
      await store.writeState(id, {
        status: final ? "failed" : "pending",
        attempts,
        error,
        engine_outputs: engineOutputs,
      });
      return { status: "failed", error, deterministic };
    }
  } finally {
    await claim.lock.release();
  }
}

/**
 * The engine was stopped by SIGINT/SIGTERM. That is a stop, not a failure, even when the engine heard it
 * before we did: SLURM's cancel or preemption signals every process of the job, in no particular order.
 */
function engineInterrupted(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { code?: unknown }).code === "interrupted";
}

/**
 * A failure that a retry would repeat: the engine's codes for the user's side (a bad spec, a missing or
 * damaged model, no CUDA; src/engine/errors.ts), or a UserError of ours (a damaged study file). A crashed
 * or killed worker, out of memory (another process may hold the GPU), a timeout or an internal error may
 * pass on a second try, so those are retried.
 */
export function isDeterministicFailure(e: unknown): boolean {
  const code = e && typeof e === "object" && "code" in e ? (e as { code: unknown }).code : undefined;
  if (typeof code === "string") return (USER_ERROR_CODES as readonly string[]).includes(code);
  return isUserError(e);
}

function errorMessage(e: unknown): string {
  if (e && typeof e === "object" && "code" in e && "message" in e) {
    return `${String((e as { code: unknown }).code)}: ${String((e as { message: unknown }).message)}`;
  }
  return e instanceof Error ? e.message : String(e);
}

interface EvalRow {
  id: string;
  task: string;
  category: string;
  references: string[];
}

/**
 * Join the predictions with the evaluation rows (references, category), score them, and write
 * scores.json (the `quicklearn score --json` object) and instance_scores.jsonl (fractions).
 */
export async function scoreRun(store: StudyStore, run: RunFile, spec: RunSpecInput): Promise<void> {
  const dir = store.runDir(run.id);
  const predictions = new Map<string, string>();
  for await (const { value } of readJsonl(join(dir, "predictions.jsonl"))) {
    const p = value as { id: string; task: string; prediction: string };
    predictions.set(`${p.task}\0${p.id}`, p.prediction);
  }
  const rows: PredictionRow[] = [];
  for (const file of spec.eval!.files) {
    for await (const { value } of readJsonl(file)) {
      const r = value as EvalRow;
      const prediction = predictions.get(`${r.task}\0${r.id}`);
      if (prediction === undefined)
        throw new Error(`predictions.jsonl has no prediction for ${r.task} ${r.id}`);
      rows.push({ task: r.task, id: r.id, prediction, references: r.references, category: r.category });
    }
  }
  const instances = await AtomicFileWriter.open(join(dir, "instance_scores.jsonl"));
  try {
    const lines: string[] = [];
    const report = await scoreRows(rows, {
      variant: run.variant as Variant,
      onInstance: (row, s, category) =>
        lines.push(
          JSON.stringify({
            task: row.task,
            id: row.id,
            category,
            exact_match: s.exact_match,
            rouge1: s.rouge1,
            rougeL: s.rougeL,
          }) + "\n",
        ),
    });
    for (const line of lines) await instances.write(line);
    await instances.commit();
    await writeJsonAtomic(join(dir, "scores.json"), report);
  } catch (e) {
    await instances.abort();
    throw e;
  }
}
