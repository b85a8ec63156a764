import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { analyzeStudy, loadStudy } from "../analysis/index.js";
import { StudyStore, type PlanFile, type RunRecord } from "../runner/store/index.js";
import { UserError } from "../util/errors.js";
import { renderCharts } from "./charts.js";
import { csvTables } from "./csv.js";
import { renderHtml } from "./html.js";
import { reportJson } from "./json.js";
import { renderMarkdown } from "./markdown.js";

/**
 * The headline metric is the study's choice (evaluation.metric, issue 15): the analysis and every report
 * format use it and say which, on a small study whose three scores per instance all differ.
 */

let dir: string;
let store: StudyStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ql-metric-"));
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
    encoding: "plain",
    prefinetune: null,
  },
  { name: "base", label: "Base", role: "baseline", model: "m", encoding: "plain", prefinetune: null },
];
const run = (id: string, arm: string, task: string, budget: string): RunRecord => ({
  id,
  arm,
  setting: "stl",
  task,
  budget,
  model: "m",
  encoding: "plain",
  depends_on: [],
  seed: 1,
  replicate: 0,
});
const RUNS = [
  run("i10-t1", "inst", "t1", "10"),
  run("i10-t2", "inst", "t2", "10"),
  run("i100-t1", "inst", "t1", "100"),
  run("i100-t2", "inst", "t2", "100"),
  run("b100-t1", "base", "t1", "100"),
  run("b100-t2", "base", "t2", "100"),
];

/** Per run, per instance: [rougeL, rouge1, exact_match], different on purpose. */
const SCORES: Record<string, [number, number, number][]> = {
  "i10-t1": [
    [0.5, 0.6, 0],
    [0.9, 0.95, 1],
    [0.2, 0.3, 0],
  ],
  "i10-t2": [
    [0.4, 0.5, 1],
    [0.3, 0.3, 0],
  ],
  "i100-t1": [
    [0.8, 0.85, 1],
    [0.9, 0.9, 1],
    [0.1, 0.2, 0],
  ],
  "i100-t2": [
    [0.7, 0.8, 1],
    [0.6, 0.65, 1],
  ],
  "b100-t1": [
    [0.6, 0.7, 0],
    [0.5, 0.55, 1],
    [0.4, 0.5, 0],
  ],
  "b100-t2": [
    [0.5, 0.6, 0],
    [0.45, 0.5, 1],
  ],
};
const COLUMN = { rougeL: 0, rouge1: 1, exact_match: 2 } as const;

async function writeStudy(metric: keyof typeof COLUMN | undefined, drop?: "exact_match"): Promise<void> {
  await store.writePlanFile({
    study: { name: "m" },
    preset: null,
    ...(metric ? { metric } : {}),
    arms,
    runs: RUNS,
    totals: { runs: RUNS.length },
  });
  for (const r of RUNS) {
    const instanceScores = SCORES[r.id]!.map(([rougeL, rouge1, exact_match], k) => ({
      task: r.task!,
      id: `${r.task}-${k}`,
      category: "classification",
      rougeL,
      rouge1,
      ...(drop ? {} : { exact_match }),
    }));
    await store.recordFinishedRun(
      { ...r, variant: "superni", eval_tasks: [r.task!] },
      { instanceScores, stats: {} },
    );
  }
}

/** The macro mean (x100) of one metric for a condition's runs: the mean over tasks of each task's mean. */
function expected(runIds: string[], metric: keyof typeof COLUMN): number {
  const perTask = runIds.map((id) => {
    const v = SCORES[id]!.map((s) => s[COLUMN[metric]]);
    return v.reduce((a, b) => a + b, 0) / v.length;
  });
  return (100 * perTask.reduce((a, b) => a + b, 0)) / perTask.length;
}

const bootstrap = { resamples: 200, seed: 1 };

describe("evaluation.metric: the headline metric", () => {
  it("exact_match: overall figures are the mean exact match, and every format names the metric", async () => {
    await writeStudy("exact_match");
    const a = analyzeStudy(await loadStudy(dir), { bootstrap });
    expect(a.metric).toBe("exact_match");
    const overall = (arm: string, budget: string) =>
      a.overall.find((o) => o.arm === arm && o.budget === budget)!;
    expect(overall("inst", "10").rougeL).toBeCloseTo(expected(["i10-t1", "i10-t2"], "exact_match"), 10);
    expect(overall("inst", "100").rougeL).toBeCloseTo(expected(["i100-t1", "i100-t2"], "exact_match"), 10);
    expect(overall("base", "100").rougeL).toBeCloseTo(expected(["b100-t1", "b100-t2"], "exact_match"), 10);
    // Not ROUGE-L: the fixture's two metrics differ for every condition.
    expect(overall("inst", "10").rougeL).not.toBeCloseTo(expected(["i10-t1", "i10-t2"], "rougeL"), 1);
    // The matching budget holds the curve against the baseline's exact match.
    expect(a.matching[0]!.baseline_rougeL).toBeCloseTo(expected(["b100-t1", "b100-t2"], "exact_match"), 10);

    const json = reportJson(a);
    expect(json.metric).toBe("exact_match");
    expect(json.aggregation).toMatch(/^exact match × 100, macro-averaged/);
    const html = renderHtml(a, await renderCharts(a));
    const md = renderMarkdown(a);
    for (const text of [html, md]) {
      expect(text).toContain("Overall exact match");
      expect(text).not.toContain("ROUGE-L");
    }
    const csv = csvTables(a);
    expect(csv["overall.csv"]!.split("\n")[0]).toBe(
      "arm,setting,budget,exact_match,ci_lo,ci_hi,micro,n_tasks,n_instances,seeds,published",
    );
    for (const text of Object.values(csv)) expect(text.split("\n")[0]).not.toContain("rougeL");
  });

  it("rouge1 is read from its own field", async () => {
    await writeStudy("rouge1");
    const a = analyzeStudy(await loadStudy(dir), { bootstrap });
    const o = a.overall.find((x) => x.arm === "base")!;
    expect(o.rougeL).toBeCloseTo(expected(["b100-t1", "b100-t2"], "rouge1"), 10);
    expect(renderMarkdown(a)).toContain("## Overall ROUGE-1");
  });

  it("a plan.json without a metric (written before the field) reads as ROUGE-L, keys and labels as before", async () => {
    await writeStudy(undefined);
    const raw = JSON.parse(await readFile(join(dir, "plan.json"), "utf8")) as Record<string, unknown>;
    delete raw.metric;
    await writeFile(join(dir, "plan.json"), JSON.stringify(raw));
    const a = analyzeStudy(await loadStudy(dir), { bootstrap });
    expect(a.metric).toBe("rougeL");
    expect(a.overall.find((x) => x.arm === "base")!.rougeL).toBeCloseTo(
      expected(["b100-t1", "b100-t2"], "rougeL"),
      10,
    );
    expect(renderMarkdown(a)).toContain("## Overall ROUGE-L");
    expect(csvTables(a)["overall.csv"]!.split("\n")[0]).toMatch(/^arm,setting,budget,rougeL,/);
  });

  it("refuses scores that lack the chosen metric, naming the file and what to do", async () => {
    await writeStudy("exact_match", "exact_match");
    const err = await loadStudy(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/instance_scores\.jsonl: instance t\d-0 has no exact_match score/);
  });
});
