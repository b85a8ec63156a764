import { resolve } from "node:path";
import { sacct, scancel, squeue } from "./commands.js";
import { isActive, type TaskState } from "./parse.js";
import { allJobIds, readJobs, type JobsFile } from "./store.js";

export interface SlurmTaskStatus {
  job_id: string;
  key: string;
  task: number;
  runs: string[];
  /** SLURM's state name, or UNKNOWN when neither squeue nor sacct remembers the task. */
  state: string;
  /** Pending reason (squeue) or exit code (sacct). */
  detail: string;
}

export interface SlurmStudyStatus {
  jobs: {
    key: string;
    job_id: string;
    submitted: string;
    level: number;
    tasks: number;
    states: Record<string, number>;
  }[];
  tasks: SlurmTaskStatus[];
  /** Tasks queued, running or about to run again. */
  active: number;
  /** Why sacct could not be asked (squeue's view was used alone), or null. */
  sacct_unavailable: string | null;
}

/**
 * SLURM's view of a study's jobs, from STUDY/slurm/jobs.json, squeue (what the controller knows now) and
 * sacct (what accounting remembers after the controller forgot). Null when the study never used SLURM.
 */
export async function slurmStudyStatus(studyDir: string): Promise<SlurmStudyStatus | null> {
  const jobs = await readJobs(resolve(studyDir));
  if (!jobs) return null;
  const ids = allJobIds(jobs);
  const [live, acct] = await Promise.all([squeue(ids), sacct(ids)]);
  return mergeStatus(jobs, live, acct.tasks, acct.unavailable);
}

/** Pure: squeue's live state wins over sacct's record for a task both know. */
export function mergeStatus(
  jobs: JobsFile,
  live: readonly TaskState[],
  acct: readonly TaskState[],
  sacctUnavailable: string | null,
): SlurmStudyStatus {
  const keyOf = (t: TaskState) => `${t.job}_${t.task ?? 0}`;
  const known = new Map<string, TaskState>();
  for (const t of acct) known.set(keyOf(t), t);
  for (const t of live) known.set(keyOf(t), t);

  const tasks: SlurmTaskStatus[] = [];
  const summary: SlurmStudyStatus["jobs"] = [];
  for (const s of jobs.submissions) {
    for (const j of s.jobs) {
      const states: Record<string, number> = {};
      j.tasks.forEach((runs, i) => {
        const t = known.get(`${j.job_id}_${i}`);
        const state = t?.state ?? "UNKNOWN";
        states[state] = (states[state] ?? 0) + 1;
        tasks.push({ job_id: j.job_id, key: j.key, task: i, runs, state, detail: t?.detail ?? "" });
      });
      summary.push({
        key: j.key,
        job_id: j.job_id,
        submitted: s.submitted,
        level: j.level,
        tasks: j.tasks.length,
        states,
      });
    }
  }
  return {
    jobs: summary,
    tasks,
    active: tasks.filter((t) => isActive(t.state)).length,
    sacct_unavailable: sacctUnavailable,
  };
}

export interface CancelResult {
  /** Job ids that still had queued or running tasks and were cancelled. */
  cancelled: string[];
}

/** Cancels every queued or running job of the study (finished ones are left alone). */
export async function cancelStudy(studyDir: string): Promise<CancelResult | null> {
  const jobs = await readJobs(resolve(studyDir));
  if (!jobs) return null;
  const live = await squeue(allJobIds(jobs));
  const active = [...new Set(live.filter((t) => isActive(t.state)).map((t) => t.job))];
  await scancel(active);
  return { cancelled: active };
}
