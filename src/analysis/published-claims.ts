import { budgetAxis } from "./budget.js";
import { effectPairs, matchingPairs, type ConditionMeta } from "./design.js";
import { matchingBudget } from "./interpolate.js";
import type { PublishedFigures } from "./published.js";
import type { PublishedClaims, PublishedEffect, PublishedMatch } from "./rows.js";
import type { ArmRole } from "./types.js";

/**
 * The thesis's headline claims recomputed from its own published overall figures, with the same
 * interpolation the study's figures get (point estimates only: the thesis gave no intervals).
 */
export function publishedClaims(published: PublishedFigures): PublishedClaims {
  const o = published.thesis.overall;
  const conds: (ConditionMeta & { label: string; value: number })[] = [];
  const add = (
    arm: string,
    label: string,
    role: ArmRole,
    setting: string,
    budget: string | null,
    value: number,
    pre: string | null = null,
  ) => conds.push({ arm, label, role, setting, budget, value, prefinetune: pre });
  for (const setting of ["stl", "mtl"] as const) {
    for (const [budget, value] of Object.entries(o[setting].instruction_tuned))
      add("inst", "instruction-tuned", "instruction-tuned", setting, budget, value);
    add(
      "B1",
      "baseline 1",
      "baseline",
      setting,
      "200",
      o[setting].baseline_1_prefinetuned_no_instructions_200,
      "prefinetune-noinst",
    );
    add("B2", "baseline 2", "baseline", setting, "1000", o[setting].baseline_2_base_1000);
  }
  add("B3", "baseline 3 (supervised)", "supervised", "stl", "all", o.stl.baseline_3_base_all_supervised_sota);
  const axis = budgetAxis([], published.meanTrainAll, "the thesis's dataset");
  const matching = matchingPairs(conds).map((p): PublishedMatch => {
    const base = conds[p.baseline]!;
    const m = matchingBudget(
      p.curve.map((i) => ({ x: axis.position(conds[i]!.budget!), y: conds[i]!.value })),
      base.value,
    );
    return {
      setting: p.setting,
      baseline: base.arm,
      baseline_label: base.label,
      baseline_setting: base.setting,
      baseline_budget: base.budget!,
      baseline_rougeL: base.value,
      budget_per_task: m.reached ? m.budget : null,
      share_of_baseline: m.reached ? m.budget / axis.position(base.budget!) : null,
      at_first_budget: m.reached && m.atFirstBudget,
    };
  });
  const effects = effectPairs(conds).map((e): PublishedEffect => {
    const ref = (c: (typeof conds)[number]) => ({
      arm: c.arm,
      setting: c.setting,
      budget: c.budget,
      label: c.label,
    });
    return {
      effect: e.kind,
      a: ref(conds[e.a]!),
      b: ref(conds[e.b]!),
      diff: conds[e.a]!.value - conds[e.b]!.value,
    };
  });
  return { matching, effects };
}
