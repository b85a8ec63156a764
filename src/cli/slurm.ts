import { Option, type Command, type OptionValues } from "@commander-js/extra-typings";
import { cancelStudy, slurmStudyStatus, type SlurmStudyStatus } from "../runner/slurm/status.js";
import { gresWithGpus, SlurmExecutor } from "../runner/slurm/executor.js";
import { validateSlurmOptions, type SlurmOptions } from "../runner/slurm/script.js";
import type { SubmitOptions, SubmitResult } from "../runner/slurm/submit.js";
import { resolve } from "node:path";
import { openStudy } from "../runner/index.js";
import { UserError } from "../util/errors.js";
import { example } from "./help.js";
import { formatTable, info, printJson } from "./output.js";
import { wholeNumber } from "./parse.js";

export { checkMultiNodeEnv, slurmMultiNode } from "../runner/slurm/script.js";

/**
 * The SLURM executor's command-line surface, kept here so the study commands (commands/study.ts)
 * wire it in with one call each: registerSlurmOptions on `run`, slurmExecutorFrom where `run` makes its
 * executor, slurmStatusSection inside `status`, registerCancelCommand on the program.
 */

/** `quicklearn cancel DIR`: scancel every queued or running job of the study. */
export function registerCancelCommand(program: Command): void {
  program
    .command("cancel")
    .description("cancel a study's SLURM jobs (recorded in DIR/slurm/jobs.json); finished runs stay done")
    .argument("<dir>", "the study directory")
    .option("--json", "print the result as JSON")
    .addHelpText("after", example("cancel studies/s1"))
    .action(async (dir: string, o: { json?: boolean }) => {
      const r = await cancelStudy(dir);
      if (!r)
        throw new UserError(
          `${dir}: no SLURM jobs recorded (no slurm/jobs.json)`,
          "only studies run with --executor slurm can be cancelled this way",
        );
      if (o.json) printJson(r);
      else
        info(
          r.cancelled.length
            ? `cancelled SLURM job(s) ${r.cancelled.join(", ")}`
            : "no queued or running SLURM jobs",
        );
    });
}

/** For `quicklearn status`: SLURM's view (JSON value and text), or null when the study never used SLURM. */
export async function slurmStatusSection(
  studyDir: string,
): Promise<{ json: SlurmStudyStatus; text: string } | null> {
  const s = await slurmStudyStatus(studyDir);
  return s ? { json: s, text: formatSlurmStatus(s) } : null;
}

export function formatSlurmStatus(s: SlurmStudyStatus): string {
  const rows = s.jobs.map((j) => [
    j.job_id,
    j.key,
    j.submitted.replace("T", " ").replace(/\.\d+Z$/, "Z"),
    j.tasks,
    Object.entries(j.states)
      .map(([st, n]) => `${st.toLowerCase()} ${n}`)
      .join(", "),
  ]);
  let text = "SLURM jobs\n" + formatTable(["job", "key", "submitted", "tasks", "states"], rows);
  const waiting = s.tasks.filter((t) => t.state === "PENDING" && t.detail && t.detail !== "None");
  for (const t of waiting.slice(0, 5)) text += `\n  ${t.job_id}_${t.task} pending: ${t.detail}`;
  if (s.sacct_unavailable) text += `\n  (sacct: ${s.sacct_unavailable}; states from squeue only)`;
  return text;
}

/** Options registerSlurmOptions adds, as commander parses them: the SLURM flags plus the executor choice. */
export interface SlurmCliOptions extends SlurmOptions {
  executor?: string;
  dryRun?: boolean;
}

/** Adds --executor and the SLURM flags to a command (typed loosely: read them back with slurmOptionsFrom). */
export function registerSlurmOptions<C extends Command<unknown[], OptionValues, OptionValues>>(cmd: C): C {
  cmd
    .addOption(
      new Option("--executor <kind>", "where runs execute: local, or slurm (job arrays via sbatch)")
        .choices(["local", "slurm"])
        .default("local"),
    )
    .addOption(new Option("--partition <name>", "slurm: partition to submit to"))
    .addOption(new Option("--account <name>", "slurm: account to charge"))
    .addOption(new Option("--gres <spec>", "slurm: generic resources per array task, e.g. gpu:1"))
    .addOption(new Option("--time <limit>", "slurm: wall-clock limit per array task, HH:MM:SS"))
    .addOption(
      new Option("--array-parallelism <n>", "slurm: most array tasks of a job running at once").argParser(
        wholeNumber("--array-parallelism", 1),
      ),
    )
    .addOption(
      new Option("--cpus-per-task <n>", "slurm: CPUs per array task").argParser(
        wholeNumber("--cpus-per-task", 1),
      ),
    )
    .addOption(new Option("--mem <size>", "slurm: memory per array task's node, e.g. 64G"))
    .addOption(
      new Option("--runs-per-task <n>", "slurm: runs per array task (default 1)").argParser(
        wholeNumber("--runs-per-task", 1),
      ),
    )
    .addOption(
      new Option(
        "--mtl-nodes <m>",
        "slurm: nodes per mtl/prefinetune run (with --mtl-processes N: N per node, srun + torchrun)",
      ).argParser(wholeNumber("--mtl-nodes", 1)),
    )
    .addOption(
      new Option(
        "--mtl-gres <spec>",
        "slurm: generic resources per mtl task (per node); default --gres with N GPUs, none with --cpu",
      ),
    )
    .addOption(new Option("--dry-run", "slurm: print the sbatch scripts, submit nothing"));
  return cmd;
}

const SLURM_ONLY: (keyof SlurmCliOptions)[] = [
  "partition",
  "account",
  "gres",
  "time",
  "arrayParallelism",
  "cpusPerTask",
  "mem",
  "runsPerTask",
  "mtlNodes",
  "mtlGres",
  "dryRun",
];

const flagOf = (key: string) => "--" + key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The SLURM flags as given (--dry-run aside), for a command the cluster runs later: the search's next round. */
export function slurmFlags(o: SlurmCliOptions): string[] {
  const given = SLURM_ONLY.filter((k) => k !== "dryRun" && o[k] !== undefined);
  return ["--executor", "slurm", ...given.flatMap((k) => [flagOf(k), String(o[k])])];
}

/** The submit options when `--executor slurm` was given, else null; SLURM flags without it are a mistake. */
export function slurmOptionsFrom(o: SlurmCliOptions): SubmitOptions | null {
  if (o.executor !== "slurm") {
    const stray = SLURM_ONLY.filter((k) => o[k] !== undefined);
    if (stray.length > 0) throw new UserError(`${flagOf(stray[0]!)} only applies with --executor slurm`);
    return null;
  }
  return {
    partition: o.partition,
    account: o.account,
    gres: o.gres,
    time: o.time,
    arrayParallelism: o.arrayParallelism,
    cpusPerTask: o.cpusPerTask,
    mem: o.mem,
    runsPerTask: o.runsPerTask,
    mtlNodes: o.mtlNodes,
    mtlGres: o.mtlGres,
    dryRun: o.dryRun,
  };
}

/**
 * The executor for `run` when `--executor slurm` was given, else null. `run`'s own --cpu is passed on to
 * every `quicklearn worker`; its local pool flags mean nothing on a cluster. With --mtl-processes N the mtl
 * arrays ask for --mtl-gres, by default --gres with N GPUs (gpu:N without --gres; nothing with --cpu).
 */
export function slurmExecutorFrom(
  o: SlurmCliOptions,
  run: {
    cpu?: boolean;
    check?: boolean;
    gpus?: unknown;
    maxParallel?: unknown;
    mtlProcesses?: number;
    mtlParallel?: string;
    /** `quicklearn` arguments of a job after each submission (a searched study's next round). */
    followUp?: string[];
  },
): SlurmExecutor | null {
  const opts = slurmOptionsFrom(o);
  if (!opts) return null;
  if (run.gpus !== undefined)
    throw new UserError("--gpus is for local runs; with --executor slurm ask for GPUs with --gres gpu:N");
  if (run.maxParallel !== undefined)
    throw new UserError("--max-parallel is for local runs; with --executor slurm use --array-parallelism N");
  const n = run.mtlProcesses;
  if (n === undefined && (opts.mtlNodes !== undefined || opts.mtlGres !== undefined))
    throw new UserError(
      `--${opts.mtlNodes !== undefined ? "mtl-nodes" : "mtl-gres"} only applies with --mtl-processes N`,
    );
  const mtl =
    n === undefined
      ? {}
      : {
          mtlProcesses: n,
          mtlParallel: run.mtlParallel ?? "ddp",
          mtlGres: opts.mtlGres ?? (run.cpu ? undefined : gresWithGpus(opts.gres, n)),
        };
  const submit = { ...opts, ...mtl, followUp: run.followUp };
  validateSlurmOptions(submit); // now, before the study is prepared, not after a long data build
  // run --no-check skips the workers' check of their node too.
  const workerArgs = [...(run.cpu ? ["--cpu"] : []), ...(run.check === false ? ["--no-check"] : [])];
  return new SlurmExecutor({ ...submit, workerArgs }, (result, dir) =>
    printSubmission(result, dir, Boolean(submit.dryRun)),
  );
}

/** The `run` flags that a searched study's next round repeats on the cluster. */
interface RunFlags extends SlurmCliOptions {
  preset?: string;
  superni?: string;
  retries: number;
  cpu?: boolean;
  check: boolean;
  mtlProcesses?: number;
  mtlParallel?: string;
}

/**
 * `run` as a searched study's follow-up job runs it once a round's arrays have ended: the same study,
 * directory and flags, with absolute paths (the job starts in the study directory), and --after-round.
 */
export function nextRoundArgs(file: string | undefined, dir: string, o: RunFlags): string[] {
  const mtl = o.mtlProcesses === undefined ? [] : ["--mtl-processes", String(o.mtlProcesses)];
  return [
    "run",
    ...(o.preset ? ["--preset", o.preset] : [resolve(file!)]),
    resolve(dir),
    ...(o.superni ? ["--superni", resolve(o.superni)] : []),
    "--retries",
    String(o.retries),
    ...(o.cpu ? ["--cpu"] : []),
    ...(o.check ? [] : ["--no-check"]),
    ...mtl,
    ...(o.mtlParallel ? ["--mtl-parallel", o.mtlParallel] : []),
    ...slurmFlags(o),
    "--after-round",
  ];
}

/**
 * The follow-up job goes on only when every run of the round is done: it never resubmits a failed run by
 * itself (that would retry forever); the user looks, fixes, and runs the same command again.
 */
export async function refuseUnfinishedRound(dir: string): Promise<void> {
  const s = await (await openStudy(dir)).summary();
  const unfinished = s.total - s.done;
  if (unfinished === 0) return;
  const example = s.failures[0] ? `, e.g. ${s.failures[0].id}: ${s.failures[0].error}` : "";
  throw new UserError(
    `${dir}: ${unfinished} run(s) of the last round did not finish (${s.failed} failed${example}, ${unfinished - s.failed} not run); the search waits`,
    `see quicklearn status ${dir}; quicklearn run ... --executor slurm again resubmits them and the search goes on`,
    1,
  );
}

/** What a submission did: with --dry-run the sbatch scripts on stdout, otherwise the job ids. */
function printSubmission(result: SubmitResult, studyDir: string, dryRun: boolean): void {
  if (result.jobs.length === 0) {
    info(`all ${result.done} runs are done: nothing to submit`);
    return;
  }
  if (dryRun) {
    for (const j of result.jobs)
      process.stdout.write(`# ---- job ${j.key} (sbatch script) ----\n${j.script}\n`);
    info(
      `dry run: ${result.jobs.length} array job(s), ${result.submitted} run(s); ${result.done} done already; nothing submitted`,
    );
    return;
  }
  const rows = result.jobs.map((j) => [
    j.job_id ?? "",
    j.key,
    j.tasks.length,
    j.tasks.flat().length,
    j.dependency ?? "-",
  ]);
  info(formatTable(["job", "key", "tasks", "runs", "dependency"], rows));
  info(
    `submitted ${result.submitted} run(s) in ${result.jobs.length} array job(s) (${result.done} done already); ` +
      `follow with: quicklearn status ${studyDir}`,
  );
}
