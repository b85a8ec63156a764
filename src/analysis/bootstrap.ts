import { REPORT_GROUPS } from "./groups.js";
import { seededRng } from "./random.js";
import { percentileInterval } from "./stats.js";
import type { ResultsTable } from "./table.js";

export interface BootstrapOptions {
  /** Number of bootstrap replicates. */
  resamples: number;
  /** PRNG seed: the same seed gives the same intervals. */
  seed: number;
}

export const DEFAULT_BOOTSTRAP: BootstrapOptions = { resamples: 2000, seed: 20230607 };

/** An aggregate (macro mean over tasks, ROUGE-L × 100) of one or more conditions on a common task set. */
export interface Aggregate {
  /** Point estimates, one per condition asked for. */
  points: number[];
  /** Bootstrap replicates of each, on the same resampled tasks and instances (so differences are paired). */
  replicates: Float64Array[];
  nTasks: number;
}

/**
 * A two-level, stratified, paired bootstrap over a results table, run once and shared by every figure:
 * each replicate redraws the tasks of every report group with replacement (the benchmark's group
 * composition stays fixed), then the test instances of each drawn task with replacement, and, where a
 * condition has several seeds, its seeds. All conditions see the same draws, so the replicate of a
 * difference is the difference of replicates: a paired bootstrap for free.
 */
export class Bootstrap {
  readonly resamples: number;
  private readonly slots: number;
  /** Task drawn for replicate r, slot j: slotTask[r * slots + j]. */
  private readonly slotTask: Int32Array;
  /** Report group of slot j (fixed by the stratification). */
  private readonly slotGroup: Int32Array;
  /** Per condition: the slot means (fraction), NaN where the condition lacks the drawn task. */
  private readonly slotMeans: Float64Array[];
  /** Per condition, per task: the instance-resampled task means its slots saw (for per-task intervals). */
  private readonly taskReplicates: number[][][];
  /** Per condition, per task: point estimate (fraction), NaN when unscored. */
  private readonly taskPoints: Float64Array[];

  constructor(
    private readonly table: ResultsTable,
    options: BootstrapOptions = DEFAULT_BOOTSTRAP,
  ) {
    const { tasks, conditions } = table;
    const R = (this.resamples = options.resamples);
    const byGroup = REPORT_GROUPS.map((_, g) => tasks.flatMap((t, i) => (t.groupIndex === g ? [i] : [])));
    this.slotGroup = Int32Array.from(byGroup.flatMap((members, g) => members.map(() => g)));
    const S = (this.slots = this.slotGroup.length);
    this.slotTask = new Int32Array(R * S);
    this.slotMeans = conditions.map(() => new Float64Array(R * S).fill(NaN));
    this.taskReplicates = conditions.map(() => tasks.map(() => []));
    this.taskPoints = conditions.map((c) =>
      Float64Array.from(tasks, (_, t) => (c.scores[t] ? seedAverage(c.scores[t]!, null, null) : NaN)),
    );

    const rng = seededRng(options.seed);
    const layouts = tasks.map((_, t) => taskLayout(table, t));
    const maxN = Math.max(1, ...tasks.map((t) => t.ids.length));
    const maxK = Math.max(1, ...layouts.map((l) => l.columnsCount));
    const idx = new Int32Array(maxN);
    const sums = new Float64Array(maxK);
    const counts = new Float64Array(maxK);
    const seedPicks = conditions.map((c) => new Int32Array(c.draws.length));
    const C = conditions.length;
    for (let r = 0; r < R; r++) {
      for (let ci = 0; ci < C; ci++) {
        const picks = seedPicks[ci]!;
        for (let k = 0; k < picks.length; k++) picks[k] = rng.int(picks.length);
      }
      let j = 0;
      for (const members of byGroup) {
        for (let m = 0; m < members.length; m++, j++) {
          const t = members[rng.int(members.length)]!;
          this.slotTask[r * S + j] = t;
          const n = tasks[t]!.ids.length;
          for (let i = 0; i < n; i++) idx[i] = rng.int(n);
          const layout = layouts[t]!;
          resampleColumns(layout, idx, n, sums, counts);
          for (const [ci, first] of layout.conditionStart) {
            const picks = seedPicks[ci]!;
            let total = 0;
            let used = 0;
            for (let k = 0; k < picks.length; k++) {
              const col = first + picks[k]!;
              if (counts[col]! > 0) {
                total += sums[col]! / counts[col]!;
                used++;
              }
            }
            if (used === 0) continue;
            const v = total / used;
            this.slotMeans[ci]![r * S + j] = v;
            this.taskReplicates[ci]![t]!.push(v);
          }
        }
      }
    }
  }

  /** Per-task point estimate (ROUGE-L × 100) and its instance-bootstrap interval. */
  task(condition: number, task: number): { value: number; ci: [number, number]; n: number } | null {
    const value = this.taskPoints[condition]![task]!;
    if (Number.isNaN(value)) return null;
    const ci = percentileInterval(this.taskReplicates[condition]![task]!);
    const perSeed = this.table.conditions[condition]!.scores[task]!;
    const n = perSeed[0]!.reduce((k, v) => (Number.isNaN(v) ? k : k + 1), 0);
    return { value: 100 * value, ci: [100 * ci[0], 100 * ci[1]], n };
  }

  /**
   * The instance-resampled means (× 100) of one condition's task, one per time a replicate drew the task.
   * Draw k of two conditions of the same task shares its instances (one resample serves all conditions),
   * so lists of conditions that all have the task are paired index by index.
   */
  taskDraws(condition: number, task: number): number[] {
    return this.taskReplicates[condition]![task]!.map((v) => 100 * v);
  }

  /**
   * Macro means (ROUGE-L × 100) of the given conditions over the tasks all of them have (optionally
   * one report group only), with paired replicates.
   */
  aggregate(conditions: number[], group: number | null = null): Aggregate {
    const { tasks } = this.table;
    const common = (t: number) => conditions.every((c) => !Number.isNaN(this.taskPoints[c]![t]!));
    const inGroup = (t: number) => group === null || tasks[t]!.groupIndex === group;
    const chosen = tasks.map((_, t) => t).filter((t) => common(t) && inGroup(t));
    const points = conditions.map((c) =>
      chosen.length === 0
        ? NaN
        : (100 * chosen.reduce((s, t) => s + this.taskPoints[c]![t]!, 0)) / chosen.length,
    );
    const keep = new Uint8Array(tasks.length);
    for (const t of chosen) keep[t] = 1;
    const S = this.slots;
    const replicates = conditions.map((c) => {
      const out = new Float64Array(this.resamples);
      const means = this.slotMeans[c]!;
      for (let r = 0; r < this.resamples; r++) {
        let sum = 0;
        let n = 0;
        for (let j = 0; j < S; j++) {
          if (group !== null && this.slotGroup[j] !== group) continue;
          if (!keep[this.slotTask[r * S + j]!]) continue;
          sum += means[r * S + j]!;
          n++;
        }
        out[r] = n === 0 ? NaN : (100 * sum) / n;
      }
      return out;
    });
    return { points, replicates, nTasks: chosen.length };
  }
}

/**
 * One task's scores laid out instance-major (row = instance, column = condition × seed), so that a
 * resample adds whole rows: sequential memory instead of one random read per condition.
 */
interface TaskLayout {
  /** Condition index → its first column (its seeds follow in order). */
  conditionStart: [number, number][];
  values: Float64Array;
  /** 1 where a score exists; null when every score exists. */
  present: Uint8Array | null;
  columnsCount: number;
}

function taskLayout(table: ResultsTable, t: number): TaskLayout {
  const n = table.tasks[t]!.ids.length;
  const conditionStart: [number, number][] = [];
  const arrays: Float64Array[] = [];
  for (const [ci, c] of table.conditions.entries()) {
    const perSeed = c.scores[t];
    if (!perSeed) continue;
    conditionStart.push([ci, arrays.length]);
    arrays.push(...perSeed);
  }
  const K = arrays.length;
  const values = new Float64Array(n * K);
  let missing = false;
  const present = new Uint8Array(n * K);
  for (let k = 0; k < K; k++) {
    for (let i = 0; i < n; i++) {
      const v = arrays[k]![i]!;
      if (Number.isNaN(v)) missing = true;
      else {
        values[i * K + k] = v;
        present[i * K + k] = 1;
      }
    }
  }
  return {
    columnsCount: K,
    conditionStart,
    values,
    present: missing ? present : null,
  };
}

/** Column sums and counts of the scores over the resampled instances idx[0..n). */
function resampleColumns(
  layout: TaskLayout,
  idx: Int32Array,
  n: number,
  sums: Float64Array,
  counts: Float64Array,
): void {
  const K = layout.columnsCount;
  const { values, present } = layout;
  sums.fill(0, 0, K);
  if (present === null) counts.fill(n, 0, K);
  else counts.fill(0, 0, K);
  for (let i = 0; i < n; i++) {
    const row = idx[i]! * K;
    for (let k = 0; k < K; k++) sums[k]! += values[row + k]!;
    if (present !== null) for (let k = 0; k < K; k++) counts[k]! += present[row + k]!;
  }
}

/** Mean over (picked) seeds of the mean over (resampled) instances, skipping missing scores. */
function seedAverage(perSeed: Float64Array[], seedPicks: Int32Array | null, idx: Int32Array | null): number {
  const k = seedPicks ? seedPicks.length : perSeed.length;
  let total = 0;
  let used = 0;
  for (let s = 0; s < k; s++) {
    const arr = perSeed[seedPicks ? seedPicks[s]! : s]!;
    let sum = 0;
    let n = 0;
    const m = idx ? idx.length : arr.length;
    for (let i = 0; i < m; i++) {
      const v = arr[idx ? idx[i]! : i]!;
      if (v === v) {
        sum += v;
        n++;
      }
    }
    if (n > 0) {
      total += sum / n;
      used++;
    }
  }
  return used === 0 ? NaN : total / used;
}

/** The 95 % percentile interval of replicates (NaN replicates, from empty draws, are skipped). */
export function interval(replicates: ArrayLike<number>, level = 0.95): [number, number] {
  return percentileInterval(replicates, level);
}

/** Replicates of a − b (paired: same draws). */
export function difference(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((v, i) => v - b[i]!);
}
