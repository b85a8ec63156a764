/**
 * The adaptive budget search's rounds (issue 17): after a round, read its results, decide each searched
 * curve's next budget (decide.ts), and grow the plan (src/study/search.ts); the runner executes each round
 * like any other runs, through the StudyRounds it is given (locally, or a SLURM follow-up job per round).
 *
 * Nothing here is kept only in memory: plan.json records the rounds, and every decision is recomputed from
 * the results on disk with a fixed seed, so a search killed at any moment resumes with the same choices.
 */
import type { SearchRecord, StudyRounds, StudyStore } from "../../runner/index.js";
import {
  allSize,
  budgetLabel,
  budgetRange,
  curveKey,
  DENSE_GRID,
  roundZeroBudgets,
  searchedCurves,
  searchPlan,
  searchRuns,
  searchWorstCase,
  targetRef,
  type SearchBudget,
  type SearchedCurve,
} from "../../study/search.js";
import type { PlanContext, PlannedRun } from "../../study/plan.js";
import type { StudySpec } from "../../study/spec.js";
import { UserError } from "../../util/errors.js";
import { Bootstrap, DEFAULT_BOOTSTRAP } from "../bootstrap.js";
import { budgetAxis } from "../budget.js";
import { loadStudy } from "../load.js";
import { curveSeries, measureCondition, measureCurve } from "../study-curves.js";
import { buildResultsTable, type ResultsTable } from "../table.js";
import { decide } from "./decide.js";
import type { SearchPoint } from "./crossing.js";
import type { SearchTarget } from "./target.js";

type CurveState = SearchRecord["curves"][number]["state"];

interface Curve extends SearchedCurve {
  key: string;
  budgets: SearchBudget[];
  round: number;
  state: CurveState;
  answer: { budget: number | null; ci: [number | null, number | null] | null };
  reason: string;
}

/** The rounds of a searched study for runStudy: plan.json's record on resume, decisions from the results. */
export function searchRounds(spec: StudySpec): StudyRounds {
  let curves: Curve[] | null = null;
  let rounds: SearchRecord["rounds"] = [];
  let context: PlanContext | null = null;
  let fixed: FixedCosts | null = null;
  // The first decision after a resume looks at every curve again: a recorded stop is shown until then, but
  // decided anew from the results (a larger max_rounds, say, lets a stopped curve go on).
  let resumed = true;
  return {
    async design(store, ctx) {
      context = ctx;
      if (!curves) ({ curves, rounds } = await resume(store, spec, ctx));
      fixed ??= fixedCosts(spec, ctx, curves);
      const budgets = new Map(curves.map((c) => [c.key, c.budgets]));
      const planned = searchPlan(spec, ctx, budgets);
      return { ...planned, search: searchRecord(spec, ctx, curves, rounds, fixed) };
    },
    async next(store) {
      const running = (curves ?? []).filter((c) => resumed || c.state === "running");
      resumed = false;
      if (running.length === 0 || !context) return false;
      const measured = await measure(store);
      let more = false;
      for (const curve of running) {
        const d = decideCurve(spec, context, curve, measured);
        if (d.action === "run") {
          const budget = chosen(spec, context, curve, d.budget);
          curve.round = d.round;
          curve.state = "running";
          curve.budgets.push(budget);
          rounds.push({
            round: d.round,
            curve: curve.key,
            budget: label(curve, budget, context),
            reason: d.reason,
          });
          curve.reason = d.reason;
          more = true;
        } else {
          curve.state = d.state;
          curve.answer = {
            budget: d.answer.budget,
            ci: [finite(d.answer.ci[0]), finite(d.answer.ci[1])],
          };
          curve.reason = d.reason;
        }
      }
      return more;
    },
  };
}

/** Round 0 of every curve, or the rounds plan.json recorded (a search resumed), for the search as it is now. */
async function resume(
  store: StudyStore,
  spec: StudySpec,
  ctx: PlanContext,
): Promise<{ curves: Curve[]; rounds: SearchRecord["rounds"] }> {
  const record = (await store.readPlan().catch(() => null))?.search;
  const recorded = record?.rounds ?? [];
  const start = roundZeroBudgets(spec, ctx);
  const curves = searchedCurves(spec.search!, ctx.tasks).map((c): Curve => {
    const key = curveKey(c);
    const own = recorded.filter((r) => r.curve === key);
    // Where the record left the curve (status shows it while the search resumes), if it has its rounds.
    const was = own.length > 0 ? record?.curves.find((x) => x.curve === key) : undefined;
    return {
      ...c,
      key,
      budgets: own.length > 0 ? own.map((r) => parseBudget(r.budget)) : [...start.get(key)!],
      round: Math.max(0, ...own.map((r) => r.round)),
      state: was?.state ?? "running",
      answer: { budget: was?.budget ?? null, ci: was?.ci ?? null },
      reason: was?.reason ?? own.at(-1)?.reason ?? ROUND_ZERO,
    };
  });
  const rounds = curves.flatMap((c) => {
    const own = recorded.filter((r) => r.curve === c.key);
    return own.length > 0
      ? own
      : c.budgets.map((b) => ({ round: 0, curve: c.key, budget: label(c, b, ctx), reason: ROUND_ZERO }));
  });
  return { curves, rounds: rounds.sort((a, b) => a.round - b.round) };
}

const ROUND_ZERO = "round 0: the starting design (min_budget and a decade above it)";

/**
 * What does not change from round to round: each curve's dense-grid cost and the worst case. Each plans the
 * study once per curve, so a search computes them once, not at every round.
 */
interface FixedCosts {
  grid: Map<string, number>;
  worst: SearchRecord["worst_case"];
}

function fixedCosts(spec: StudySpec, ctx: PlanContext, curves: readonly Curve[]): FixedCosts {
  const grid = curves.map(
    (c) => [c.key, passes(searchRuns(spec, ctx, [{ curve: c, budgets: DENSE_GRID }]))] as const,
  );
  return { grid: new Map(grid), worst: searchWorstCase(spec, ctx) };
}

function passes(runs: readonly PlannedRun[]): number {
  return runs.reduce((sum, r) => sum + r.train_sample_passes, 0);
}

/** plan.json's record of the search: every curve's state and cost beside the dense grid, and the rounds. */
function searchRecord(
  spec: StudySpec,
  ctx: PlanContext,
  curves: Curve[],
  rounds: SearchRecord["rounds"],
  fixed: FixedCosts,
) {
  const record: SearchRecord = {
    target: targetText(spec),
    target_ref: targetData(spec),
    max_rounds: spec.search!.max_rounds,
    curves: curves.map((c) => {
      const runs = searchRuns(spec, ctx, [{ curve: c, budgets: c.budgets }]);
      return {
        curve: c.key,
        arm: c.arm,
        setting: c.setting,
        task: c.task,
        state: c.state,
        round: c.round,
        budget: c.answer.budget,
        ci: c.answer.ci,
        reason: c.reason,
        runs: runs.length,
        train_sample_passes: passes(runs),
        grid_train_sample_passes: fixed.grid.get(c.key)!,
      };
    }),
    rounds,
    worst_case: fixed.worst,
  };
  return record;
}

/** The round-0 record of a searched study, for `quicklearn plan` (nothing run yet). */
export function plannedSearch(spec: StudySpec, ctx: PlanContext) {
  const start = roundZeroBudgets(spec, ctx);
  const curves = searchedCurves(spec.search!, ctx.tasks).map((c): Curve => ({
    ...c,
    key: curveKey(c),
    budgets: start.get(curveKey(c))!,
    round: 0,
    state: "running",
    answer: { budget: null, ci: null },
    reason: ROUND_ZERO,
  }));
  const rounds = curves.flatMap((c) =>
    c.budgets.map((b) => ({ round: 0, curve: c.key, budget: label(c, b, ctx), reason: ROUND_ZERO })),
  );
  return {
    ...searchPlan(spec, ctx, new Map(curves.map((c) => [c.key, c.budgets]))),
    search: searchRecord(spec, ctx, curves, rounds, fixedCosts(spec, ctx, curves)),
  };
}

/** The study's results as the search reads them: the results table and its paired bootstrap. */
interface Measured {
  table: ResultsTable;
  boot: Bootstrap;
}

async function measure(store: StudyStore): Promise<Measured> {
  const table = buildResultsTable(await loadStudy(store.dir));
  return { table, boot: new Bootstrap(table, DEFAULT_BOOTSTRAP) };
}

function decideCurve(spec: StudySpec, ctx: PlanContext, curve: Curve, m: Measured) {
  const search = spec.search!;
  const scope = curve.task ?? "overall";
  const range = budgetRange(search, curve, ctx);
  // Budgets on the curve's own axis: `all` at its train size (the task's own for a per-task curve).
  const axis = budgetAxis([], range.all, "the study's plan");
  const series = curveSeries(m.table, axis).find((s) => s.arm === curve.arm && s.setting === curve.setting);
  const measured = series && measureCurve(m.table, m.boot, axis, series.conditions, { ...curve, scope });
  const points: SearchPoint[] = (measured?.budgets ?? []).map((budget, k) => ({
    budget,
    score: measured!.scores[k]!,
    resamples: measured!.draws[k]!,
  }));
  return decide({
    points,
    target: target(spec, m, scope),
    minBudget: range.minBudget,
    maxBudget: range.maxBudget,
    tolerance: search.tolerance,
    round: curve.round,
    maxRounds: search.max_rounds,
    // `all` is the curve's max_budget when max_budget is all: never proposed again.
    budgetsRun: curve.budgets.map((b) => (b === "all" ? range.maxBudget : b)),
    options: { seed: 1 },
  });
}

function target(spec: StudySpec, m: Measured, scope: string): SearchTarget {
  const t = spec.search!.target;
  if ("score" in t) return { kind: "score", score: t.score };
  const ref = targetRef(spec.search!)!;
  const c = m.table.conditions.findIndex(
    (x) => x.arm === ref.arm && x.setting === ref.setting && x.budget === (ref.budget ?? null),
  );
  const score = c === -1 ? null : measureCondition(m.table, m.boot, c, scope);
  if (!score)
    throw new UserError(
      `search.target: ${targetText(spec)} has no scored run${scope === "overall" ? "" : ` on ${scope}`}`,
      "its runs must finish before the search can go on; see quicklearn status",
    );
  const baseline = { score: score.value, resamples: score.draws };
  return "share_of" in t ? { kind: "share", share: t.share, baseline } : { kind: "baseline", baseline };
}

/** "B3 stl at all", "95 % of B3 stl at all", "score 70". */
export function targetText(spec: StudySpec): string {
  const t = spec.search!.target;
  if ("score" in t) return `score ${t.score}`;
  const ref = targetRef(spec.search!)!;
  const run = `${ref.arm} ${ref.setting}${ref.budget === undefined ? "" : ` at ${ref.budget}`}`;
  return "share_of" in t ? `${+(t.share * 100).toFixed(2)} % of ${run}` : run;
}

/** The target as plan.json records it for the report: a score, or a share of a run of the study. */
function targetData(spec: StudySpec): SearchRecord["target_ref"] {
  const t = spec.search!.target;
  if ("score" in t) return { score: t.score };
  const ref = targetRef(spec.search!)!;
  return { ...ref, budget: ref.budget ?? null, share: "share_of" in t ? t.share : 1 };
}

/** A proposal at a max_budget of `all` is the `all` budget (the grid's own runs), not its rounded size. */
function chosen(spec: StudySpec, ctx: PlanContext, curve: SearchedCurve, budget: number): SearchBudget {
  const atMax = budget >= budgetRange(spec.search!, curve, ctx).maxBudget;
  return atMax && spec.search!.max_budget === "all" ? "all" : budget;
}

function label(curve: SearchedCurve, budget: SearchBudget, ctx: PlanContext): string {
  return budgetLabel(budget, allSize(curve, ctx));
}

function parseBudget(label: string): SearchBudget {
  return label === "all" ? "all" : Number(label);
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
