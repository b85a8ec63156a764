import type { ExecutionJob, ExecutionSummary, Executor } from "../executor.js";
import { isMtlSetting } from "../mtl.js";
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

  /** `onSubmitted` reports what was submitted (the CLI prints it); the executor itself prints nothing. */
  constructor(
    private readonly opts: SubmitOptions,
    private readonly onSubmitted: (result: SubmitResult, studyDir: string) => void = () => {},
  ) {}

  async execute(job: ExecutionJob): Promise<ExecutionSummary> {
    const mtl = this.opts.mtlProcesses !== undefined;
    const runs = job.runs.map((r) => ({
      id: r.id,
      depends_on: r.depends_on,
      model: r.group,
      mtl: mtl && isMtlSetting(r.setting),
    }));
    const workerArgs = [...(this.opts.workerArgs ?? []), "--retries", String(job.retries)];
    this.submitted = await submitStudy(job.store.dir, runs, { ...this.opts, workerArgs, done: job.done });
    this.onSubmitted(this.submitted, job.store.dir);
    return { done: 0, failed: [], notRun: this.submitted.submitted, stopped: false };
  }

  stop(): void {}
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
