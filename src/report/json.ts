import type { Analysis } from "../analysis/index.js";
import { roundNumbers, roundPercent as pct, roundPercentPair as pctPair } from "../util/round.js";
import {
  effectSentence,
  matchingSentence,
  publishedEffectSentence,
  publishedMatchSentence,
} from "./sentences.js";

/**
 * The `report --json` document: the contract's keys ("overall", "matching", "groups") first, with
 * their contract fields, then extras (effects, the study's progress, method facts). Figures in percent
 * are rounded to 4 decimals, every other fraction to 6 significant digits (src/util/round.ts).
 * `metric` names the headline metric; the figures keep their contract keys (`rougeL`, `baseline_rougeL`)
 * whatever it is, and hold that metric's value (docs/report.md).
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
  });
}
