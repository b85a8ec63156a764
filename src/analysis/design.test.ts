import { describe, expect, it } from "vitest";
import { studyContext } from "../study/context.js";
import { planStudy } from "../study/plan.js";
import { loadPreset } from "../study/presets.js";
import { effectPairs, matchingPairs, type ConditionMeta } from "./design.js";

/** The conditions a finished study of a preset would have: one per arm, setting and budget. */
async function presetConditions(name: string): Promise<ConditionMeta[]> {
  const study = loadPreset(name, "/tmp");
  const plan = planStudy(study.spec, (await studyContext(study, { preset: name })).plan);
  const arms = new Map(plan.arms.map((a) => [a.name, a]));
  const seen = new Set<string>();
  const conds: ConditionMeta[] = [];
  for (const r of plan.runs) {
    const key = `${r.arm}/${r.setting}/${r.budget}`;
    if (r.setting === "prefinetune" || seen.has(key)) continue;
    seen.add(key);
    const a = arms.get(r.arm)!;
    const { role, prefinetune, finetuning } = a;
    conds.push({ arm: r.arm, setting: r.setting, budget: r.budget, role, prefinetune, finetuning });
  }
  return conds;
}

const name = (c: ConditionMeta) => `${c.arm}/${c.setting}/${c.budget}`;

describe("design pairs (issue 15: full fine-tuning and LoRA in one study)", () => {
  it("modern: each instruct curve against the base arms trained alike, in its own setting", async () => {
    const conds = await presetConditions("modern");
    const pairs = matchingPairs(conds);
    const against = (arm: string, setting: string) =>
      pairs.filter((p) => p.arm === arm && p.setting === setting).map((p) => name(conds[p.baseline]!));
    expect(against("instruct", "stl")).toEqual([
      "base/stl/10",
      "base/stl/50",
      "base/stl/100",
      "base/stl/500",
      "supervised/stl/all",
    ]);
    expect(against("instruct-lora", "mtl")).toEqual([
      "base-lora/mtl/10",
      "base-lora/mtl/50",
      "base-lora/mtl/100",
      "base-lora/mtl/500",
      "supervised-lora/mtl/all",
    ]);
    expect(pairs).toHaveLength(4 * 5);
    for (const p of pairs)
      expect(conds[p.curve[0]!]!.finetuning, name(conds[p.baseline]!)).toBe(conds[p.baseline]!.finetuning);

    const effects = effectPairs(conds).filter((e) => e.kind === "instruction-tuned-vs-base");
    // Every instruct condition against the base condition of the same setting and budget, trained alike.
    expect(effects).toHaveLength(2 * 2 * 5);
    for (const e of effects) {
      const [a, b] = [conds[e.a]!, conds[e.b]!];
      expect([a.finetuning, a.setting, a.budget]).toEqual([b.finetuning, b.setting, b.budget]);
    }
  });

  it("a LoRA curve with no LoRA baseline meets the fully fine-tuned ones (the only reference there is)", async () => {
    const conds = (await presetConditions("modern")).filter(
      (c) => !c.arm.endsWith("-lora") || c.arm === "instruct-lora",
    );
    const against = matchingPairs(conds)
      .filter((p) => p.arm === "instruct-lora" && p.setting === "stl")
      .map((p) => name(conds[p.baseline]!));
    expect(against).toEqual([
      "base/stl/10",
      "base/stl/50",
      "base/stl/100",
      "base/stl/500",
      "supervised/stl/all",
    ]);
    const effects = effectPairs(conds).filter(
      (e) => conds[e.a]!.arm === "instruct-lora" && e.kind !== "mtl-vs-stl",
    );
    expect(effects).toHaveLength(2 * 5);
  });

  it("thesis: unchanged, the multi-task curve is held against the single-task supervised baseline", async () => {
    const conds = await presetConditions("thesis");
    const pairs = matchingPairs(conds).map((p) => `${p.arm}/${p.setting} vs ${name(conds[p.baseline]!)}`);
    expect(pairs).toEqual([
      "inst/mtl vs B1/mtl/200",
      "inst/mtl vs B2/mtl/1000",
      "inst/mtl vs B3/stl/all",
      "inst/stl vs B1/stl/200",
      "inst/stl vs B2/stl/1000",
      "inst/stl vs B3/stl/all",
    ]);
    // Plans written before `finetuning` existed: every arm trained in full, the same pairs.
    const old = conds.map(({ finetuning: _, ...c }) => c);
    expect(matchingPairs(old)).toEqual(matchingPairs(conds));
    expect(effectPairs(old)).toEqual(effectPairs(conds));
  });
});
