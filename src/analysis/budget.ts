/**
 * Positions of budgets on the "training samples per task" axis. Numbers are themselves; "all" sits
 * at the mean per-task number of training instances (documented in docs/report.md); "p%" at p % of
 * that. Without a known "all" count it goes one decade above the largest numeric budget, flagged.
 */
export interface BudgetAxis {
  position(budget: string): number;
  allPosition: number;
  /** Where the "all" position came from, in words. */
  allSource: string;
}

export function budgetAxis(
  budgets: Iterable<string>,
  meanTrainAll: number | null,
  source: string,
): BudgetAxis {
  const numeric = [...budgets].map(Number).filter((n) => Number.isFinite(n) && n > 0);
  const assumed = 10 * Math.max(1000, ...numeric);
  const allPosition = meanTrainAll !== null && meanTrainAll > 0 ? meanTrainAll : assumed;
  const allSource =
    meanTrainAll !== null && meanTrainAll > 0
      ? `mean per-task training instances, from ${source}`
      : `assumed (${assumed} per task): the study's training counts are unknown`;
  return {
    allPosition,
    allSource,
    position(budget: string): number {
      if (budget === "all") return allPosition;
      if (budget.endsWith("%")) return (Number(budget.slice(0, -1)) / 100) * allPosition;
      return Number(budget);
    },
  };
}

/** "200 per task", "all data", "no training". */
export function budgetText(budget: string | null): string {
  if (budget === null) return "no training";
  if (budget === "all") return "all data";
  return `${budget} per task`;
}

export function settingText(setting: string): string {
  return setting === "stl" || setting === "mtl" ? setting.toUpperCase() : setting;
}
