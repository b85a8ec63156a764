import type { Analysis } from "../analysis/index.js";
import {
  effectSentence,
  matchingSentence,
  publishedEffectSentence,
  publishedMatchSentence,
} from "./sentences.js";

/**
 * The `report --json` document: the contract's keys ("overall", "matching", "groups") first, with
 * their contract fields, then extras (effects, the study's progress, method facts).
 */
export function reportJson(a: Analysis): Record<string, unknown> {
  return {
    overall: a.overall.map((o) => ({
      arm: o.arm,
      setting: o.setting,
      budget: o.budget,
      rougeL: o.rougeL,
      ci: o.ci,
      n_tasks: o.n_tasks,
      micro: o.micro,
      n_instances: o.n_instances,
      seeds: o.seeds,
      published: o.published,
    })),
    matching: a.matching.map((r) => ({
      arm: r.arm,
      setting: r.setting,
      baseline: r.baseline,
      budget_per_task: r.budget_per_task,
      share_of_baseline: r.share_of_baseline,
      baseline_setting: r.baseline_setting,
      baseline_budget: r.baseline_budget,
      baseline_rougeL: r.baseline_rougeL,
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
      rougeL: g.rougeL,
      ci: g.ci,
      n_tasks: g.n_tasks,
      published: g.published,
    })),
    effects: a.effects.map((x) => ({
      effect: x.effect,
      a: { arm: x.a.arm, setting: x.a.setting, budget: x.a.budget },
      b: { arm: x.b.arm, setting: x.b.setting, budget: x.b.budget },
      diff: x.diff,
      ci: x.ci,
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
            rougeL: cell.rougeL,
            ci: cell.ci,
            n_instances: cell.n_instances,
            truncation: cell.truncation,
          },
        ];
      }),
    ),
    study: a.study,
    aggregation: a.aggregation,
    bootstrap: a.bootstrap,
    budget_axis: a.budget_axis,
    published_claims: a.published_claims && {
      matching: a.published_claims.matching.map((m) => ({ ...m, sentence: publishedMatchSentence(m) })),
      effects: a.published_claims.effects.map((x) => ({ ...x, sentence: publishedEffectSentence(x) })),
    },
    notes: a.notes,
  };
}
