import { loadCheckout, readTask } from "../superni/index.js";
import { budgetSize, DEFAULT_BUDGETS } from "./budget.js";
import { countWords, encoder } from "./encodings.js";
import { REPORT_GROUPS, reportGroup } from "./groups.js";
import { downstreamSplit } from "./split.js";

/** `quicklearn data stats --json`: the thesis's Tables 4.1 to 4.3 for a checkout (keys as in issue 2). */
export interface DataStats {
  test_tasks: number;
  train_tasks_present: number;
  test_instances: number;
  train_instances: number;
  small_tasks: string[];
  /** Test tasks per category (Table 4.1), most tasks first. */
  categories: Record<string, number>;
  /** Train instances per budget and report group, plus "total" (Table 4.2). */
  budgets: Record<string, Record<string, number>>;
  /** Mean whitespace-separated words of the encoded training sources (train splits of the test tasks). */
  avg_words: { "thesis-def-pos": number; plain: number };
}

export interface StatsResult {
  stats: DataStats;
  /** The thesis's pre-finetuning set size for this checkout: min(100, n) over train tasks present. */
  prefinetuneInstances: number;
}

export const PREFINETUNE_K = 100;

/** Compute the statistics task by task (one task file in memory at a time). */
export async function dataStats(
  superni: string,
  onProgress?: (done: number, total: number, task: string) => void,
): Promise<StatsResult> {
  const checkout = await loadCheckout(superni);
  const total = checkout.testTasks.length + checkout.trainTasks.length;
  let done = 0;
  const categories = new Map<string, number>();
  const budgets = Object.fromEntries(
    DEFAULT_BUDGETS.map((b) => [b, Object.fromEntries([...REPORT_GROUPS, "total"].map((g) => [g, 0]))]),
  ) as Record<string, Record<string, number>>;
  const small: string[] = [];
  let testInstances = 0;
  let trainInstances = 0;
  const words = { "thesis-def-pos": 0, plain: 0 };

  for (const name of checkout.testTasks) {
    const task = await readTask(checkout, name);
    const split = downstreamSplit(task);
    if (split.small) small.push(name);
    testInstances += split.test.length;
    trainInstances += split.train.length;
    categories.set(task.category, (categories.get(task.category) ?? 0) + 1);
    const group = reportGroup(task.category);
    for (const b of DEFAULT_BUDGETS) {
      const n = budgetSize(b, split.train.length);
      budgets[b]![group]! += n;
      budgets[b]!.total! += n;
    }
    for (const enc of ["thesis-def-pos", "plain"] as const) {
      const source = encoder(enc, task);
      for (const inst of split.train) words[enc] += countWords(source(inst));
    }
    onProgress?.(++done, total, name);
  }

  let prefinetuneInstances = 0;
  for (const name of checkout.trainTasks) {
    prefinetuneInstances += Math.min(PREFINETUNE_K, (await readTask(checkout, name)).instances.length);
    onProgress?.(++done, total, name);
  }

  const mean = (w: number) => (trainInstances === 0 ? 0 : round2(w / trainInstances));
  return {
    stats: {
      test_tasks: checkout.testTasks.length,
      train_tasks_present: checkout.trainTasks.length,
      test_instances: testInstances,
      train_instances: trainInstances,
      small_tasks: small,
      categories: Object.fromEntries(
        [...categories].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
      ),
      budgets,
      avg_words: { "thesis-def-pos": mean(words["thesis-def-pos"]), plain: mean(words.plain) },
    },
    prefinetuneInstances,
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
