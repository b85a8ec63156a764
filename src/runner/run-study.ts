import { existsSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { superniDir } from "../study/context.js";
import type { LoadedStudy } from "../study/spec.js";
import { UserError } from "../util/errors.js";
import type { ExecutionSummary, Executor, ExecutorEvents } from "./executor.js";
import { describeHolder, FileLock } from "./lock.js";
import { isPreflightError, preflight, PreflightError, type PreflightOptions } from "./preflight.js";
import { executionRuns, prepareStudy, type Design, type Prepared } from "./prepare.js";
import { runWork, type RunWork } from "./progress-eta.js";
import { writeResults, type Results } from "./results.js";
import { StudyStore, type StatusSummary } from "./store/index.js";

export interface RunStudyOptions {
  out: string;
  superni?: string | null;
  preset: string | null;
  /** Retries per run after its first failure. */
  retries: number;
  executor: Executor;
  /** Progress sink; made once the plan is known (total runs, done at start, the work of each run left). */
  events?: (
    total: number,
    doneAtStart: number,
    work: ReadonlyMap<string, RunWork>,
  ) => ExecutorEvents & { note?(m: string): void; stop?(): void };
  onData?: (done: number, total: number, task: string) => void;
  /** Lets the caller stop the executor (Ctrl-C) once it exists. */
  onExecutor?: (executor: Executor) => void;
  /** Check the device, models, data and disk before the first run (`quicklearn check`); null: skip. */
  preflight?: PreflightOptions | null;
  /** A study that grows round by round (an adaptive budget search); absent: the spec's grid, in one go. */
  rounds?: StudyRounds;
}

/**
 * Rounds of a growing study: `design` plans the rounds so far; after a round ran with every run done,
 * `next` reads its results and says whether a new round follows (design then plans it too). The runner
 * only calls them: choosing the next round is the caller's (the analysis is downstream of the runner).
 */
export interface StudyRounds {
  design: Design;
  next(store: StudyStore): Promise<boolean>;
}

export interface RunStudyResult {
  prepared: Prepared;
  summary: ExecutionSummary;
  status: StatusSummary;
  results: Results;
}

/**
 * `quicklearn run`: lock the study directory, plan, build data, execute every run not done, derive the
 * results table. A second `run` on the same directory is refused while the first holds the lock.
 */
export async function runStudy(study: LoadedStudy, opts: RunStudyOptions): Promise<RunStudyResult> {
  if (!superniDir(study, opts.superni))
    throw new UserError(
      "running a study needs a SuperNI checkout",
      "pass --superni DIR (a folder with tasks/ and splits/default/), or set superni: in the spec",
    );
  const store = new StudyStore(opts.out);
  const created = !existsSync(store.dir);
  await mkdir(store.dir, { recursive: true });
  try {
    return await runLocked(store, study, opts);
  } catch (e) {
    // Refused before any run (bad checkout, missing model, a failed preflight): leave no study behind.
    if (created && (!existsSync(store.planPath) || isPreflightError(e)))
      await rm(store.dir, { recursive: true, force: true });
    throw e;
  }
}

async function runLocked(
  store: StudyStore,
  study: LoadedStudy,
  opts: RunStudyOptions,
): Promise<RunStudyResult> {
  const acquired = await FileLock.acquire(store.lockPath, {
    purpose: "quicklearn run",
    onLost: () => opts.executor.stop(false),
    processes: () => opts.executor.pids?.() ?? [],
  });
  if (!acquired.ok)
    throw new UserError(
      `${opts.out} is in use by ${describeHolder(acquired.holder)}`,
      "wait for it to finish or stop it (Ctrl-C); a crashed holder's lock expires by itself (at once on the same host)",
    );
  try {
    const design = opts.rounds?.design;
    let prepared = await prepareStudy(store, study, { ...opts, design });
    if (opts.preflight) {
      const findings = await preflight(store, opts.preflight);
      if (findings.some((f) => !f.ok))
        throw new PreflightError(
          findings,
          `quicklearn check ${opts.out} lists every check; fix these, or pass --no-check to run anyway`,
        );
    }
    opts.onExecutor?.(opts.executor);
    let summary = await execute(store, prepared, opts);
    // A growing study: another round while every run so far is done and the caller asks for one.
    while (opts.rounds && !summary.stopped && summary.failed.length === 0 && summary.notRun === 0) {
      const more = await opts.rounds.next(store);
      prepared = await prepareStudy(store, study, { ...opts, design });
      if (!more) break;
      summary = await execute(store, prepared, opts);
    }
    const results = await writeResults(store);
    return { prepared, summary, status: await store.summary(), results };
  } finally {
    await acquired.lock.release();
  }
}

async function execute(
  store: StudyStore,
  prepared: Prepared,
  opts: RunStudyOptions,
): Promise<ExecutionSummary> {
  const view = opts.events?.(prepared.plan.runs.length, prepared.done.size, workLeft(prepared));
  for (const note of prepared.notes) view?.note?.(note);
  try {
    return await opts.executor.execute({
      store,
      runs: executionRuns(prepared.plan),
      done: prepared.done,
      retries: opts.retries,
      events: view,
    });
  } finally {
    view?.stop?.();
  }
}

/** The work of each run not done yet (what the progress view's ETA weighs runs by). */
function workLeft(prepared: Prepared): Map<string, RunWork> {
  const sizes = prepared.context.plan.testSizes;
  return new Map(
    prepared.plan.runs.filter((r) => !prepared.done.has(r.id)).map((r) => [r.id, runWork(r, sizes)]),
  );
}
