import type { SearchRecord } from "../runner/store/index.js";

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
  return record.curves.map((c) => ({
    arm: c.arm,
    setting: c.setting,
    scope: c.task ?? "overall",
    state: c.state,
    rounds: c.round + 1,
    budgets_run: record.rounds.filter((r) => r.curve === c.curve).map((r) => r.budget),
    budget: c.budget,
    ci: c.ci,
    runs: c.runs,
    train_sample_passes: c.train_sample_passes,
    grid_train_sample_passes: c.grid_train_sample_passes,
  }));
}
