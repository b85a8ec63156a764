import { join } from "node:path";
import { toCsv } from "../util/csv.js";
import { writeFileAtomic, writeJsonAtomic } from "../util/fs.js";
import { roundPercent } from "../util/round.js";
import type { StudyStore } from "./store/index.js";

/**
 * STUDY/results.json and results.csv: one row per (done run, task, metric), derived from runs/ alone
 * (rebuildable at any time). Values are percent (0-100), as in scores.json, rounded to 4 decimals in the
 * files (src/util/round.ts); scores.json keeps them exact.
 */

export const METRICS = ["rougeL", "rouge1", "exact_match"] as const;

export interface ResultRow {
  run: string;
  arm: string;
  setting: string;
  budget: string | null;
  seed: number;
  model: string;
  encoding: string;
  task: string;
  category: string;
  metric: (typeof METRICS)[number];
  value: number;
  n: number;
}

export interface Results {
  study: { name: string };
  metrics: readonly string[];
  rows: ResultRow[];
}

const COLUMNS: (keyof ResultRow)[] = [
  "run",
  "arm",
  "setting",
  "budget",
  "seed",
  "model",
  "encoding",
  "task",
  "category",
  "metric",
  "value",
  "n",
];

export async function collectResults(store: StudyStore): Promise<Results> {
  const plan = await store.readPlan();
  const manifest = await store.readManifest();
  const rows: ResultRow[] = [];
  for (const { id } of plan.runs) {
    const { status, state } = await store.runStatus(id);
    if (status !== "done" || !state.hashes?.["scores.json"]) continue;
    const run = await store.readRun(id);
    const scores = await store.readScores(id);
    for (const [task, figures] of Object.entries(scores.tasks)) {
      for (const metric of METRICS) {
        rows.push({
          run: id,
          arm: run.arm,
          setting: run.setting,
          budget: run.budget,
          seed: run.seed,
          model: run.model,
          encoding: run.encoding,
          task,
          category: manifest?.tasks[task]?.category ?? "unknown",
          metric,
          value: figures[metric],
          n: figures.n,
        });
      }
    }
  }
  return { study: plan.study, metrics: METRICS, rows };
}

export async function writeResults(store: StudyStore): Promise<Results> {
  const results = await collectResults(store);
  const rows = results.rows.map((r) => ({ ...r, value: roundPercent(r.value) }));
  await writeJsonAtomic(join(store.dir, "results.json"), { ...results, rows });
  await writeFileAtomic(
    join(store.dir, "results.csv"),
    toCsv(
      COLUMNS,
      rows.map((r) => COLUMNS.map((c) => r[c])),
    ),
  );
  return results;
}
