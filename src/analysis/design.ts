import type { ArmRole } from "./types.js";

/** What the comparisons need to know about a condition (study or published). */
export interface ConditionMeta {
  arm: string;
  role: ArmRole;
  setting: string;
  budget: string | null;
  /** The arm's pre-finetune arm, if it starts from one. */
  prefinetune: string | null;
  /** How the arm trains (every weight or LoRA adapters); absent: every weight. */
  finetuning?: "full" | "lora";
}

export type EffectKind = "instructions-in-prefinetuning" | "instruction-tuned-vs-base" | "mtl-vs-stl";

export const EFFECT_TITLES: Record<EffectKind, string> = {
  "instructions-in-prefinetuning":
    "Instructions in pre-finetuning (instruction-tuned vs pre-finetuned without instructions)",
  "instruction-tuned-vs-base": "Instruction-tuned vs base model at equal budget",
  "mtl-vs-stl": "Multi-task vs single-task at equal budget",
};

export interface EffectPair {
  kind: EffectKind;
  /** Index of the condition the difference is taken from (a − b). */
  a: number;
  b: number;
}

export interface MatchingPair {
  arm: string;
  setting: string;
  /** Curve conditions, any order (the analysis sorts them by budget position). */
  curve: number[];
  baseline: number;
}

const isBaseline = (c: ConditionMeta) => c.role === "baseline" || c.role === "supervised";

const trainedAlike = (a: ConditionMeta, b: ConditionMeta) =>
  (a.finetuning ?? "full") === (b.finetuning ?? "full");

/**
 * The baselines an instruction-tuned condition is compared with: those trained the same way (a LoRA arm
 * against LoRA baselines, a fully fine-tuned one against fully fine-tuned ones) when the study has any, so
 * that a study with both (the `modern` preset) does not mix the model's effect with the training method's;
 * else every baseline (a LoRA arm held against a fully fine-tuned supervised reference is the question then).
 */
function comparableBaselines(
  inst: ConditionMeta,
  conds: readonly ConditionMeta[],
): (base: ConditionMeta) => boolean {
  const anyAlike = conds.some((c) => isBaseline(c) && trainedAlike(inst, c));
  return (base) => isBaseline(base) && (!anyAlike || trainedAlike(inst, base));
}

/**
 * The differences the thesis discusses, for any study with the same roles:
 * an instruction-tuned arm against each comparable baseline at the baseline's own setting and budget
 * (labelled by whether that baseline was pre-finetuned without instructions), and MTL against STL for
 * every arm and budget that has both.
 */
export function effectPairs(conds: readonly ConditionMeta[]): EffectPair[] {
  const pairs: EffectPair[] = [];
  const find = (arm: string, setting: string, budget: string | null) =>
    conds.findIndex((c) => c.arm === arm && c.setting === setting && c.budget === budget);
  for (const [b, base] of conds.entries()) {
    if (!isBaseline(base)) continue;
    for (const [a, inst] of conds.entries()) {
      if (inst.role !== "instruction-tuned" || inst.setting !== base.setting || inst.budget !== base.budget)
        continue;
      if (!comparableBaselines(inst, conds)(base)) continue;
      const kind = base.prefinetune ? "instructions-in-prefinetuning" : "instruction-tuned-vs-base";
      pairs.push({ kind, a, b });
    }
  }
  for (const [a, mtl] of conds.entries()) {
    if (mtl.setting !== "mtl") continue;
    const b = find(mtl.arm, "stl", mtl.budget);
    if (b !== -1) pairs.push({ kind: "mtl-vs-stl", a, b });
  }
  return pairs;
}

/**
 * Which curves to hold against which baselines: each instruction-tuned arm's curve per setting
 * against the comparable baselines of that setting, and the comparable supervised (full-data) baselines
 * of that setting, or of any setting when the study has none in it (the thesis trains its supervised
 * baseline single-task only, and holds the multi-task curve against it too).
 */
export function matchingPairs(conds: readonly ConditionMeta[]): MatchingPair[] {
  const pairs: MatchingPair[] = [];
  const curves = new Map<string, { arm: string; setting: string; curve: number[]; meta: ConditionMeta }>();
  for (const [i, c] of conds.entries()) {
    if (c.role !== "instruction-tuned" || c.budget === null || (c.setting !== "stl" && c.setting !== "mtl"))
      continue;
    const key = `${c.arm}/${c.setting}`;
    const entry = curves.get(key) ?? { arm: c.arm, setting: c.setting, curve: [], meta: c };
    entry.curve.push(i);
    curves.set(key, entry);
  }
  for (const { arm, setting, curve, meta } of curves.values()) {
    const comparable = comparableBaselines(meta, conds);
    const bases = conds.filter((base) => base.budget !== null && comparable(base));
    const supervisedHere = bases.some((base) => base.role === "supervised" && base.setting === setting);
    for (const [b, base] of conds.entries()) {
      if (!bases.includes(base)) continue;
      if (base.setting === setting || (base.role === "supervised" && !supervisedHere))
        pairs.push({ arm, setting, curve, baseline: b });
    }
  }
  return pairs;
}
