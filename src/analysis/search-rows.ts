import type { SearchRecord, SearchTargetRef } from "../runner/store/index.js";

/** A searched curve as the report shows it (issue 17): where the search stopped, what it ran, what it cost. */
export interface SearchRow {
  arm: string;
  setting: "stl" | "mtl";
  /** `overall`, or the task of a per-task search. */
  scope: string;
  state: SearchRecord["curves"][number]["state"];
  /** Rounds run, round 0 included. */
  rounds: number;
  /** The budgets the search ran, in the order it chose them. */
  budgets_run: string[];
  /** Each of those budgets with the round that chose it (round 0: the starting design). */
  rounds_run: { round: number; budget: string }[];
  /** The target in words, as plan.json records it: "B3 stl at all", "90 % of B3 stl at all", "score 70". */
  target: string;
  /** The same as data (null in a plan.json written before it was recorded: the chart draws no target). */
  target_ref: SearchTargetRef | null;
  /** Examples per task at which the curve reaches the target (null: not reached, or not fitted yet). */
  budget: number | null;
  /** Its 95 % interval; a null end lies beyond every resample. */
  ci: [number | null, number | null] | null;
  runs: number;
  train_sample_passes: number;
  /** What the dense grid 10, 20, 50, 100, 200, 500, 1000, all of the same curve costs on the same data. */
  grid_train_sample_passes: number;
}

/** plan.json's search record as report rows, one per searched curve. */
export function searchRows(record: SearchRecord): SearchRow[] {
  return record.curves.map((c) => {
    const rounds = record.rounds
      .filter((r) => r.curve === c.curve)
      .map((r) => ({ round: r.round, budget: r.budget }));
    return {
      arm: c.arm,
      setting: c.setting,
      scope: c.task ?? "overall",
      state: c.state,
      rounds: c.round + 1,
      budgets_run: rounds.map((r) => r.budget),
      rounds_run: rounds,
      target: record.target,
      target_ref: record.target_ref ?? null,
      budget: c.budget,
      ci: c.ci,
      runs: c.runs,
      train_sample_passes: c.train_sample_passes,
      grid_train_sample_passes: c.grid_train_sample_passes,
    };
  });
}

/** The slice of the analysis a searched curve's scores come from (the report's Analysis has it all). */
export interface SearchScores {
  conditions: readonly { key: string; arm: string; setting: string; budget: string | null }[];
  overall: readonly { key: string; rougeL: number; ci: [number, number] }[];
  tasks: readonly {
    task: string;
    cells: Readonly<Record<string, { rougeL: number; ci: [number, number] }>>;
  }[];
  /** Where budget `all` sits on the examples-per-task axis. */
  budget_axis: { all_position: number };
}

/** A budget the search ran, with the round that chose it and its measured score (null: not scored yet). */
export interface SearchRoundPoint {
  round: number;
  budget: string;
  /** Examples per task (`all`: the study's mean train size). */
  x: number;
  score: number | null;
  ci: [number, number] | null;
}

export interface SearchCurveView {
  points: SearchRoundPoint[];
  /** The level the search aims at, on the headline metric × 100 (null: its run is not scored, or unknown). */
  target_score: number | null;
}

/**
 * A searched curve's rounds with the scores the analysis measured at each budget, and the target's level,
 * on the curve's own scope (the mean over tasks, or its task), as the search itself measures them.
 */
export function searchCurveView(row: SearchRow, scores: SearchScores): SearchCurveView {
  const measured = (arm: string, setting: string, budget: string | null) => {
    const c = scores.conditions.find((x) => x.arm === arm && x.setting === setting && x.budget === budget);
    if (!c) return null;
    if (row.scope === "overall") return scores.overall.find((o) => o.key === c.key) ?? null;
    return scores.tasks.find((t) => t.task === row.scope)?.cells[c.key] ?? null;
  };
  const points = row.rounds_run.map(({ round, budget }): SearchRoundPoint => {
    const m = measured(row.arm, row.setting, budget);
    const x = budget === "all" ? scores.budget_axis.all_position : Number(budget);
    return { round, budget, x, score: m?.rougeL ?? null, ci: m?.ci ?? null };
  });
  const target = row.target_ref;
  let target_score: number | null = null;
  if (target && "score" in target) target_score = target.score;
  else if (target) {
    const base = measured(target.arm, target.setting, target.budget);
    target_score = base ? target.share * base.rougeL : null;
  }
  return { points, target_score };
}
