/**
 * Parsing what SLURM's commands print in their machine-readable modes (`sbatch --parsable`,
 * `squeue --noheader --format`, `sacct --parsable2 --noheader`). Pure functions; the formats they expect are
 * exported beside them so the caller asks for exactly what is parsed.
 */

/** One array task (or plain job) as SLURM reports it. */
export interface TaskState {
  /** The array's job id (SLURM_ARRAY_JOB_ID), or the job id of a plain job. */
  job: string;
  /** Array index, or null for a plain job. */
  task: number | null;
  /** Long state name: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, PREEMPTED, REQUEUED, ... */
  state: string;
  /** Why a pending job waits (squeue), or the exit code "code:signal" (sacct); "" when not given. */
  detail: string;
}

/** `sbatch --parsable` prints "jobid" or "jobid;cluster". */
export function parseSbatchParsable(stdout: string): string {
  const line = stdout.trim().split("\n").pop() ?? "";
  const id = line.split(";")[0]!.trim();
  if (!/^\d+$/.test(id)) throw new Error(`sbatch printed no job id: ${JSON.stringify(stdout.trim())}`);
  return id;
}

/** squeue fields: array job id (%F), array index (%K: N/A for plain jobs), state (%T), reason (%r). */
export const SQUEUE_FORMAT = "%F|%K|%T|%r";

export function parseSqueue(stdout: string): TaskState[] {
  const out: TaskState[] = [];
  for (const line of lines(stdout)) {
    const [job, index, state, reason] = line.split("|");
    if (!job || !state) throw new Error(`squeue: unexpected line ${JSON.stringify(line)}`);
    // With --array every task has its own line; an index range only shows without it.
    for (const task of expandIndices(index ?? "N/A")) out.push({ job, task, state, detail: reason ?? "" });
  }
  return out;
}

/** sacct fields (with --allocations: one line per job or array task, no steps). */
export const SACCT_FORMAT = "JobID,State,ExitCode";

export function parseSacct(stdout: string): TaskState[] {
  const out: TaskState[] = [];
  for (const line of lines(stdout)) {
    const [jobId, state, exitCode] = line.split("|");
    if (!jobId || !state) throw new Error(`sacct: unexpected line ${JSON.stringify(line)}`);
    // "CANCELLED by 0" -> "CANCELLED"
    const s = state.split(" ")[0]!;
    const m = /^(\d+)(?:_(.+))?$/.exec(jobId);
    if (!m) continue; // heterogeneous jobs (123+0) and steps (123.batch) are not ours
    for (const task of expandIndices(m[2] ?? "N/A"))
      out.push({ job: m[1]!, task, state: s, detail: exitCode ?? "" });
  }
  return out;
}

/** "3" -> [3]; "[0-2,5%2]" or "0-2,5" -> [0,1,2,5]; "N/A" (not an array) -> [null]. */
export function expandIndices(text: string): (number | null)[] {
  const t = text.trim();
  if (t === "N/A" || t === "") return [null];
  const body = t.replace(/^\[/, "").replace(/\]$/, "").split("%")[0]!;
  const out: number[] = [];
  for (const part of body.split(",")) {
    const [a, b] = part.split("-").map((x) => Number(x));
    if (!Number.isInteger(a)) throw new Error(`unexpected array index ${JSON.stringify(text)}`);
    if (b === undefined) out.push(a!);
    else for (let i = a!; i <= b; i++) out.push(i);
  }
  return out;
}

function lines(stdout: string): string[] {
  return stdout
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
}

const ACTIVE = new Set([
  "PENDING",
  "CONFIGURING",
  "RUNNING",
  "COMPLETING",
  "REQUEUED",
  "REQUEUE_HOLD",
  "REQUEUE_FED",
  "RESIZING",
  "SUSPENDED",
  "STOPPED",
  "SIGNALING",
  "STAGE_OUT",
  "RESV_DEL_HOLD",
]);

/** A task that is waiting, running or about to run again (as opposed to finished in any way). */
export function isActive(state: string): boolean {
  return ACTIVE.has(state);
}
