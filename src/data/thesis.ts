import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { assetsDir } from "../util/paths.js";

/** The dataset figures the thesis published (assets/reference/thesis-results.json, "dataset"). */
export interface ThesisDataset {
  test_tasks: number;
  train_instances: number;
  test_instances: number;
  prefinetune_instances: number;
  avg_words_with_instructions: number;
  avg_words_without_instructions: number;
  categories: Record<string, number>;
  /** Per budget, instances per report group in REPORT_GROUPS order. */
  budget_instances_by_group: Record<string, number[]>;
}

export async function loadThesisDataset(): Promise<ThesisDataset> {
  const path = join(assetsDir, "reference", "thesis-results.json");
  return (JSON.parse(await readFile(path, "utf8")) as { dataset: ThesisDataset }).dataset;
}
