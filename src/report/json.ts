import { searchCurveView, type Analysis, type CurveQueryRow, type CurveSection } from "../analysis/index.js";
import type { FitRow } from "../analysis/curves/index.js";
import { roundNumbers, roundPercent as pct, roundPercentPair as pctPair } from "../util/round.js";
import {
  effectSentence,
  matchingSentence,
  publishedEffectSentence,
  publishedMatchSentence,
} from "./sentences.js";
import { searchSentence } from "./search-chart.js";

/**
 * The `report --json` document: the contract's keys ("overall", "matching", "groups") first, with
 * their contract fields, then extras (effects, the study's progress, method facts). Figures in percent
 * are rounded to 4 decimals, every other fraction to 6 significant digits (src/util/round.ts).
 * `metric` names the headline metric; the figures keep their contract keys (`rougeL`, `baseline_rougeL`)
 * whatever it is, and hold that metric's value (docs/report.md). `fits` and `queries` are the learning-curve
 * rows with the keys of `quicklearn curve --json` (issue 21); `curves` says how they were made and holds
 * the bands the charts draw and the worth in examples (null when the analysis fitted no curves).
 */
export function reportJson(a: Analysis): Record<string, unknown> {
  return roundNumbers({
    overall: a.overall.map((o) => ({
      arm: o.arm,
      setting: o.setting,
      budget: o.budget,
      rougeL: pct(o.rougeL),
      ci: pctPair(o.ci),
      n_tasks: o.n_tasks,
      micro: pct(o.micro),
      n_instances: o.n_instances,
      seeds: o.seeds,
      data_replicates: o.data_replicates,
      published: pct(o.published),
    })),
    matching: a.matching.map((r) => ({
      arm: r.arm,
      setting: r.setting,
      baseline: r.baseline,
      budget_per_task: r.budget_per_task,
      share_of_baseline: r.share_of_baseline,
      baseline_setting: r.baseline_setting,
      baseline_budget: r.baseline_budget,
      baseline_rougeL: pct(r.baseline_rougeL),
      at_first_budget: r.at_first_budget,
      share_ci: r.share_ci,
      reached_in: r.reached_in,
      supported: r.supported,
      sentence: matchingSentence(r),
    })),
    groups: a.groups.map((g) => ({
      arm: g.arm,
      setting: g.setting,
      budget: g.budget,
      group: g.group,
      rougeL: pct(g.rougeL),
      ci: pctPair(g.ci),
      n_tasks: g.n_tasks,
      published: pct(g.published),
    })),
    fits: a.curves?.fits.map(fitJson) ?? [],
    queries: a.curves?.queries.map(queryJson) ?? [],
    curves: a.curves && curvesJson(a.curves),
    effects: a.effects.map((x) => ({
      effect: x.effect,
      a: { arm: x.a.arm, setting: x.a.setting, budget: x.a.budget },
      b: { arm: x.b.arm, setting: x.b.setting, budget: x.b.budget },
      diff: pct(x.diff),
      ci: pctPair(x.ci),
      n_tasks: x.n_tasks,
      verdict: x.verdict,
      sentence: effectSentence(x),
    })),
    tasks: a.tasks.flatMap((t) =>
      a.conditions.flatMap((c) => {
        const cell = t.cells[c.key];
        if (!cell) return [];
        return [
          {
            task: t.task,
            category: t.category,
            group: t.group,
            arm: c.arm,
            setting: c.setting,
            budget: c.budget,
            rougeL: pct(cell.rougeL),
            ci: pctPair(cell.ci),
            n_instances: cell.n_instances,
            truncation: cell.truncation,
          },
        ];
      }),
    ),
    metric: a.metric,
    study: a.study,
    aggregation: a.aggregation,
    bootstrap: a.bootstrap,
    budget_axis: a.budget_axis,
    published_claims: a.published_claims && {
      matching: a.published_claims.matching.map((m) => ({
        ...m,
        baseline_rougeL: pct(m.baseline_rougeL),
        sentence: publishedMatchSentence(m),
      })),
      effects: a.published_claims.effects.map((x) => ({
        ...x,
        diff: pct(x.diff),
        sentence: publishedEffectSentence(x),
      })),
    },
    notes: a.notes,
    // An adaptive budget search's curves (issue 17); a grid study's document has no such key.
    ...(a.search
      ? {
          search: a.search.map((r) => ({
            ...r,
            budget: pct(r.budget),
            ci: r.ci && pctPair(r.ci),
            target_score: pct(searchCurveView(r, a).target_score),
            sentence: searchSentence(a, r),
          })),
        }
      : {}),
  });
}

/** A fit row in the key order; the extras (formula, interval, why no backtest) after. */
function fitJson(f: FitRow): Record<string, unknown> {
  const b = f.backtest;
  return {
    arm: f.arm,
    setting: f.setting,
    scope: f.scope,
    family: f.family,
    params: f.params,
    sse: f.sse,
    rmse: pct(f.rmse),
    asymptote: pct(f.asymptote),
    n_points: f.n_points,
    backtest: b && {
      held_out_budget: b.held_out_budget,
      predicted: pct(b.predicted),
      measured: pct(b.measured),
      error: pct(b.error),
      inside_interval: b.inside_interval,
      interval: b.interval && pctPair(b.interval),
    },
    ci: { ...f.ci, ...(f.ci.asymptote ? { asymptote: pctPair(f.ci.asymptote) } : {}) },
    formula: f.formula,
    interval_method: f.interval_method,
    ...(f.backtest_reason === undefined ? {} : { backtest_reason: f.backtest_reason }),
  };
}

function queryJson(q: CurveQueryRow): Record<string, unknown> {
  return {
    arm: q.arm,
    setting: q.setting,
    scope: q.scope,
    target: pct(q.target),
    budget: q.budget,
    ci: q.ci,
    extrapolated: q.extrapolated,
    reachable_share: q.reachable_share,
    baseline: q.baseline,
    share: q.share,
  };
}

function curvesJson(c: CurveSection): Record<string, unknown> {
  return {
    family: c.family,
    level: c.level,
    task_resamples: c.task_resamples,
    unfitted: c.unfitted,
    bands: c.bands.map((b) => ({
      ...b,
      points: b.points.map((p) => ({ x: p.x, score: pct(p.score), lo: pct(p.lo), hi: pct(p.hi) })),
    })),
    worth: c.worth.map((w) => ({
      ...w,
      points: w.points.map((p) => ({ ...p, score: pct(p.score) })),
    })),
  };
}
