import { mkdir } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { UserError } from "../../util/errors.js";
import { writeFileAtomic } from "../../util/fs.js";
import { projectRoot, venvPython } from "../../util/paths.js";
import { sbatch, squeue } from "./commands.js";
import { isActive } from "./parse.js";
import { planArrayJobs, type ArrayJobPlan, type SlurmRunRef } from "./plan-jobs.js";
import {
  dependencyFor,
  renderFollowUpScript,
  renderSbatchScript,
  validateSlurmOptions,
  type SlurmOptions,
} from "./script.js";
import { allJobIds, readJobs, saveSubmission, SLURM_DIR, type Submission } from "./store.js";
import { StudyStore } from "../store/index.js";

export interface SubmitOptions extends SlurmOptions {
  /** Print-only: render the scripts, submit nothing, write nothing. */
  dryRun?: boolean;
  /** argv of the quicklearn CLI on the compute nodes (default: this Node and this checkout's bin/quicklearn.js). */
  quicklearn?: readonly string[];
  /** Extra environment for the workers. */
  env?: Readonly<Record<string, string>>;
  /** Extra arguments of `quicklearn worker` (e.g. --cpu, --retries 1). */
  workerArgs?: readonly string[];
  /** Runs known done (verified by the caller); by default read from each run's state.json. */
  done?: ReadonlySet<string>;
  /**
   * Arguments of `quicklearn` for a job that runs once every array job of the submission has ended
   * (afterany), e.g. `run ... --after-round` for an adaptive search's next round; none when nothing is submitted.
   */
  followUp?: readonly string[];
}

export interface SubmittedArrayJob {
  key: string;
  /** SLURM job id; null in a dry run. */
  job_id: string | null;
  level: number;
  tasks: string[][];
  dependency: string | null;
  script: string;
}

export interface SubmitResult {
  jobs: SubmittedArrayJob[];
  /** Runs not submitted because the study directory says they are done. */
  done: number;
  /** Runs submitted (or that would be, in a dry run). */
  submitted: number;
}

/**
 * Submits a prepared study's unfinished runs to SLURM as array jobs (see plan-jobs.ts), each job waiting for
 * the array tasks that hold its runs' dependencies. Refuses while jobs of an earlier submission are still
 * queued or running, so two sets of workers never compete for the same runs.
 */
export async function submitStudy(
  studyDir: string,
  runs: readonly SlurmRunRef[],
  opts: SubmitOptions = {},
): Promise<SubmitResult> {
  const dir = resolve(studyDir);
  validateSlurmOptions(opts);
  const done = opts.done ?? (await finishedRuns(dir, runs));
  const plan = planArrayJobs(runs, { done, runsPerTask: opts.runsPerTask });
  const ctx = {
    studyDir: dir,
    studyName: jobNamePart(basename(dir)),
    quicklearn: opts.quicklearn ?? thisQuicklearn(),
    env: opts.env,
    workerArgs: opts.workerArgs,
    python: venvPython(),
  };
  const submitted = plan.reduce((n, j) => n + j.tasks.flat().length, 0);

  // One plain task with no runs, after every array job of this submission has ended.
  const followUp = (ids: ReadonlyMap<string, string>) => {
    const dependency = "afterany:" + plan.map((j) => ids.get(j.key)!).join(":");
    const level = Math.max(...plan.map((j) => j.level)) + 1;
    const script = renderFollowUpScript(FOLLOW_UP, ctx, opts, dependency, opts.followUp!);
    return { key: FOLLOW_UP, level, tasks: [[]], dependency, script };
  };
  const withFollowUp = opts.followUp !== undefined && plan.length > 0;

  if (opts.dryRun) {
    const placeholders = new Map(plan.map((j) => [j.key, `<job ${j.key}>`]));
    const jobs = plan.map((j) => {
      const dependency = dependencyFor(j, placeholders);
      return { ...summary(j, null, dependency), script: renderSbatchScript(j, ctx, opts, dependency) };
    });
    if (withFollowUp) {
      const f = followUp(placeholders);
      jobs.push({ ...summary(f, null, f.dependency), script: f.script });
    }
    return { jobs, done: done.size, submitted };
  }

  await refuseWhileActive(dir);
  // SLURM opens the --output file before the script runs: a missing folder fails the task at launch.
  await mkdir(join(dir, SLURM_DIR, "logs"), { recursive: true });
  const submission: Submission = {
    submitted: new Date().toISOString(),
    options: recordedOptions(opts),
    jobs: [],
  };
  const stamp = submission.submitted.replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const ids = new Map<string, string>();
  const jobs: SubmittedArrayJob[] = [];
  for (const j of plan) {
    const dependency = dependencyFor(j, ids);
    const script = renderSbatchScript(j, ctx, opts, dependency);
    const scriptRel = join(SLURM_DIR, "scripts", `${stamp}-${j.key}.sbatch`);
    await writeFileAtomic(join(dir, scriptRel), script);
    const jobId = await sbatch(script);
    ids.set(j.key, jobId);
    submission.jobs.push({ ...summary(j, jobId, dependency), job_id: jobId, script: scriptRel });
    await saveSubmission(dir, submission);
    jobs.push({ ...summary(j, jobId, dependency), script });
  }
  if (withFollowUp) {
    const f = followUp(ids);
    const scriptRel = join(SLURM_DIR, "scripts", `${stamp}-${FOLLOW_UP}.sbatch`);
    await writeFileAtomic(join(dir, scriptRel), f.script);
    const jobId = await sbatch(f.script);
    submission.jobs.push({ ...summary(f, jobId, f.dependency), job_id: jobId, script: scriptRel });
    await saveSubmission(dir, submission);
    jobs.push({ ...summary(f, jobId, f.dependency), script: f.script });
  }
  return { jobs, done: done.size, submitted };
}

function summary(
  j: Pick<ArrayJobPlan, "key" | "level" | "tasks">,
  jobId: string | null,
  dependency: string | null,
) {
  return { key: j.key, job_id: jobId, level: j.level, tasks: j.tasks, dependency };
}

/** Runs whose state.json says done (cheap: the worker verifies their hashes before trusting that). */
export async function finishedRuns(studyDir: string, runs: readonly SlurmRunRef[]): Promise<Set<string>> {
  const store = new StudyStore(studyDir);
  const done = new Set<string>();
  for (const r of runs) {
    // A damaged state.json counts as not done: the worker decides.
    const state = await store.readState(r.id).catch(() => null);
    if (state?.status === "done") done.add(r.id);
  }
  return done;
}

/** The follow-up job's key (one plain task, no runs): it plans and submits the search's next round. */
export const FOLLOW_UP = "next-round";

async function refuseWhileActive(studyDir: string): Promise<void> {
  const jobs = await readJobs(studyDir);
  if (!jobs) return;
  // A follow-up job submitting the next round is itself still running: it does not count.
  const self = process.env.SLURM_JOB_ID;
  const active = (await squeue(allJobIds(jobs))).filter((t) => isActive(t.state) && t.job !== self);
  if (active.length === 0) return;
  const ids = [...new Set(active.map((t) => t.job))];
  throw new UserError(
    `${studyDir}: SLURM jobs of an earlier submission are still queued or running (${ids.join(", ")})`,
    `wait for them (quicklearn status ${studyDir}) or cancel them (quicklearn cancel ${studyDir}), then submit again`,
  );
}

function recordedOptions(o: SlurmOptions): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(o)) if (typeof v === "string" || typeof v === "number") out[k] = v;
  return out;
}

/**
 * The quicklearn that is submitting, as a command for the compute nodes: this Node with its loader flags
 * (e.g. `--import tsx` when run from source) and entry script, else this checkout's bin/quicklearn.js.
 * Bare loader names are resolved to absolute URLs: the job runs in the study directory, not here.
 */
export function thisQuicklearn(): string[] {
  const entry = process.argv[1];
  if (!entry || !/quicklearn[^/]*\.[cm]?[jt]s$/.test(entry))
    return [process.execPath, join(projectRoot, "bin", "quicklearn.js")];
  const execArgv = process.execArgv.map((a, i, all) =>
    all[i - 1] === "--import" && !/^[./]|^file:/.test(a) ? import.meta.resolve(a) : a,
  );
  return [process.execPath, ...execArgv, resolve(entry)];
}

function jobNamePart(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 40) || "study";
}
