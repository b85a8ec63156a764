import type { InstanceScores, Variant } from "./instance.js";
import { InstanceScorer } from "./instance.js";

export interface PredictionRow {
  task: string;
  id: string;
  prediction: string;
  references: string[];
  category?: string;
}

/** Figures in percent (0-100), unrounded; n = number of instances. */
export interface Figures {
  exact_match: number;
  rouge1: number;
  rougeL: number;
  n: number;
}

/** The `quicklearn score --json` object. Keys of tasks and categories in order of first appearance. */
export interface ScoreReport {
  /** Mean over instances (micro), as SuperNI reports. */
  overall: Figures;
  /** Mean of the per-task figures (macro), as the thesis reports; n = number of instances. */
  overall_macro: Figures;
  tasks: Record<string, Figures>;
  categories: Record<string, Figures>;
}

export interface ScoreOptions {
  variant?: Variant;
  /** Category of a task whose rows carry none; "unknown" when this gives nothing. */
  categoryOf?: (task: string) => string | undefined;
  /** Called once per instance, in input order, with its scores as fractions. */
  onInstance?: (row: PredictionRow, scores: InstanceScores, category: string) => void;
}

export const UNKNOWN_CATEGORY = "unknown";

/** Running sums in input order, so that 100 * sum / n is bit-identical to compute_metrics.py. */
class Sums {
  exactMatch = 0;
  rouge1 = 0;
  rougeL = 0;
  n = 0;

  add(s: InstanceScores): void {
    this.exactMatch += s.exact_match;
    this.rouge1 += s.rouge1;
    this.rougeL += s.rougeL;
    this.n++;
  }

  figures(): Figures {
    if (this.n === 0) return { exact_match: 0, rouge1: 0, rougeL: 0, n: 0 };
    return {
      exact_match: (100 * this.exactMatch) / this.n,
      rouge1: (100 * this.rouge1) / this.n,
      rougeL: (100 * this.rougeL) / this.n,
      n: this.n,
    };
  }
}

function groupSums(groups: Map<string, Sums>, key: string): Sums {
  let sums = groups.get(key);
  if (sums === undefined) {
    sums = new Sums();
    groups.set(key, sums);
  }
  return sums;
}

/** Plain mean of per-task figures, summed in order of first appearance. */
function macro(tasks: Figures[], n: number): Figures {
  if (tasks.length === 0) return { exact_match: 0, rouge1: 0, rougeL: 0, n: 0 };
  const mean = (key: "exact_match" | "rouge1" | "rougeL") => {
    let sum = 0;
    for (const t of tasks) sum += t[key];
    return sum / tasks.length;
  };
  return { exact_match: mean("exact_match"), rouge1: mean("rouge1"), rougeL: mean("rougeL"), n };
}

/**
 * Scores a stream of predictions (rows are not kept) and aggregates overall, per task and per category.
 * An empty stream gives zero figures with n = 0.
 */
export async function scoreRows(
  rows: Iterable<PredictionRow> | AsyncIterable<PredictionRow>,
  opts: ScoreOptions = {},
): Promise<ScoreReport> {
  const scorer = new InstanceScorer(opts.variant ?? "superni");
  const overall = new Sums();
  const tasks = new Map<string, Sums>();
  const categories = new Map<string, Sums>();
  for await (const row of rows) {
    const scores = scorer.score(row.prediction, row.references);
    const category = row.category ?? opts.categoryOf?.(row.task) ?? UNKNOWN_CATEGORY;
    overall.add(scores);
    groupSums(tasks, row.task).add(scores);
    groupSums(categories, category).add(scores);
    opts.onInstance?.(row, scores, category);
  }
  const taskFigures = [...tasks].map(([task, sums]) => [task, sums.figures()] as const);
  return {
    overall: overall.figures(),
    overall_macro: macro(
      taskFigures.map(([, f]) => f),
      overall.n,
    ),
    tasks: Object.fromEntries(taskFigures),
    categories: Object.fromEntries([...categories].map(([c, sums]) => [c, sums.figures()])),
  };
}
