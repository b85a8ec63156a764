import { readJsonFile } from "../util/fs.js";
import { loadCheckout, loadTask, taskFilePath } from "./checkout.js";
import type { Instance, Task } from "./task.js";

/** min, median, mean and max of a list of counts. */
export interface Spread {
  min: number;
  median: number;
  mean: number;
  max: number;
}

export interface ExampleText {
  input: string;
  output: string;
  explanation: string;
}

/** What `quicklearn task show` prints: a task's counts, reference lengths, instruction and a few instances. */
export interface TaskSummary {
  task: string;
  file: string;
  category: string;
  categories: string[];
  definition: string;
  instances: number;
  positive_examples: ExampleText[];
  negative_examples: number;
  references: {
    total: number;
    per_instance: Spread;
    /** Whitespace-separated words per reference. */
    words: Spread;
    distinct: number;
    /** The most frequent references (a label distribution, for classification tasks), most frequent first. */
    most_common: { output: string; count: number }[];
  };
  /** Whitespace-separated words per instance input. */
  input_words: Spread;
  /** The first instances, in file order. */
  sample: Instance[];
}

/**
 * Read one task of a checkout (validated as every command reads it) and summarize it; the task comes back
 * too, for figures later stages compute (the downstream split).
 */
export async function summarizeTask(
  dir: string,
  name: string,
  sampleSize = 3,
): Promise<{ task: Task; summary: TaskSummary }> {
  const checkout = await loadCheckout(dir);
  const { task } = await loadTask(checkout, name);
  const file = taskFilePath(checkout, name);
  // The validated task keeps what the pipeline uses; explanations and negative examples are only shown.
  const raw = (await readJsonFile(file)) as Record<string, unknown>;
  const explanations = listOf(raw["Positive Examples"]).map((e) =>
    textOf((e as Record<string, unknown>)?.explanation),
  );

  const references = task.instances.flatMap((i) => i.output);
  const summary: TaskSummary = {
    task: name,
    file,
    category: task.category,
    categories: task.categories,
    definition: task.definition,
    instances: task.instances.length,
    positive_examples: task.positiveExamples.map((e, i) => ({ ...e, explanation: explanations[i] ?? "" })),
    negative_examples: listOf(raw["Negative Examples"]).length,
    references: {
      total: references.length,
      per_instance: spread(task.instances.map((i) => i.output.length)),
      words: spread(references.map(words)),
      distinct: new Set(references).size,
      most_common: mostCommon(references, 5),
    },
    input_words: spread(task.instances.map((i) => words(i.input))),
    sample: task.instances.slice(0, sampleSize),
  };
  return { task, summary };
}

function words(text: string): number {
  return text.match(/\S+/g)?.length ?? 0;
}

export function spread(values: number[]): Spread {
  if (values.length === 0) return { min: 0, median: 0, mean: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  // Two decimals: these are word counts, shown to a person.
  const mean = Math.round((sorted.reduce((a, b) => a + b, 0) / sorted.length) * 100) / 100;
  return { min: sorted[0]!, median, mean, max: sorted[sorted.length - 1]! };
}

/** The k most frequent values, ties in first-seen order; values seen once are left out (not a label). */
function mostCommon(values: string[], k: number): { output: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts]
    .filter(([, count]) => count > 1)
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([output, count]) => ({ output, count }));
}

function listOf(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function textOf(v: unknown): string {
  return typeof v === "string" ? v : "";
}
