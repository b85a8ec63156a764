import { searchRows } from "./search-rows.js";
import { Bootstrap, DEFAULT_BOOTSTRAP, difference, interval, type BootstrapOptions } from "./bootstrap.js";
import { budgetAxis, type BudgetAxis } from "./budget.js";
import { effectPairs, matchingPairs, EFFECT_TITLES, type ConditionMeta, type EffectKind } from "./design.js";
import { REPORT_GROUPS } from "./groups.js";
import { matchingBudget } from "./interpolate.js";
import type { PublishedFigures } from "./published.js";
import { mean, quantileSorted } from "./stats.js";
import { buildResultsTable, type Condition, type ResultsTable } from "./table.js";
import { curveSection } from "./curve-rows.js";
import { aggregationText } from "./metric.js";
import { publishedClaims } from "./published-claims.js";
import {
  type Analysis,
  type EffectRow,
  type GroupRow,
  type MatchingRow,
  type OverallRow,
  type TaskCell,
  type TaskRow,
} from "./rows.js";
import { fitStudyCurves, type CurveFitOptions } from "./study-curves.js";
import type { StudyResults } from "./types.js";

export interface AnalysisOptions {
  bootstrap?: BootstrapOptions;
  /** The thesis's figures, shown beside the study's when the study is the thesis preset. */
  published?: PublishedFigures | null;
  /** Learning-curve fits (default: auto on every curve); false leaves them out. */
  curves?: CurveFitOptions | false;
}

/** The whole analysis of a (possibly partial) study: every figure with its bootstrap interval. */
export function analyzeStudy(study: StudyResults, options: AnalysisOptions = {}): Analysis {
  const bootstrapOptions = options.bootstrap ?? DEFAULT_BOOTSTRAP;
  const metric = study.metric ?? "rougeL";
  // The thesis published ROUGE-L: its figures sit beside the study's only when the study measures the same.
  const published = study.preset === "thesis" && metric === "rougeL" ? (options.published ?? null) : null;
  const table = buildResultsTable(study);
  const boot = new Bootstrap(table, bootstrapOptions);
  const axis = studyBudgetAxis(study, table, published);
  const armByName = new Map(study.arms.map((a) => [a.name, a]));
  const metas: ConditionMeta[] = table.conditions.map((c) => ({
    ...c,
    prefinetune: armByName.get(c.arm)?.prefinetune ?? null,
    finetuning: armByName.get(c.arm)?.finetuning ?? "full",
  }));

  const overall = table.conditions.map((c, i) => overallRow(c, i, boot, published));
  const pairs = matchingPairs(metas);
  const curveOptions = options.curves === false ? null : (options.curves ?? {});
  const runsDone = study.runs.filter((r) => r.status === "done").length;
  return {
    study: {
      name: study.name,
      description: study.description ?? null,
      preset: study.preset,
      runs_done: runsDone,
      runs_total: study.runs.length,
      runs_failed: study.runs.filter((r) => r.status === "failed").length,
    },
    metric,
    aggregation: aggregationText(metric),
    bootstrap: bootstrapOptions,
    budget_axis: { all_position: axis.allPosition, all_source: axis.allSource },
    conditions: table.conditions.map(({ key, arm, label, role, setting, budget }) => ({
      key,
      arm,
      label,
      role,
      setting,
      budget,
    })),
    overall,
    groups: groupRows(table, boot, published),
    tasks: taskRows(table, boot),
    curve_points: overall.map((o) => ({
      key: o.key,
      arm: o.arm,
      label: o.label,
      role: o.role,
      setting: o.setting,
      budget: o.budget,
      x: o.budget === null ? null : axis.position(o.budget),
      rougeL: o.rougeL,
      ci: o.ci,
    })),
    matching: pairs.map((p) => matchingRow(p.curve, p.baseline, table, boot, axis)),
    curves:
      curveOptions &&
      curveSection(
        fitStudyCurves(table, boot, axis, curveOptions),
        table,
        boot,
        axis,
        metas,
        pairs,
        curveOptions,
      ),
    effects: effectPairs(metas).map((p) => effectRow(p.kind, p.a, p.b, table, boot)),
    published_claims: published ? publishedClaims(published) : null,
    notes: study.notes,
    ...(study.search ? { search: searchRows(study.search) } : {}),
  };
}

/** Where each budget sits on the examples-per-task axis ("all": the study's mean train size, else the thesis's). */
export function studyBudgetAxis(
  study: StudyResults,
  table: ResultsTable,
  published: PublishedFigures | null = null,
): BudgetAxis {
  const meanTrainAll = study.meanTrainAll ?? published?.meanTrainAll ?? null;
  const allSource =
    study.meanTrainAll !== null
      ? study.meanTrainAllSource
      : published
        ? "the thesis's dataset (published totals)"
        : "";
  return budgetAxis(
    table.conditions.flatMap((c) => (c.budget ? [c.budget] : [])),
    meanTrainAll,
    allSource,
  );
}

function overallRow(
  c: Condition,
  i: number,
  boot: Bootstrap,
  published: PublishedFigures | null,
): OverallRow {
  const agg = boot.aggregate([i]);
  // Micro: every scored instance weighs the same (its score averaged over seeds).
  const perInstance: number[] = [];
  for (const perSeed of c.scores) {
    if (!perSeed) continue;
    for (let k = 0; k < perSeed[0]!.length; k++) {
      const v = mean(perSeed.map((arr) => arr[k]!));
      if (!Number.isNaN(v)) perInstance.push(v);
    }
  }
  const n = perInstance.length;
  const sum = perInstance.reduce((a, b) => a + b, 0);
  return {
    key: c.key,
    arm: c.arm,
    label: c.label,
    role: c.role,
    setting: c.setting,
    budget: c.budget,
    rougeL: agg.points[0]!,
    ci: interval(agg.replicates[0]!),
    micro: n === 0 ? NaN : (100 * sum) / n,
    n_tasks: agg.nTasks,
    n_instances: n,
    seeds: new Set(c.draws.map((d) => d.seed)).size,
    data_replicates: new Set(c.draws.map((d) => d.replicate)).size,
    published: published?.overall(c.arm, c.setting, c.budget) ?? null,
  };
}

function groupRows(table: ResultsTable, boot: Bootstrap, published: PublishedFigures | null): GroupRow[] {
  const rows: GroupRow[] = [];
  for (const [i, c] of table.conditions.entries()) {
    for (const [g, group] of REPORT_GROUPS.entries()) {
      const agg = boot.aggregate([i], g);
      if (agg.nTasks === 0) continue;
      rows.push({
        key: c.key,
        arm: c.arm,
        setting: c.setting,
        budget: c.budget,
        group,
        rougeL: agg.points[0]!,
        ci: interval(agg.replicates[0]!),
        n_tasks: agg.nTasks,
        published: published?.group(c.arm, c.setting, c.budget, group) ?? null,
      });
    }
  }
  return rows;
}

function taskRows(table: ResultsTable, boot: Bootstrap): TaskRow[] {
  return table.tasks.map((t, ti) => {
    const cells: Record<string, TaskCell> = {};
    for (const [ci, c] of table.conditions.entries()) {
      const est = boot.task(ci, ti);
      if (!est) continue;
      cells[c.key] = {
        rougeL: est.value,
        ci: est.ci,
        n_instances: est.n,
        truncation: c.truncation[ti] ?? null,
      };
    }
    return { task: t.name, category: t.category, group: t.group, cells };
  });
}

/** Sentinel for "not reached" in a resample, so that percentiles can still be taken. */
const NOT_REACHED = 1e18;

function matchingRow(
  curveIdx: number[],
  baseIdx: number,
  table: ResultsTable,
  boot: Bootstrap,
  axis: BudgetAxis,
): MatchingRow {
  const conds = table.conditions;
  const curve = [...curveIdx].sort(
    (a, b) => axis.position(conds[a]!.budget!) - axis.position(conds[b]!.budget!),
  );
  const xs = curve.map((i) => axis.position(conds[i]!.budget!));
  const base = conds[baseIdx]!;
  const baseBudget = axis.position(base.budget!);
  const agg = boot.aggregate([...curve, baseIdx]);
  const target = agg.points[curve.length]!;
  const match = matchingBudget(
    xs.map((x, k) => ({ x, y: agg.points[k]! })),
    target,
  );
  const shares = new Float64Array(boot.resamples);
  let reached = 0;
  let valid = 0;
  for (let r = 0; r < boot.resamples; r++) {
    const t = agg.replicates[curve.length]![r]!;
    if (Number.isNaN(t)) {
      shares[r] = NaN;
      continue;
    }
    valid++;
    const m = matchingBudget(
      xs.map((x, k) => ({ x, y: agg.replicates[k]![r]! })),
      t,
    );
    if (m.reached) reached++;
    shares[r] = m.reached ? m.budget / baseBudget : NOT_REACHED;
  }
  const sorted = shares.filter((v) => !Number.isNaN(v)).sort();
  const q = (p: number) => {
    const v = quantileSorted(sorted, p);
    return Number.isNaN(v) || v >= NOT_REACHED / 10 ? null : v;
  };
  const reachedIn = valid === 0 ? 0 : reached / valid;
  const row: MatchingRow = {
    arm: conds[curve[0]!]!.arm,
    setting: conds[curve[0]!]!.setting,
    baseline: base.arm,
    baseline_setting: base.setting,
    baseline_budget: base.budget!,
    baseline_rougeL: target,
    budget_per_task: match.reached ? match.budget : null,
    share_of_baseline: match.reached ? match.budget / baseBudget : null,
    at_first_budget: match.reached && match.atFirstBudget,
    share_ci: [q(0.025), q(0.975)],
    reached_in: reachedIn,
    supported: match.reached && reachedIn >= 0.975,
  };
  return row;
}

function effectRow(kind: EffectKind, a: number, b: number, table: ResultsTable, boot: Bootstrap): EffectRow {
  const ca = table.conditions[a]!;
  const cb = table.conditions[b]!;
  const agg = boot.aggregate([a, b]);
  const diff = agg.points[0]! - agg.points[1]!;
  const ci = interval(difference(agg.replicates[0]!, agg.replicates[1]!));
  const verdict = ci[0] > 0 ? "higher" : ci[1] < 0 ? "lower" : "inconclusive";
  const ref = (c: Condition) => ({ arm: c.arm, setting: c.setting, budget: c.budget, label: c.label });
  const row: EffectRow = {
    effect: kind,
    title: EFFECT_TITLES[kind],
    a: ref(ca),
    b: ref(cb),
    a_rougeL: agg.points[0]!,
    b_rougeL: agg.points[1]!,
    diff,
    ci,
    n_tasks: agg.nTasks,
    verdict,
  };
  return row;
}
