import { REPORT_GROUPS, reportGroup, type ReportGroup } from "./groups.js";
import type { ArmRole, StudyResults, Truncation } from "./types.js";

export interface TaskInfo {
  name: string;
  category: string;
  group: ReportGroup;
  groupIndex: number;
  /** Test instance ids, sorted: every condition's scores are aligned to this order. */
  ids: string[];
}

/** One cell of the study design: an arm trained in a setting at a budget (over all its tasks and seeds). */
export interface Condition {
  key: string;
  arm: string;
  label: string;
  role: ArmRole;
  setting: string;
  budget: string | null;
  /** The runs' (seed, data replicate) pairs: the bootstrap resamples these draws like it resamples tasks. */
  draws: { seed: number; replicate: number }[];
  /** Per task index, per draw: headline-metric fractions aligned to TaskInfo.ids (NaN where missing); undefined if unscored. */
  scores: (Float64Array[] | undefined)[];
  truncation: (Truncation | undefined)[];
}

export interface ResultsTable {
  tasks: TaskInfo[];
  conditions: Condition[];
}

export function conditionKey(arm: string, setting: string, budget: string | null): string {
  return `${arm}/${setting}/${budget ?? "-"}`;
}

const SETTING_ORDER = ["stl", "mtl", "eval"];

/** Budgets in increasing order; "all" after every number, percentages after "all" would be wrong, so by size. */
export function budgetOrder(budget: string | null): number {
  if (budget === null) return -1;
  if (budget === "all") return Number.MAX_SAFE_INTEGER;
  const n = Number(budget.replace(/%$/, ""));
  return budget.endsWith("%") ? 1e12 + n : n;
}

/**
 * The results table: tasks × conditions × draws × instances, of the study's headline metric only
 * (evaluation.metric, ROUGE-L by default).
 * Runs of one condition that differ only by seed or data replicate become that condition's draws.
 */
export function buildResultsTable(study: StudyResults): ResultsTable {
  const metric = study.metric ?? "rougeL";
  const taskCategory = new Map<string, string>();
  const taskIds = new Map<string, Set<string>>();
  for (const r of study.results) {
    for (const s of r.scores) {
      if (!taskCategory.has(s.task) || taskCategory.get(s.task) === "") taskCategory.set(s.task, s.category);
      let ids = taskIds.get(s.task);
      if (!ids) taskIds.set(s.task, (ids = new Set()));
      ids.add(s.id);
    }
  }
  const tasks: TaskInfo[] = [...taskIds.keys()].sort().map((name) => {
    const category = taskCategory.get(name) ?? "";
    const group = reportGroup(category);
    return {
      name,
      category,
      group,
      groupIndex: REPORT_GROUPS.indexOf(group),
      ids: [...taskIds.get(name)!].sort(),
    };
  });
  const taskIndex = new Map(tasks.map((t, i) => [t.name, i]));
  const idIndex = tasks.map((t) => new Map(t.ids.map((id, i) => [id, i])));

  const armOrder = new Map(study.arms.map((a, i) => [a.name, i]));
  const armByName = new Map(study.arms.map((a) => [a.name, a]));
  const byKey = new Map<string, Condition>();
  for (const r of study.results) {
    const { arm, setting, budget, seed, replicate } = r.run;
    const key = conditionKey(arm, setting, budget);
    let c = byKey.get(key);
    if (!c) {
      const a = armByName.get(arm)!;
      c = { key, arm, label: a.label, role: a.role, setting, budget, draws: [], scores: [], truncation: [] };
      byKey.set(key, c);
    }
    let seedIndex = c.draws.findIndex((d) => d.seed === seed && d.replicate === replicate);
    if (seedIndex === -1) seedIndex = c.draws.push({ seed, replicate }) - 1;
    for (const s of r.scores) {
      const t = taskIndex.get(s.task)!;
      const perSeed = (c.scores[t] ??= []);
      const arr = (perSeed[seedIndex] ??= new Float64Array(tasks[t]!.ids.length).fill(NaN));
      // A line without the metric stays NaN (missing); loadStudy refuses such runs with a message.
      arr[idIndex[t]!.get(s.id)!] = s[metric] ?? NaN;
    }
    for (const [task, trunc] of Object.entries(r.truncation)) {
      const t = taskIndex.get(task);
      if (t !== undefined && c.truncation[t] === undefined) c.truncation[t] = trunc;
    }
  }
  // A seed that lacks a task another seed has leaves a hole; fill it with NaNs so indexing stays simple.
  for (const c of byKey.values()) {
    for (const [t, perSeed] of c.scores.entries()) {
      if (!perSeed) continue;
      for (let s = 0; s < c.draws.length; s++)
        perSeed[s] ??= new Float64Array(tasks[t]!.ids.length).fill(NaN);
    }
  }
  const conditions = [...byKey.values()].sort(
    (a, b) =>
      (armOrder.get(a.arm) ?? 0) - (armOrder.get(b.arm) ?? 0) ||
      order(SETTING_ORDER, a.setting) - order(SETTING_ORDER, b.setting) ||
      budgetOrder(a.budget) - budgetOrder(b.budget),
  );
  return { tasks, conditions };
}

function order(list: string[], v: string): number {
  const i = list.indexOf(v);
  return i === -1 ? list.length : i;
}
