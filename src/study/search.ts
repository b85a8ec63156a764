import { UserError } from "../util/errors.js";
import { planStudy, planTotals, type Plan, type PlanContext, type PlannedRun } from "./plan.js";
import { checkSearchAgainst, SearchSpec, type RunRef } from "./search-spec.js";
import { formatPath, type StudySpec } from "./spec.js";

/**
 * The runs of an adaptive budget search (issue 17), pure: which curves are searched, round 0's budgets,
 * and the PlannedRuns of any round. Runs are made by the study's own planner, so a searched budget's run
 * has the id the same budget has in a grid, and a search resumed or widened into a grid repeats nothing.
 * Choosing the next budget is the analysis's part (src/analysis/search).
 */
export {
  MAX_SEARCH_ROUNDS,
  RunRef,
  SearchSpec,
  checkSearchAgainst,
  type SearchSpecInput,
  type SearchTargetSpec,
} from "./search-spec.js";

/** Validate a `search` block, alone or against its study's arms; errors name the source and the field. */
export function parseSearch(value: unknown, source: string, study?: StudySpec): SearchSpec {
  const parsed = SearchSpec.safeParse(value, { reportInput: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const message =
      issue.code === "unrecognized_keys"
        ? `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}`
        : issue.code === "invalid_type" && issue.input === undefined
          ? `required (expected ${issue.expected})`
          : issue.message.replace(/^Invalid input: /, "");
    throw new UserError(`${source}: ${formatPath(["search", ...issue.path])}: ${message}`, SEE_DOCS);
  }
  const problem = study ? checkSearchAgainst(parsed.data, study)[0] : undefined;
  if (problem)
    throw new UserError(`${source}: ${formatPath(["search", ...problem[0]])}: ${problem[1]}`, SEE_DOCS);
  return parsed.data;
}

const SEE_DOCS =
  "a search block has target, arms, settings, per_task, min_budget, max_budget, tolerance and max_rounds";

/** A searched curve: an arm in a setting, over all the study's tasks (task null) or one task (per_task). */
export interface SearchedCurve {
  arm: string;
  setting: "stl" | "mtl";
  task: string | null;
}

/** A budget of a searched curve: a count of examples per task, or the whole train split. */
export type SearchBudget = number | "all";

export function searchedCurves(search: SearchSpec, tasks: readonly string[]): SearchedCurve[] {
  return search.arms.flatMap((arm) =>
    search.settings.flatMap((setting): SearchedCurve[] =>
      search.per_task ? tasks.map((task) => ({ arm, setting, task })) : [{ arm, setting, task: null }],
    ),
  );
}

/** `inst/stl` or `inst/stl/task1356_xlsum_title_generation`: a curve's key in plan.json and status. */
export function curveKey(c: SearchedCurve): string {
  return [c.arm, c.setting, c.task].filter((p) => p !== null).join("/");
}

/**
 * Where `all` sits on a curve's budget axis: the task's train size for a per-task curve, else the mean
 * over the tasks (as the report's budget axis places it, src/analysis/budget.ts).
 */
export function allSize(curve: SearchedCurve, ctx: PlanContext): number {
  const size = (t: string) => ctx.trainSizes.get(t) ?? ctx.estimateTrainSize;
  if (curve.task !== null) return size(curve.task);
  return ctx.tasks.reduce((sum, t) => sum + size(t), 0) / Math.max(1, ctx.tasks.length);
}

/** The numeric budget range of a curve: [min_budget, max_budget], `all` resolved by allSize. */
export function budgetRange(search: SearchSpec, curve: SearchedCurve, ctx: PlanContext) {
  const all = allSize(curve, ctx);
  const maxBudget =
    search.max_budget === "all" ? Math.floor(all) : Math.min(search.max_budget, Math.floor(all));
  return { minBudget: Math.min(search.min_budget, maxBudget), maxBudget, all };
}

/** Round 0's budgets of a searched curve: min_budget and a decade above it, capped at max_budget. */
export function startingBudgets(range: { minBudget: number; maxBudget: number }): number[] {
  const min = Math.ceil(range.minBudget);
  const above = Math.min(Math.floor(range.maxBudget), min * 10);
  return above > min ? [min, above] : [min];
}

/** A number at or above the curve's `all` size is the `all` budget: the same runs as a grid's `all`. */
export function budgetLabel(budget: SearchBudget, all: number): string {
  return budget === "all" || budget >= all ? "all" : String(budget);
}

/**
 * The PlannedRuns of some budgets of searched curves, made by planStudy on the study with those arms'
 * budgets replaced: ids, seeds, data replicates and pre-finetune dependencies are the grid's own.
 */
export function searchRuns(
  spec: StudySpec,
  ctx: PlanContext,
  requests: readonly { curve: SearchedCurve; budgets: readonly SearchBudget[] }[],
): PlannedRun[] {
  const wanted = new Set<string>();
  const budgetsOf = new Map<string, Set<string>>();
  for (const { curve, budgets } of requests) {
    const all = allSize(curve, ctx);
    for (const b of budgets) {
      const label = budgetLabel(b, all);
      wanted.add(runKey(curve.arm, curve.setting, label, curve.task));
      budgetsOf.set(curve.arm, (budgetsOf.get(curve.arm) ?? new Set()).add(label));
    }
  }
  return plannedWith(spec, ctx, budgetsOf).filter(
    (r) =>
      wanted.has(runKey(r.arm, r.setting, r.budget, r.task)) ||
      wanted.has(runKey(r.arm, r.setting, r.budget, null)),
  );
}

/** The budgets of each searched curve so far, by curveKey (a curve absent here has none yet). */
export type SearchBudgets = ReadonlyMap<string, readonly SearchBudget[]>;

/** The run a target names ({arm, setting, budget}), or null for an absolute score. */
export function targetRef(search: SearchSpec): RunRef | null {
  const t = search.target;
  return "share_of" in t ? t.share_of : "arm" in t ? t : null;
}

/**
 * The plan of a searched study with its curves at the given budgets: every run of the arms and settings not
 * searched (their own budgets), the target's runs, and each searched curve's runs at its budgets, with the
 * grid's ids. `spec` is the study with those budgets written into its arms: what the data build needs.
 */
export function searchPlan(
  spec: StudySpec,
  ctx: PlanContext,
  budgets: SearchBudgets,
): { spec: StudySpec; plan: Plan } {
  const search = spec.search!;
  const labels = new Map<string, Set<string>>();
  for (const curve of searchedCurves(search, ctx.tasks)) {
    const all = allSize(curve, ctx);
    labels.set(
      curveKey(curve),
      new Set((budgets.get(curveKey(curve)) ?? []).map((b) => budgetLabel(b, all))),
    );
  }
  const ref = targetRef(search);
  const arms = spec.arms.map((arm) => {
    const extra = [...labels].filter(([key]) => key.split("/")[0] === arm.name).flatMap(([, l]) => [...l]);
    if (ref?.arm === arm.name && ref.budget !== undefined) extra.push(ref.budget);
    const all = [...new Set([...(arm.budgets ?? []), ...extra])];
    return all.length > 0 ? { ...arm, budgets: all } : arm;
  });
  const grown = { ...spec, arms };
  const own = new Map(spec.arms.map((a) => [a.name, new Set(a.budgets ?? [])]));
  const keep = (r: PlannedRun): boolean => {
    if (r.budget === null) return true;
    if (search.arms.includes(r.arm) && (search.settings as string[]).includes(r.setting)) {
      const task = search.per_task ? r.task : null;
      return labels.get(curveKey({ arm: r.arm, setting: r.setting as "stl", task }))?.has(r.budget) ?? false;
    }
    if (ref && r.arm === ref.arm && r.setting === ref.setting && r.budget === ref.budget) return true;
    return own.get(r.arm)?.has(r.budget) ?? false;
  };
  const planned = planStudy(grown, ctx);
  const runs = planned.runs.filter(keep);
  return { spec: grown, plan: { ...planned, runs, totals: planTotals(runs, ctx) } };
}

/** Round 0's budgets of every searched curve: the starting design (the target's runs come with the plan). */
export function roundZeroBudgets(spec: StudySpec, ctx: PlanContext): Map<string, SearchBudget[]> {
  const search = spec.search!;
  return new Map(
    searchedCurves(search, ctx.tasks).map((c) => [curveKey(c), startingBudgets(budgetRange(search, c, ctx))]),
  );
}

/**
 * The most a search can cost, for `quicklearn plan`: round 0, then at most max_rounds - 1 more runs of each
 * curve's budget; and since a search never takes a curve past the dense grid over its range (the decision
 * core's spending rule), a curve's training sample passes at most the larger of its round 0's and that
 * grid's. An upper bound; a search usually stops earlier.
 */
export function searchWorstCase(
  spec: StudySpec,
  ctx: PlanContext,
): { runs: number; train_sample_passes: number } {
  const search = spec.search!;
  const passes = (runs: readonly PlannedRun[]) => runs.reduce((sum, r) => sum + r.train_sample_passes, 0);
  const start = roundZeroBudgets(spec, ctx);
  const round0 = searchPlan(spec, ctx, start).plan.runs;
  let runs = round0.length;
  let trainPasses = passes(round0);
  for (const curve of searchedCurves(search, ctx.tasks)) {
    runs += (search.max_rounds - 1) * searchRuns(spec, ctx, [{ curve, budgets: [search.max_budget] }]).length;
    const grid = [...gridBudgets(budgetRange(search, curve, ctx).maxBudget).slice(0, -1), search.max_budget];
    const own = passes(searchRuns(spec, ctx, [{ curve, budgets: start.get(curveKey(curve))! }]));
    trainPasses += Math.max(0, passes(searchRuns(spec, ctx, [{ curve, budgets: grid }])) - own);
  }
  return { runs, train_sample_passes: trainPasses };
}

/** The dense grid over a curve's range, in examples per task: 10 to 1000 below max_budget, then max_budget. */
export function gridBudgets(maxBudget: number): number[] {
  return [...DENSE_GRID.filter((b): b is number => typeof b === "number" && b < maxBudget), maxBudget];
}

/** The dense grid a search is weighed against (issue 17): 10, 20, 50, 100, 200, 500, 1000 and all. */
export const DENSE_GRID: readonly SearchBudget[] = [10, 20, 50, 100, 200, 500, 1000, "all"];

/** The runs that measure a target ({arm, setting, budget}): round 0 runs them beside the starting design. */
export function targetRuns(spec: StudySpec, ctx: PlanContext, ref: RunRef): PlannedRun[] {
  const budgets = new Map(ref.budget === undefined ? [] : [[ref.arm, new Set([ref.budget])]]);
  return plannedWith(spec, ctx, budgets, ref.arm).filter(
    (r) => r.arm === ref.arm && r.setting === ref.setting && r.budget === (ref.budget ?? null),
  );
}

/** planStudy on the named arms (and the pre-finetune arms they start from), with their budgets replaced. */
function plannedWith(
  spec: StudySpec,
  ctx: PlanContext,
  budgets: Map<string, Set<string>>,
  ...also: string[]
): PlannedRun[] {
  const names = new Set([...budgets.keys(), ...also]);
  const arms = spec.arms
    .filter((a) => names.has(a.name) || spec.arms.some((b) => names.has(b.name) && b.from === a.name))
    .map((a) => (budgets.has(a.name) ? { ...a, budgets: [...budgets.get(a.name)!] } : a));
  return planStudy({ ...spec, arms }, ctx).runs;
}

function runKey(arm: string, setting: string, budget: string | null, task: string | null): string {
  return JSON.stringify([arm, setting, budget, task]);
}
