import { describe, expect, it } from "vitest";
import { mergeStatus } from "./status.js";
import type { JobsFile } from "./store.js";

const jobs: JobsFile = {
  version: 1,
  submissions: [
    {
      submitted: "2026-01-01T00:00:00.000Z",
      options: {},
      jobs: [
        {
          key: "L0",
          job_id: "10",
          level: 0,
          tasks: [["pft"], ["a"]],
          dependency: null,
          script: "slurm/scripts/x-L0.sbatch",
        },
        {
          key: "L1",
          job_id: "11",
          level: 1,
          tasks: [["b1"]],
          dependency: "afterok:10_0",
          script: "slurm/scripts/x-L1.sbatch",
        },
      ],
    },
  ],
};

describe("mergeStatus", () => {
  it("prefers squeue's live state, falls back to sacct, and says UNKNOWN when neither remembers", () => {
    const s = mergeStatus(
      jobs,
      [{ job: "10", task: 1, state: "RUNNING", detail: "None" }],
      [
        { job: "10", task: 0, state: "COMPLETED", detail: "0:0" },
        { job: "10", task: 1, state: "PENDING", detail: "0:0" },
      ],
      null,
    );
    expect(s.tasks.map((t) => [t.job_id, t.task, t.runs, t.state])).toEqual([
      ["10", 0, ["pft"], "COMPLETED"],
      ["10", 1, ["a"], "RUNNING"],
      ["11", 0, ["b1"], "UNKNOWN"],
    ]);
    expect(s.jobs[0]!.states).toEqual({ COMPLETED: 1, RUNNING: 1 });
    expect(s.active).toBe(1);
  });

  it("reports why sacct was not used", () => {
    const s = mergeStatus(jobs, [], [], "Slurm accounting storage is disabled");
    expect(s.sacct_unavailable).toMatch(/disabled/);
    expect(s.active).toBe(0);
  });
});
