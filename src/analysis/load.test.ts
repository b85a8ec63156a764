import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StudyStore, type PlanFile, type RunRecord } from "../runner/store/index.js";
import { UserError } from "../util/errors.js";
import { loadStudy } from "./load.js";

let dir: string;
let store: StudyStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ql-load-"));
  store = new StudyStore(dir);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const arms: PlanFile["arms"] = [
  {
    name: "inst",
    label: "Instr",
    role: "instruction-tuned",
    model: "m",
    encoding: "thesis-def-pos",
    prefinetune: null,
  },
  { name: "B2", label: "Base", role: "baseline", model: "m", encoding: "plain", prefinetune: null },
];

const run = (
  id: string,
  arm: string,
  setting: "stl" | "mtl",
  task: string | null,
  budget: string,
): RunRecord => ({
  id,
  arm,
  setting,
  replicate: 0,
  task,
  budget,
  model: "m",
  encoding: "plain",
  depends_on: [],
  seed: 7,
});

const writePlan = (runs: RunRecord[]) =>
  store.writePlanFile({ study: { name: "s" }, preset: null, arms, runs, totals: { runs: runs.length } });

const line = (task: string, id: string, rougeL: number) => ({
  task,
  id,
  category: "textual_entailment",
  exact_match: 0,
  rouge1: rougeL,
  rougeL,
});

const finish = (r: RunRecord, scores: ReturnType<typeof line>[], stats = {}) =>
  store.recordFinishedRun(
    { ...r, variant: "superni", eval_tasks: [r.task ?? "t1"] },
    { instanceScores: scores, stats },
  );

describe("loadStudy", () => {
  it("reads plan, states and scores through the store; counts partial progress; budget all from the manifest", async () => {
    const runs = [
      run("r1", "inst", "stl", "t1", "100"),
      run("r2", "inst", "stl", "t1", "all"),
      run("r3", "B2", "mtl", null, "1000"),
    ];
    await writePlan(runs);
    await mkdir(join(dir, "data"));
    await writeFile(
      join(dir, "data", "manifest.json"),
      JSON.stringify({
        format: "quicklearn-data/1",
        tasks: {
          t1: { category: "c", train: 500, budgets: { all: 500 } },
          t2: { category: "c", train: 9, budgets: { all: 9 } },
        },
      }),
    );
    const counts = { rows: 9, truncated_sources: 3, truncated_targets: 1, dropped_examples: 0 };
    await finish(runs[0]!, [line("t1", "a", 0.5), line("t1", "b", 1)], {
      train: { truncation: { total: counts, tasks: { t1: counts } } },
    });
    // Marked running, but no live process holds its claim: interrupted, so pending (as status says).
    await store.writeState("r2", { status: "running", attempts: 1 });
    const study = await loadStudy(dir);
    expect(study.runs.map((r) => r.status)).toEqual(["done", "pending", "pending"]);
    expect(study.results).toHaveLength(1);
    expect(study.results[0]!.run.seed).toBe(7);
    expect(study.results[0]!.scores).toEqual([
      { task: "t1", id: "a", category: "textual_entailment", rougeL: 0.5, rouge1: 0.5, exact_match: 0 },
      { task: "t1", id: "b", category: "textual_entailment", rougeL: 1, rouge1: 1, exact_match: 0 },
    ]);
    expect(study.results[0]!.truncation).toEqual({ t1: { train: counts, eval: null } });
    // Only the study's scored tasks count towards the mean.
    expect(study.meanTrainAll).toBe(500);
  });

  it("does not count a run whose files changed since it finished, and says so", async () => {
    const r1 = run("r1", "inst", "stl", "t1", "100");
    await writePlan([r1]);
    await finish(r1, [line("t1", "a", 0.5)]);
    expect((await loadStudy(dir)).results).toHaveLength(1);
    await writeFile(
      join(store.runDir("r1"), "instance_scores.jsonl"),
      JSON.stringify(line("t1", "a", 1)) + "\n",
    );
    const study = await loadStudy(dir);
    expect(study.results).toHaveLength(0);
    expect(study.runs[0]!.status).toBe("pending");
    expect(study.notes.join("\n")).toMatch(/r1: its files changed since it finished/);
    expect((await store.summary()).done).toBe(0);
  });

  it("names the file and line of a bad score", async () => {
    const r1 = run("r1", "inst", "stl", "t1", "100");
    await writePlan([r1]);
    await finish(r1, [line("t1", "a", 0.5), line("t1", "b", 1.5)]);
    await expect(loadStudy(dir)).rejects.toThrow(/instance_scores\.jsonl:2: field rougeL/);
  });

  it("refuses a folder without plan.json, a damaged plan and a plan naming an unknown arm", async () => {
    await expect(loadStudy(dir)).rejects.toBeInstanceOf(UserError);
    await writeFile(join(dir, "plan.json"), JSON.stringify({ runs: [{ id: "x" }] }));
    await expect(loadStudy(dir)).rejects.toThrow(/plan\.json: field study/);
    await writePlan([run("x", "nope", "stl", "t1", "100")]);
    await expect(loadStudy(dir)).rejects.toThrow(/run x names arm "nope"/);
  });
});
