import { formatTable, info, printJson } from "../../cli/output.js";
import { UserError } from "../../util/errors.js";
import type { ExecutionJob, ExecutionSummary, Executor } from "../executor.js";
import { isMtlSetting } from "../mtl.js";
import { slurmOptionsFrom, type SlurmCliOptions } from "./options.js";
import type { SlurmRunRef } from "./plan-jobs.js";
import { validateSlurmOptions } from "./script.js";
import { submitStudy, type SubmitOptions, type SubmitResult } from "./submit.js";

/**
 * The SLURM executor: `execute` submits the study's unfinished runs as array jobs and returns at once; the
 * array tasks run `quicklearn worker` on their runs and write into the (shared) study directory, which
 * `quicklearn status` reads, together with squeue/sacct. Nothing runs in this process, so stop() has
 * nothing to interrupt.
 */
export class SlurmExecutor implements Executor {
  readonly name = "slurm";
  /** What the last execute() submitted (null before). */
  submitted: SubmitResult | null = null;

  constructor(private readonly opts: SubmitOptions) {}

  async execute(job: ExecutionJob): Promise<ExecutionSummary> {
    const mtl = this.opts.mtlProcesses !== undefined;
    const runs = job.runs.map((r) => ({
      id: r.id,
      depends_on: r.depends_on,
      model: r.group,
      mtl: mtl && isMtlSetting(r.setting),
    }));
    const workerArgs = [...(this.opts.workerArgs ?? []), "--retries", String(job.retries)];
    this.submitted = await runOnSlurm(job.store.dir, runs, { ...this.opts, workerArgs, done: job.done });
    return { done: 0, failed: [], notRun: this.submitted.submitted, stopped: false };
  }

  stop(): void {}
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
    gpus?: unknown;
    maxParallel?: unknown;
    mtlProcesses?: number;
    mtlParallel?: string;
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
  const submit = { ...opts, ...mtl };
  validateSlurmOptions(submit); // now, before the study is prepared, not after a long data build
  return new SlurmExecutor({ ...submit, workerArgs: run.cpu ? ["--cpu"] : [] });
}

/** `--gres` with its GPU count set to n (gpu:a100:1 -> gpu:a100:4, gpu -> gpu:4), or gpu:n added. */
export function gresWithGpus(gres: string | undefined, n: number): string {
  const parts = gres ? gres.split(",") : [];
  const i = parts.findIndex((p) => p === "gpu" || p.startsWith("gpu:"));
  if (i < 0) return [...parts, `gpu:${n}`].join(",");
  const fields = parts[i]!.split(":");
  if (fields.length > 1 && /^\d+$/.test(fields.at(-1)!)) fields.pop();
  parts[i] = [...fields, String(n)].join(":");
  return parts.join(",");
}

/**
 * Submit a prepared study directory's runs and report: with --dry-run the scripts go to stdout (or the
 * JSON document), otherwise the job ids. Returns the result for callers that go on (tests).
 */
export async function runOnSlurm(
  studyDir: string,
  runs: readonly SlurmRunRef[],
  opts: SubmitOptions,
  output: { json?: boolean } = {},
): Promise<SubmitResult> {
  const result = await submitStudy(studyDir, runs, opts);
  if (output.json) {
    printJson({ executor: "slurm", dry_run: Boolean(opts.dryRun), ...result });
    return result;
  }
  if (result.jobs.length === 0) {
    info(`all ${result.done} runs are done: nothing to submit`);
    return result;
  }
  if (opts.dryRun) {
    for (const j of result.jobs)
      process.stdout.write(`# ---- job ${j.key} (sbatch script) ----\n${j.script}\n`);
    info(
      `dry run: ${result.jobs.length} array job(s), ${result.submitted} run(s); ${result.done} done already; nothing submitted`,
    );
    return result;
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
  return result;
}
