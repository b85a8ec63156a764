import { UserError } from "../../util/errors.js";
import type { ArrayJobPlan } from "./plan-jobs.js";

/** Resource and scheduling flags given on `quicklearn run --executor slurm`. */
export interface SlurmOptions {
  partition?: string;
  account?: string;
  /** Generic resources per array task, e.g. "gpu:1". */
  gres?: string;
  /** Wall-clock limit per array task: [D-]HH:MM:SS or MM:SS. */
  time?: string;
  /** Most array tasks of one job running at once (the `%N` of `--array`). */
  arrayParallelism?: number;
  cpusPerTask?: number;
  /** Memory per node, e.g. "32G". */
  mem?: string;
  /** Runs per array task for runs nobody depends on (default 1). */
  runsPerTask?: number;
}

/** What every array task runs: the worker command and where the study lives. */
export interface ScriptContext {
  /** Absolute study directory, shared between the submitting machine and the compute nodes. */
  studyDir: string;
  /** Short study name for job names. */
  studyName: string;
  /** argv of the quicklearn CLI on the compute nodes, e.g. [node, /path/bin/quicklearn.js]. */
  quicklearn: readonly string[];
  /** Extra environment for the worker (KEY=VALUE pairs written into the script). */
  env?: Readonly<Record<string, string>>;
  /** Extra arguments of `quicklearn worker`, e.g. ["--cpu"]. */
  workerArgs?: readonly string[];
}

const TIME = /^(?:\d+-)?(?:\d{1,2}:)?\d{1,2}:\d{2}$|^\d+$/;
const SAFE_NAME = /^[A-Za-z0-9._:=,+-]+$/;

export function validateSlurmOptions(o: SlurmOptions): void {
  for (const [flag, v] of [
    ["--partition", o.partition],
    ["--account", o.account],
    ["--gres", o.gres],
    ["--mem", o.mem],
  ] as const) {
    if (v !== undefined && !SAFE_NAME.test(v))
      throw new UserError(`${flag} "${v}": only letters, digits and ._:=,+- are allowed`);
  }
  if (o.time !== undefined && !TIME.test(o.time)) {
    throw new UserError(
      `--time "${o.time}": expected HH:MM:SS, MM:SS, D-HH:MM:SS or minutes (e.g. 04:00:00)`,
    );
  }
  for (const [flag, v] of [
    ["--array-parallelism", o.arrayParallelism],
    ["--cpus-per-task", o.cpusPerTask],
    ["--runs-per-task", o.runsPerTask],
  ] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1))
      throw new UserError(`${flag} ${v}: expected a positive integer`);
  }
}

/** The `--dependency` value for a job, given the SLURM job ids of the jobs it waits for (by key). */
export function dependencyFor(job: ArrayJobPlan, jobIds: ReadonlyMap<string, string>): string | null {
  if (job.after.length === 0) return null;
  return (
    "afterok:" +
    job.after
      .map((t) => {
        const id = jobIds.get(t.job);
        if (id === undefined) throw new Error(`job ${job.key} waits for ${t.job}, which has no job id yet`);
        return `${id}_${t.task}`;
      })
      .join(":")
  );
}

/**
 * The sbatch script of one array job. Everything SLURM needs is in #SBATCH lines, so the recorded script is
 * exactly what ran. Jobs are requeueable and append to their log, so a preempted or requeued task keeps its
 * earlier output; the worker it starts skips finished runs and resumes interrupted ones from their checkpoint.
 */
export function renderSbatchScript(
  job: ArrayJobPlan,
  ctx: ScriptContext,
  opts: SlurmOptions,
  dependency: string | null,
): string {
  if (job.tasks.length === 0) throw new Error(`job ${job.key} has no tasks`);
  // #SBATCH lines are not shell-parsed: a path with blanks or % (a filename pattern) cannot be written there.
  if (/[\s%]/.test(ctx.studyDir)) {
    throw new UserError(
      `study directory "${ctx.studyDir}": SLURM cannot take a path with spaces or "%"`,
      "choose another --out",
    );
  }
  const array = `0-${job.tasks.length - 1}` + (opts.arrayParallelism ? `%${opts.arrayParallelism}` : "");
  const directives: [string, string | undefined][] = [
    ["job-name", `ql-${ctx.studyName}-${job.key}`],
    ["array", array],
    ["partition", opts.partition],
    ["account", opts.account],
    ["gres", opts.gres],
    ["time", opts.time],
    ["cpus-per-task", opts.cpusPerTask?.toString()],
    ["mem", opts.mem],
    ["dependency", dependency ?? undefined],
    ["chdir", ctx.studyDir],
    ["output", `${ctx.studyDir}/slurm/logs/${job.key}_%A_%a.log`],
  ];
  const lines = ["#!/bin/bash"];
  for (const [k, v] of directives) if (v !== undefined) lines.push(`#SBATCH --${k}=${v}`);
  // Requeueable, appending to the same log across restarts; if a dependency fails, dependants are cancelled
  // at once rather than left pending forever (a later submission picks their runs up again).
  lines.push("#SBATCH --requeue", "#SBATCH --open-mode=append", "#SBATCH --kill-on-invalid-dep=yes");
  const nRuns = job.tasks.reduce((n, t) => n + t.length, 0);
  lines.push(
    `# quicklearn study ${ctx.studyName}: job ${job.key}, dependency level ${job.level}, ${nRuns} run(s) in ${job.tasks.length} array task(s)`,
    "set -euo pipefail",
    'case "$SLURM_ARRAY_TASK_ID" in',
    ...job.tasks.map((ids, i) => `  ${i}) runs=${ids.join(",")} ;;`),
    '  *) echo "quicklearn: array task $SLURM_ARRAY_TASK_ID has no runs" >&2; exit 1 ;;',
    "esac",
  );
  for (const [k, v] of Object.entries(ctx.env ?? {})) lines.push(`export ${k}=${shellQuote(v)}`);
  lines.push(
    'echo "quicklearn: job ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID} (id ${SLURM_JOB_ID}, restart ${SLURM_RESTART_COUNT:-0}) on $(hostname) at $(date -Is): runs $runs" >&2',
    `exec ${ctx.quicklearn.map(shellQuote).join(" ")} worker --study ${shellQuote(ctx.studyDir)} --runs "$runs"` +
      (ctx.workerArgs ?? []).map((a) => " " + shellQuote(a)).join(""),
  );
  return lines.join("\n") + "\n";
}

export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}
