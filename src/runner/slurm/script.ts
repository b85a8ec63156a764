import { torchrunArgs, type MultiNode, type Rendezvous } from "../../engine/launch.js";
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
  /** run's --mtl-processes: mtl and prefinetune runs go into arrays of their own, N processes per node. */
  mtlProcesses?: number;
  /** run's --mtl-parallel (ddp | fsdp), passed on to the mtl workers. */
  mtlParallel?: string;
  /** Nodes per mtl task (default 1): `--nodes M --ntasks-per-node 1`, one torchrun per node via srun. */
  mtlNodes?: number;
  /** Generic resources per mtl task (per node); slurmExecutorFrom derives it from --gres and N. */
  mtlGres?: string;
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
  /** The engine's Python on the compute nodes (shown in an mtl array's srun line). */
  python?: string;
}

const TIME = /^(?:\d+-)?(?:\d{1,2}:)?\d{1,2}:\d{2}$|^\d+$/;
const SAFE_NAME = /^[A-Za-z0-9._:=,+-]+$/;

export function validateSlurmOptions(o: SlurmOptions): void {
  for (const [flag, v] of [
    ["--partition", o.partition],
    ["--account", o.account],
    ["--gres", o.gres],
    ["--mem", o.mem],
    ["--mtl-gres", o.mtlGres],
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
    ["--mtl-processes", o.mtlProcesses],
    ["--mtl-nodes", o.mtlNodes],
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
  checkStudyDir(ctx.studyDir);
  const array = `0-${job.tasks.length - 1}` + (opts.arrayParallelism ? `%${opts.arrayParallelism}` : "");
  const mtl = job.mtl ? mtlTask(ctx, opts) : null;
  const directives: [string, string | undefined][] = [
    ["job-name", `ql-${ctx.studyName}-${job.key}`],
    ["array", array],
    ["partition", opts.partition],
    ["account", opts.account],
    ["nodes", mtl?.nodes],
    ["ntasks-per-node", mtl?.nodes && "1"],
    ["gres", mtl ? opts.mtlGres : opts.gres],
    ["time", opts.time],
    ["cpus-per-task", opts.cpusPerTask?.toString()],
    ["mem", opts.mem],
    ["dependency", dependency ?? undefined],
    ["chdir", ctx.studyDir],
    ["output", `${ctx.studyDir}/slurm/logs/${job.key}_%A_%a.log`],
  ];
  const lines = sbatchHeader(directives);
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
  if (mtl?.srun) lines.push(...mtl.srun);
  lines.push(
    'echo "quicklearn: job ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID} (id ${SLURM_JOB_ID}, restart ${SLURM_RESTART_COUNT:-0}) on $(hostname) at $(date -Is): runs $runs" >&2',
    `exec ${ctx.quicklearn.map(shellQuote).join(" ")} worker --study ${shellQuote(ctx.studyDir)} --runs "$runs"` +
      [...(ctx.workerArgs ?? []), ...(mtl?.workerArgs ?? [])].map((a) => " " + shellQuote(a)).join(""),
  );
  return lines.join("\n") + "\n";
}

/**
 * The sbatch script of a follow-up job: one plain task that runs `quicklearn ARGS` on the submitting
 * machine's checkout once every job of a submission has ended, however it ended (`afterany`): the adaptive
 * search's next round is planned there, so no process has to stay alive between rounds. It asks for no GPU
 * (it fits curves and submits jobs); the partition, account, time, CPUs and memory are the arrays' own.
 */
export function renderFollowUpScript(
  key: string,
  ctx: ScriptContext,
  opts: SlurmOptions,
  dependency: string,
  args: readonly string[],
): string {
  checkStudyDir(ctx.studyDir);
  const directives: [string, string | undefined][] = [
    ["job-name", `ql-${ctx.studyName}-${key}`],
    ["partition", opts.partition],
    ["account", opts.account],
    ["time", opts.time],
    ["cpus-per-task", opts.cpusPerTask?.toString()],
    ["mem", opts.mem],
    ["dependency", dependency],
    ["chdir", ctx.studyDir],
    ["output", `${ctx.studyDir}/slurm/logs/${key}_%j.log`],
  ];
  const lines = sbatchHeader(directives);
  // Requeueable like the arrays: what it runs is idempotent (a run that is done is never run again).
  lines.push("#SBATCH --requeue", "#SBATCH --open-mode=append");
  lines.push(
    `# quicklearn study ${ctx.studyName}: ${key}, after every job of its submission`,
    "set -euo pipefail",
  );
  for (const [k, v] of Object.entries(ctx.env ?? {})) lines.push(`export ${k}=${shellQuote(v)}`);
  lines.push(
    `echo "quicklearn: ${key} job \${SLURM_JOB_ID} on $(hostname) at $(date -Is)" >&2`,
    `exec ${[...ctx.quicklearn, ...args].map(shellQuote).join(" ")}`,
  );
  return lines.join("\n") + "\n";
}

function sbatchHeader(directives: readonly [string, string | undefined][]): string[] {
  const given = directives.filter(([, v]) => v !== undefined);
  return ["#!/bin/bash", ...given.map(([k, v]) => `#SBATCH --${k}=${v}`)];
}

/** #SBATCH lines are not shell-parsed: a path with blanks or % (a filename pattern) cannot be written there. */
function checkStudyDir(studyDir: string): void {
  if (/[\s%]/.test(studyDir))
    throw new UserError(
      `study directory "${studyDir}": SLURM cannot take a path with spaces or "%"`,
      "choose another --out",
    );
}

/**
 * What an mtl array's tasks add: the worker's --mtl flags and, on several nodes, the allocation shape and the
 * rendezvous address (the job's first node, where the worker runs) with the srun line the worker will start,
 * shown as a comment so that --dry-run says exactly what runs.
 */
function mtlTask(
  ctx: ScriptContext,
  opts: SlurmOptions,
): { workerArgs: string[]; nodes?: string; srun?: string[] } {
  const n = opts.mtlProcesses;
  if (n === undefined) throw new Error("an mtl array needs mtlProcesses");
  const nodes = opts.mtlNodes ?? 1;
  const workerArgs = ["--mtl-processes", String(n), "--mtl-parallel", opts.mtlParallel ?? "ddp"];
  if (nodes === 1) return { workerArgs };
  const device = ctx.workerArgs?.includes("--cpu") ? "cpu" : "auto";
  const spec = "runs/<run>/quicklearn-launch-*/spec.json";
  const torchrun = [ctx.python ?? "python", ...torchrunArgs(spec, n, device, SLURM_RENDEZVOUS(nodes))];
  const srun = srunTorchrun(nodes, torchrun, opts.cpusPerTask);
  return {
    workerArgs: [...workerArgs, "--mtl-nodes", String(nodes)],
    nodes: String(nodes),
    srun: [
      'export MASTER_ADDR="$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -1)"',
      "export MASTER_PORT=$((20000 + SLURM_JOB_ID % 20000))",
      `# each run: ${srun.slice(0, -1).join(" ")} ${shellQuote(srun.at(-1)!)}`,
    ],
  };
}

export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * One mtl run on several nodes (`--mtl-nodes M`, docs/engine.md "Several nodes"): the worker in the array
 * task's batch step starts `srun`, which runs one torchrun per node of the allocation, meeting at rank 0's
 * node, `$MASTER_ADDR:$MASTER_PORT`, which the sbatch script exports (the job's first node, where the batch
 * step and so the worker run). `bash -c` makes each node expand `$SLURM_NODEID` itself. Only global rank 0
 * prints on stdout, so srun's stdout carries the run's events, as torchrun's does on one machine.
 */
export const SLURM_RENDEZVOUS = (nodes: number): Rendezvous => ({
  nodes,
  nodeRank: "$SLURM_NODEID",
  masterAddr: "$MASTER_ADDR",
  masterPort: "$MASTER_PORT",
});

/** The srun line that starts `torchrun` (a command, Python first, with SLURM_RENDEZVOUS) on every node. */
export function srunTorchrun(
  nodes: number,
  torchrun: readonly string[],
  cpusPerTask?: number | string,
): string[] {
  // The rendezvous values are shell references each node expands; every other word is quoted as it is.
  const words = torchrun.map((a) =>
    /^--\w+=\$\w+$/.test(a) ? a.replace(/=(\$\w+)$/, '="$1"') : shellQuote(a),
  );
  return [
    "srun",
    `--nodes=${nodes}`,
    `--ntasks=${nodes}`,
    "--ntasks-per-node=1",
    // srun no longer takes the job's --cpus-per-task by itself (Slurm 22.05): without it, a node's N ranks
    // could be bound to one CPU.
    ...(cpusPerTask ? [`--cpus-per-task=${cpusPerTask}`] : []),
    // One node's torchrun failing ends the step at once, rather than leaving the others in the rendezvous.
    "--kill-on-bad-exit=1",
    "bash",
    "-c",
    `exec ${words.join(" ")}`,
  ];
}

/** How a worker inside an mtl array task of M nodes runs an mtl run (runDistributed's multiNode option). */
export function slurmMultiNode(nodes: number, specDir: string): MultiNode {
  checkMultiNodeEnv();
  return {
    rendezvous: SLURM_RENDEZVOUS(nodes),
    specDir,
    wrap: (torchrun) => srunTorchrun(nodes, torchrun, process.env.SLURM_CPUS_PER_TASK),
  };
}

/** The variables srunTorchrun's command needs, set by the mtl array's sbatch script: a clear error elsewhere. */
export function checkMultiNodeEnv(env: NodeJS.ProcessEnv = process.env): void {
  const missing = ["SLURM_JOB_ID", "MASTER_ADDR", "MASTER_PORT"].filter((k) => !env[k]);
  if (missing.length > 0)
    throw new UserError(
      `--mtl-nodes needs a SLURM job of several nodes with ${missing.join(", ")} set`,
      "it is meant for the mtl array tasks that quicklearn run --executor slurm --mtl-nodes M submits",
    );
}
