import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { UserError } from "../../util/errors.js";
import { readJsonFile, writeJsonAtomic } from "../../util/fs.js";

/**
 * STUDY/slurm/jobs.json: the SLURM jobs submitted for a study, one entry per submission (a resubmission
 * after a failure adds one). It only says which jobs to ask SLURM about; which runs are done is still read
 * from STUDY/runs/, the study's truth.
 */

export const SLURM_DIR = "slurm";

export const SubmittedJob = z.strictObject({
  key: z.string(),
  job_id: z.string().regex(/^\d+$/),
  level: z.number().int().min(0),
  /** Run ids per array task. */
  tasks: z.array(z.array(z.string())),
  dependency: z.string().nullable(),
  /** The sbatch script, relative to the study directory. */
  script: z.string(),
});
export type SubmittedJob = z.infer<typeof SubmittedJob>;

export const Submission = z.strictObject({
  submitted: z.string(),
  options: z.record(z.string(), z.union([z.string(), z.number()])),
  jobs: z.array(SubmittedJob),
});
export type Submission = z.infer<typeof Submission>;

export const JobsFile = z.strictObject({
  version: z.literal(1),
  submissions: z.array(Submission),
});
export type JobsFile = z.infer<typeof JobsFile>;

export function jobsPath(studyDir: string): string {
  return join(studyDir, SLURM_DIR, "jobs.json");
}

export async function readJobs(studyDir: string): Promise<JobsFile | null> {
  const path = jobsPath(studyDir);
  if (!existsSync(path)) return null;
  const parsed = JobsFile.safeParse(await readJsonFile(path));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(
      `${path}: ${issue.path.join(".") || "(root)"}: ${issue.message}`,
      "this file is written by quicklearn; restore it or remove it",
    );
  }
  return parsed.data;
}

/**
 * Records a submission as it grows: called after every sbatch, so a job that was submitted is on file even
 * when a later sbatch of the same submission fails.
 */
export async function saveSubmission(studyDir: string, submission: Submission): Promise<void> {
  const current = (await readJobs(studyDir)) ?? { version: 1 as const, submissions: [] };
  const others = current.submissions.filter((s) => s.submitted !== submission.submitted);
  await writeJsonAtomic(jobsPath(studyDir), { ...current, submissions: [...others, submission] });
}

/** Every job id ever submitted for the study, oldest first. */
export function allJobIds(jobs: JobsFile): string[] {
  return jobs.submissions.flatMap((s) => s.jobs.map((j) => j.job_id));
}
