import {
  budgetText,
  metricLabel,
  settingText,
  type Analysis,
  type MatchingRow,
  type OverallRow,
} from "../analysis/index.js";

/**
 * The three lines `quicklearn demo` ends with, computed from the study's analysis (nothing hard-coded):
 * single-task and multi-task headline metric (ROUGE-L in the demo) of the instruction-tuned arm at each budget beside the baselines
 * (with 95 % bootstrap intervals), then whether its curve reached each baseline within the measured budgets.
 */
export function demoSummary(a: Analysis): string[] {
  const line = (setting: string, extra: OverallRow[] = []) => {
    const rows = a.overall.filter((r) => r.setting === setting).sort(byRoleThenBudget);
    const all = [...rows, ...extra];
    if (all.length === 0) return `${settingText(setting)}: no finished runs.`;
    return `${settingText(setting)} ${metricLabel(a.metric)} (95 % CI): ${all.map(figure).join("; ")}.`;
  };
  const zeroShot = a.overall.filter((r) => r.role === "zero-shot");
  return [line("stl"), line("mtl", zeroShot), matchingLine(a.matching)];
}

const ROLE_ORDER = ["instruction-tuned", "zero-shot", "baseline", "supervised", "prefinetune"];

function byRoleThenBudget(x: OverallRow, y: OverallRow): number {
  const role = ROLE_ORDER.indexOf(x.role) - ROLE_ORDER.indexOf(y.role);
  if (role !== 0) return role;
  if (x.arm !== y.arm) return x.arm < y.arm ? -1 : 1;
  return budgetNumber(x.budget) - budgetNumber(y.budget);
}

function budgetNumber(b: string | null): number {
  if (b === null) return 0;
  return b === "all" ? Number.POSITIVE_INFINITY : Number.parseFloat(b);
}

function figure(r: OverallRow): string {
  const who = r.role === "zero-shot" ? `${r.arm} (no fine-tuning)` : `${r.arm} ${shortBudget(r.budget)}`;
  return `${who} ${r.rougeL.toFixed(1)} [${r.ci[0].toFixed(1)}, ${r.ci[1].toFixed(1)}]`;
}

function shortBudget(b: string | null): string {
  if (b === null) return "";
  return b === "all" ? "all" : `${b}/task`;
}

function matchingLine(rows: MatchingRow[]): string {
  if (rows.length === 0)
    return "Matching budget: nothing to compare yet (no instruction-tuned curve and baseline both done).";
  const parts = rows.map((m) => {
    const who = `${m.arm} ${settingText(m.setting)} vs ${settingText(m.baseline_setting)} ${m.baseline} (${budgetText(m.baseline_budget)})`;
    if (m.budget_per_task === null) return `${who}: not reached`;
    const at = `${m.at_first_budget ? "≤" : ""}${Math.round(m.budget_per_task)}/task`;
    return `${who}: reached at ${at}${m.supported ? "" : " (not supported by the interval)"}`;
  });
  const reached = rows.filter((m) => m.supported).length;
  return `Matching budget (${reached} of ${rows.length} supported by the bootstrap): ${parts.join("; ")}.`;
}
