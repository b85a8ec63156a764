import type { Command } from "@commander-js/extra-typings";
import { formatTable, info, printJson } from "../../cli/output.js";
import { UserError } from "../../util/errors.js";
import { cancelStudy, slurmStudyStatus, type SlurmStudyStatus } from "./status.js";

export { registerSlurmOptions, slurmOptionsFrom, type SlurmCliOptions } from "./options.js";
export { runOnSlurm, SlurmExecutor, slurmExecutorFrom } from "./executor.js";
export { checkMultiNodeEnv } from "./script.js";

/**
 * The SLURM executor's command-line surface, kept here so the study commands (src/cli/commands/study.ts)
 * wire it in with one call each: registerSlurmOptions on `run`, slurmExecutorFrom where `run` makes its
 * executor, slurmStatusSection inside `status`, registerCancelCommand on the program.
 */

/** `quicklearn cancel DIR`: scancel every queued or running job of the study. */
export function registerCancelCommand(program: Command): void {
  program
    .command("cancel")
    .description("cancel a study's SLURM jobs (recorded in DIR/slurm/jobs.json); finished runs stay done")
    .argument("<dir>", "study directory")
    .option("--json", "print the result as JSON")
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
