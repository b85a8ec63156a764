import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scontrolRequeue, squeue } from "../src/runner/slurm/commands.js";
import { cancelStudy } from "../src/runner/slurm/status.js";
import { readJobs } from "../src/runner/slurm/store.js";
import { submitStudy } from "../src/runner/slurm/submit.js";
import type { SlurmRunRef } from "../src/runner/slurm/plan-jobs.js";
import { slurmMissing, startLocalCluster, waitFor, waitForJobs } from "./slurm-helpers.js";

/**
 * The SLURM executor against a real one-node SLURM (sbatch, squeue, sacct, scancel, scontrol requeue).
 * The array tasks run a stand-in worker (below) that keeps the worker's contract on the study directory
 * (skip done runs, refuse unmet dependencies, mark done atomically) and logs every execution, so these
 * tests check the scheduling: dependencies, requeue, cancel and resubmission. test/slurm-study.test.ts runs a
 * real study through the real engine.
 */
const missing = slurmMissing();
if (missing) console.warn(`skipping test/slurm-executor.test.ts: ${missing}`);

const STAND_IN = `
import { appendFileSync, readFileSync, renameSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
const args = process.argv.slice(2);
const study = args[args.indexOf("--study") + 1];
const ids = args[args.indexOf("--runs") + 1].split(",");
const read = (p) => JSON.parse(readFileSync(p, "utf8"));
for (const id of ids) {
  const dir = join(study, "runs", id);
  if (read(join(dir, "state.json")).status === "done") continue;
  for (const dep of read(join(dir, "run.json")).depends_on) {
    if (read(join(study, "runs", dep, "state.json")).status !== "done") { console.error("dependency not done: " + dep); process.exit(3); }
  }
  const log = join(dir, "executions.log");
  const n = existsSync(log) ? readFileSync(log, "utf8").split("\\n").filter((l) => l.startsWith("start")).length : 0;
  appendFileSync(log, "start " + process.env.SLURM_JOB_ID + " " + (process.env.SLURM_RESTART_COUNT ?? "0") + "\\n");
  const stub = read(join(dir, "stub.json"));
  await new Promise((r) => setTimeout(r, (n === 0 ? stub.first_sleep : stub.sleep) * 1000));
  writeFileSync(join(dir, ".state.tmp"), JSON.stringify({ status: "done", attempts: n + 1, updated: new Date().toISOString() }));
  renameSync(join(dir, ".state.tmp"), join(dir, "state.json"));
  appendFileSync(log, "done\\n");
}
`;

let root: string;
let standIn: string;

function makeStudy(name: string, runs: (SlurmRunRef & { first_sleep?: number; sleep?: number })[]): string {
  const dir = join(root, name);
  for (const r of runs) {
    const rd = join(dir, "runs", r.id);
    mkdirSync(rd, { recursive: true });
    writeFileSync(join(rd, "run.json"), JSON.stringify({ id: r.id, depends_on: r.depends_on }));
    writeFileSync(join(rd, "state.json"), JSON.stringify({ status: "pending", attempts: 0, updated: "" }));
    writeFileSync(
      join(rd, "stub.json"),
      JSON.stringify({ first_sleep: r.first_sleep ?? 1, sleep: r.sleep ?? 1 }),
    );
  }
  return dir;
}

const executions = (dir: string, id: string) => {
  const p = join(dir, "runs", id, "executions.log");
  return existsSync(p) ? readFileSync(p, "utf8").trim().split("\n") : [];
};
const status = (dir: string, id: string) =>
  JSON.parse(readFileSync(join(dir, "runs", id, "state.json"), "utf8")).status;

describe.skipIf(missing !== null)("SLURM executor on a real one-node cluster", () => {
  beforeAll(() => {
    startLocalCluster();
    root = mkdtempSync(join(tmpdir(), "ql-slurm-exec-"));
    standIn = join(root, "stand-in-worker.mjs");
    writeFileSync(standIn, STAND_IN);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("runs a DAG as array jobs: dependants start after their dependency, each run once; status from squeue/sacct", async () => {
    const runs = [
      { id: "pft", depends_on: [], first_sleep: 2 },
      { id: "a", depends_on: [] },
      { id: "b1", depends_on: ["pft"] },
      { id: "b2", depends_on: ["pft"] },
    ];
    const dir = makeStudy("dag", runs);
    const dry = await submitStudy(dir, runs, { dryRun: true, quicklearn: ["node", standIn] });
    expect(dry.jobs.map((j) => [j.key, j.job_id, j.dependency])).toEqual([
      ["L0", null, null],
      ["L1", null, "afterok:<job L0>_0"],
    ]);
    expect(existsSync(join(dir, "slurm"))).toBe(false);

    const r = await submitStudy(dir, runs, { quicklearn: [process.execPath, standIn], arrayParallelism: 2 });
    expect(r.submitted).toBe(4);
    const [l0, l1] = r.jobs;
    expect(l1!.dependency).toBe(`afterok:${l0!.job_id}_0`);
    expect((await readJobs(dir))!.submissions[0]!.jobs.map((j) => j.job_id)).toEqual([
      l0!.job_id,
      l1!.job_id,
    ]);

    const s = await waitForJobs(dir, 90_000);
    expect(s.tasks.map((t) => t.state)).toEqual(["COMPLETED", "COMPLETED", "COMPLETED", "COMPLETED"]);
    for (const id of ["pft", "a", "b1", "b2"]) {
      expect(status(dir, id)).toBe("done");
      expect(executions(dir, id).filter((l) => l === "done")).toHaveLength(1);
    }
    // Nothing left to do: a second submission submits nothing.
    expect((await submitStudy(dir, runs, { quicklearn: [process.execPath, standIn] })).jobs).toEqual([]);
  });

  it("a task requeued mid-run (scontrol requeue) runs again under the same job id and finishes its run once", async () => {
    const runs = [{ id: "long", depends_on: [], first_sleep: 30, sleep: 1 }];
    const dir = makeStudy("requeue", runs);
    const r = await submitStudy(dir, runs, { quicklearn: [process.execPath, standIn] });
    const job = r.jobs[0]!.job_id!;
    await waitFor("the run to start", () => executions(dir, "long").length > 0, 180_000);
    await scontrolRequeue(`${job}_0`);
    const s = await waitForJobs(dir, 300_000);
    expect(s.tasks[0]!.state).toBe("COMPLETED");
    const log = executions(dir, "long");
    // Two starts of the same SLURM job (restart count 0 then 1), one completion.
    expect(log.filter((l) => l.startsWith("start"))).toHaveLength(2);
    expect(log[1]).toMatch(/ 1$/);
    expect(log.filter((l) => l === "done")).toHaveLength(1);
    expect(status(dir, "long")).toBe("done");
  });

  it("cancel stops the study's jobs; resubmitting runs only what is not done", async () => {
    const runs = [
      { id: "quick", depends_on: [] },
      // Long enough that it is still running when the test cancels it, however loaded the machine.
      { id: "slow", depends_on: [], first_sleep: 600 },
      { id: "after", depends_on: ["slow"] },
    ];
    const dir = makeStudy("cancel", runs);
    const opts = { quicklearn: [process.execPath, standIn] };
    await submitStudy(dir, runs, opts);
    await waitFor(
      "quick done and slow started",
      () => status(dir, "quick") === "done" && executions(dir, "slow").length > 0,
      180_000,
    );
    await expect(submitStudy(dir, runs, opts)).rejects.toThrow(/still queued or running/);

    const c = await cancelStudy(dir);
    expect(c!.cancelled.length).toBe(2);
    await waitForJobs(dir, 30_000);
    expect(status(dir, "slow")).not.toBe("done");
    expect(executions(dir, "after")).toEqual([]);

    const again = await submitStudy(dir, runs, opts);
    expect(again.done).toBe(1);
    expect(again.jobs.map((j) => j.tasks)).toEqual([[["slow"]], [["after"]]]);
    const s = await waitForJobs(dir, 90_000);
    expect(s.jobs).toHaveLength(4);
    for (const id of ["quick", "slow", "after"]) expect(status(dir, id)).toBe("done");
    expect(executions(dir, "quick").filter((l) => l === "done")).toHaveLength(1);
    expect(executions(dir, "slow").filter((l) => l === "done")).toHaveLength(1);
    expect(await squeue([])).toEqual([]);
  });
});
