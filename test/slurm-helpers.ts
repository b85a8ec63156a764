import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { slurmStudyStatus, type SlurmStudyStatus } from "../src/runner/slurm/status.js";
import { projectRoot } from "../src/util/paths.js";

/**
 * The real-SLURM tests run against a one-node cluster on this machine (scripts/slurm-local.sh). They are
 * skipped only when SLURM is not installed; scripts/setup.sh --dev installs it (as root), so CI runs them.
 */
export function slurmMissing(): string | null {
  const missing = ["slurmctld", "slurmd", "sbatch", "squeue", "munged"].filter(
    (t) => spawnSync("bash", ["-c", `command -v ${t}`]).status !== 0,
  );
  return missing.length
    ? `SLURM not installed (missing ${missing.join(", ")}); scripts/setup.sh --dev installs it`
    : null;
}

/** Bring the local cluster up (idempotent) and point this process's SLURM commands at it. */
export function startLocalCluster(): void {
  const script = join(projectRoot, "scripts", "slurm-local.sh");
  const up = spawnSync("bash", [script, "up"], { encoding: "utf8", timeout: 90_000 });
  if (up.status !== 0) throw new Error(`scripts/slurm-local.sh up failed:\n${up.stderr}`);
  const env = execFileSync("bash", [script, "env"], { encoding: "utf8" });
  process.env.SLURM_CONF = /SLURM_CONF=(\S+)/.exec(env)![1]!;
}

/** Poll SLURM until none of the study's jobs is queued or running. */
export async function waitForJobs(studyDir: string, timeoutMs: number): Promise<SlurmStudyStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await slurmStudyStatus(studyDir);
    if (s && s.active === 0) return s;
    if (Date.now() > deadline)
      throw new Error(`SLURM jobs still active after ${timeoutMs} ms: ${JSON.stringify(s?.tasks)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export async function waitFor(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
