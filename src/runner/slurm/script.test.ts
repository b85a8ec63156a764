import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import type { ArrayJobPlan } from "./plan-jobs.js";
import { dependencyFor, renderSbatchScript, shellQuote, validateSlurmOptions } from "./script.js";

const ctx = {
  studyDir: "/scratch/me/study1",
  studyName: "study1",
  quicklearn: ["/usr/bin/node", "/opt/ql/bin/quicklearn.js"],
};
const l1: ArrayJobPlan = {
  key: "L1",
  level: 1,
  tasks: [["b1-a", "b1-b"], ["b1-mtl"]],
  after: [{ job: "L0", task: 0 }],
};

describe("sbatch scripts", () => {
  it("carries every resource flag, the array, the dependency and requeue as #SBATCH lines", () => {
    const dep = dependencyFor(l1, new Map([["L0", "123"]]));
    expect(dep).toBe("afterok:123_0");
    const script = renderSbatchScript(
      l1,
      ctx,
      {
        partition: "gpu",
        account: "lab",
        gres: "gpu:1",
        time: "04:00:00",
        arrayParallelism: 8,
        cpusPerTask: 4,
        mem: "64G",
      },
      dep,
    );
    const directives = script.split("\n").filter((l) => l.startsWith("#SBATCH"));
    expect(directives).toEqual([
      "#SBATCH --job-name=ql-study1-L1",
      "#SBATCH --array=0-1%8",
      "#SBATCH --partition=gpu",
      "#SBATCH --account=lab",
      "#SBATCH --gres=gpu:1",
      "#SBATCH --time=04:00:00",
      "#SBATCH --cpus-per-task=4",
      "#SBATCH --mem=64G",
      "#SBATCH --dependency=afterok:123_0",
      "#SBATCH --chdir=/scratch/me/study1",
      "#SBATCH --output=/scratch/me/study1/slurm/logs/L1_%A_%a.log",
      "#SBATCH --requeue",
      "#SBATCH --open-mode=append",
      "#SBATCH --kill-on-invalid-dep=yes",
    ]);
    expect(script).toContain("  0) runs=b1-a,b1-b ;;\n  1) runs=b1-mtl ;;\n");
    expect(script).toContain(
      'exec /usr/bin/node /opt/ql/bin/quicklearn.js worker --study /scratch/me/study1 --runs "$runs"',
    );
  });

  it("leaves out what was not asked for", () => {
    const script = renderSbatchScript({ ...l1, after: [] }, ctx, {}, null);
    expect(script).toContain("#SBATCH --array=0-1\n");
    expect(script).not.toMatch(/--partition|--account|--gres|--time|--dependency|--mem|--cpus-per-task/);
  });

  it("picks each array task's runs in bash, and the script is valid bash", () => {
    const script = renderSbatchScript(l1, { ...ctx, quicklearn: ["echo"] }, {}, null);
    const run = (task: string) =>
      execFileSync("bash", ["-c", script.replace(/^exec /m, ""), "x"], {
        env: { ...process.env, SLURM_ARRAY_TASK_ID: task, SLURM_JOB_ID: "9", SLURM_ARRAY_JOB_ID: "8" },
        stdio: ["ignore", "pipe", "ignore"],
      }).toString();
    expect(run("0")).toBe("worker --study /scratch/me/study1 --runs b1-a,b1-b\n");
    expect(run("1")).toBe("worker --study /scratch/me/study1 --runs b1-mtl\n");
    expect(() => run("2")).toThrow();
  });

  it("joins several awaited tasks with ':' as SLURM expects", () => {
    const job = {
      ...l1,
      after: [
        { job: "L0", task: 1 },
        { job: "L1-a", task: 0 },
      ],
    };
    expect(
      dependencyFor(
        job,
        new Map([
          ["L0", "5"],
          ["L1-a", "6"],
        ]),
      ),
    ).toBe("afterok:5_1:6_0");
    expect(() => dependencyFor(job, new Map())).toThrow(/no job id yet/);
  });

  it("rejects flags SLURM would misread, naming the flag", () => {
    expect(() => validateSlurmOptions({ time: "4h" })).toThrow(/--time "4h"/);
    expect(() => validateSlurmOptions({ partition: "gpu; rm -rf /" })).toThrow(/--partition/);
    expect(() => validateSlurmOptions({ arrayParallelism: 0 })).toThrow(/--array-parallelism 0/);
    expect(() =>
      validateSlurmOptions({ time: "1-00:00:00", gres: "gpu:a100:2", partition: "gpu" }),
    ).not.toThrow();
    expect(() => renderSbatchScript(l1, { ...ctx, studyDir: "/my study" }, {}, null)).toThrow(/spaces/);
  });

  it("quotes shell words only when needed", () => {
    expect(shellQuote("/a/b.js")).toBe("/a/b.js");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});
