import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UserError } from "../util/errors.js";
import { sha256 } from "../util/hash.js";
import { loadStudy } from "./load.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ql-load-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const arms = [
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

async function writeRun(
  id: string,
  run: Record<string, unknown>,
  status: string,
  scores?: string,
  extra: Record<string, unknown> = {},
) {
  const d = join(dir, "runs", id);
  await mkdir(d, { recursive: true });
  await writeFile(join(d, "run.json"), JSON.stringify({ id, seed: 7, ...run }));
  await writeFile(join(d, "state.json"), JSON.stringify({ status, attempts: 1, ...extra }));
  if (scores !== undefined) await writeFile(join(d, "instance_scores.jsonl"), scores);
}

const line = (task: string, id: string, rougeL: number) =>
  JSON.stringify({ task, id, category: "textual_entailment", exact_match: 0, rouge1: rougeL, rougeL }) + "\n";

describe("loadStudy", () => {
  it("reads plan, states and scores; counts partial progress; reads data/manifest.json for budget all", async () => {
    const runs = [
      { id: "r1", arm: "inst", setting: "stl", task: "t1", budget: "100" },
      { id: "r2", arm: "inst", setting: "stl", task: "t1", budget: "all" },
      { id: "r3", arm: "B2", setting: "mtl", task: null, budget: "1000" },
    ];
    await writeFile(
      join(dir, "plan.json"),
      JSON.stringify({ study: { name: "s" }, preset: null, arms, runs }),
    );
    await mkdir(join(dir, "data"));
    await writeFile(
      join(dir, "data", "manifest.json"),
      JSON.stringify({
        tasks: { t1: { train: 500, budgets: { all: 500 } }, t2: { train: 9, budgets: { all: 9 } } },
      }),
    );
    const scores = line("t1", "a", 0.5) + line("t1", "b", 1);
    const counts = { rows: 9, truncated_sources: 3, truncated_targets: 1, dropped_examples: 0 };
    await writeRun("r1", runs[0]!, "done", scores, { hashes: { "instance_scores.jsonl": sha256(scores) } });
    await writeFile(
      join(dir, "runs", "r1", "stats.json"),
      // The engine's shape (engine/quicklearn_engine/data.py Truncation.as_dict), a train phase only.
      JSON.stringify({ train: { truncation: { total: counts, tasks: { t1: counts } } } }),
    );
    await writeRun("r2", runs[1]!, "running");
    const study = await loadStudy(dir);
    expect(study.runs.map((r) => r.status)).toEqual(["done", "running", "pending"]);
    expect(study.results).toHaveLength(1);
    expect(study.results[0]!.run.seed).toBe(7);
    expect(study.results[0]!.scores).toEqual([
      { task: "t1", id: "a", category: "textual_entailment", rougeL: 0.5 },
      { task: "t1", id: "b", category: "textual_entailment", rougeL: 1 },
    ]);
    expect(study.results[0]!.truncation).toEqual({ t1: { train: counts, eval: null } });
    // Only the study's scored tasks count towards the mean.
    expect(study.meanTrainAll).toBe(500);
  });

  it("does not count a run whose scores changed since it finished", async () => {
    const runs = [{ id: "r1", arm: "inst", setting: "stl", task: "t1", budget: "100" }];
    await writeFile(join(dir, "plan.json"), JSON.stringify({ study: { name: "s" }, arms, runs }));
    await writeRun("r1", runs[0]!, "done", line("t1", "a", 0.5), {
      hashes: { "instance_scores.jsonl": "0".repeat(64) },
    });
    const study = await loadStudy(dir);
    expect(study.results).toHaveLength(0);
    expect(study.notes.join("\n")).toMatch(/r1: instance_scores.jsonl changed/);
  });

  it("names the file and line of a bad score", async () => {
    const runs = [{ id: "r1", arm: "inst", setting: "stl", task: "t1", budget: "100" }];
    await writeFile(join(dir, "plan.json"), JSON.stringify({ study: { name: "s" }, arms, runs }));
    await writeRun("r1", runs[0]!, "done", line("t1", "a", 0.5) + '{"task":"t1","id":"b","rougeL":1.5}\n');
    await expect(loadStudy(dir)).rejects.toThrow(/instance_scores\.jsonl:2: field rougeL/);
  });

  it("refuses a folder without plan.json and a plan naming an unknown arm", async () => {
    await expect(loadStudy(dir)).rejects.toBeInstanceOf(UserError);
    await writeFile(
      join(dir, "plan.json"),
      JSON.stringify({ study: { name: "s" }, arms, runs: [{ id: "x", arm: "nope", setting: "stl" }] }),
    );
    await expect(loadStudy(dir)).rejects.toThrow(/run x names arm "nope"/);
  });
});
