import { execFile } from "node:child_process";
import { UserError } from "../../util/errors.js";
import {
  parseSacct,
  parseSbatchParsable,
  parseSqueue,
  SACCT_FORMAT,
  SQUEUE_FORMAT,
  type TaskState,
} from "./parse.js";

/**
 * The SLURM client commands, run as child processes. This is the only file that spawns them; everything
 * else goes through these functions (tests of the pure parts need no cluster).
 */

interface Output {
  stdout: string;
  stderr: string;
  code: number;
}

function run(cmd: string, args: readonly string[], input?: string): Promise<Output> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === "ENOENT") {
        reject(
          new UserError(
            `${cmd}: command not found: SLURM's client commands are needed for --executor slurm`,
            "run on a cluster login node, or install them (Debian: apt-get install slurm-client)",
          ),
        );
        return;
      }
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ stdout, stderr, code });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

function fail(cmd: string, o: Output): never {
  throw new UserError(
    `${cmd} failed (exit ${o.code}): ${(o.stderr || o.stdout).trim().split("\n").join("; ")}`,
  );
}

/** Submit a batch script (given on stdin) and return its job id. */
export async function sbatch(script: string): Promise<string> {
  const o = await run("sbatch", ["--parsable"], script);
  if (o.code !== 0) fail("sbatch", o);
  return parseSbatchParsable(o.stdout);
}

/** Every array task of these jobs that the controller still knows (pending, running, recently finished). */
export async function squeue(jobIds: readonly string[]): Promise<TaskState[]> {
  if (jobIds.length === 0) return [];
  const o = await run("squeue", [
    "--noheader",
    "--array",
    "--states=all",
    `--jobs=${jobIds.join(",")}`,
    `--format=${SQUEUE_FORMAT}`,
  ]);
  // squeue fails when none of the ids is known any more (they aged out of the controller): nothing to show.
  if (o.code !== 0) {
    if (/Invalid job id/i.test(o.stderr)) return [];
    fail("squeue", o);
  }
  return parseSqueue(o.stdout);
}

export interface SacctResult {
  tasks: TaskState[];
  /** Why sacct gave nothing (e.g. a cluster without accounting storage), or null. */
  unavailable: string | null;
}

/** The accounting records of these jobs, one per array task (no steps). */
export async function sacct(jobIds: readonly string[]): Promise<SacctResult> {
  if (jobIds.length === 0) return { tasks: [], unavailable: null };
  const o = await run("sacct", [
    "--noheader",
    "--parsable2",
    "--allocations",
    `--jobs=${jobIds.join(",")}`,
    `--format=${SACCT_FORMAT}`,
  ]);
  // A cluster without slurmdbd answers "Slurm accounting storage is disabled": squeue's view has to do.
  if (o.code !== 0 || /accounting storage is disabled/i.test(o.stdout + o.stderr)) {
    return { tasks: [], unavailable: (o.stderr || o.stdout).trim() || `sacct exited ${o.code}` };
  }
  return { tasks: parseSacct(o.stdout), unavailable: null };
}

/** Cancel jobs; ids that already finished are not an error. */
export async function scancel(jobIds: readonly string[]): Promise<void> {
  if (jobIds.length === 0) return;
  const o = await run("scancel", [...jobIds]);
  if (o.code !== 0 && !/already completing or completed|Invalid job id/i.test(o.stderr)) fail("scancel", o);
}

/** Put a running or finished job (or one array task, "123_4") back in the queue. */
export async function scontrolRequeue(jobId: string): Promise<void> {
  const o = await run("scontrol", ["requeue", jobId]);
  if (o.code !== 0) fail("scontrol requeue", o);
}
