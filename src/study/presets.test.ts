import { describe, expect, it } from "vitest";
import { planFile } from "../runner/store/files.js";
import { studyContext } from "./context.js";
import { planStudy } from "./plan.js";
import { loadPreset, presetText, PRESETS } from "./presets.js";
import { parseStudyYaml } from "./spec.js";

async function presetPlan(name: string) {
  const study = loadPreset(name, "/tmp");
  const ctx = await studyContext(study, { preset: name });
  return planStudy(study.spec, ctx.plan);
}

describe("presets for today's models (issue 15)", () => {
  it("lists modern and flan beside thesis and demo", () => {
    expect(Object.keys(PRESETS)).toEqual(["thesis", "demo", "modern", "flan"]);
  });

  it("modern: base against instruct, full and LoRA, STL and MTL at 10..all, zero-shot, on the 119 test tasks", async () => {
    const plan = await presetPlan("modern");
    // 4 trained arms x 5 budgets (base and supervised arms split 4 + 1), each on 119 tasks or one MTL run.
    expect(plan.totals.by_setting).toEqual({ stl: 20 * 119, mtl: 20, prefinetune: 0, eval: 1 });
    expect(plan.totals.runs).toBe(20 * 119 + 20 + 1);
    expect(new Set(plan.runs.map((r) => r.id)).size).toBe(plan.totals.runs);
    const json = planFile(plan);
    expect(json.arms.map((a) => `${a.name}:${a.role}:${a.model}`)).toEqual([
      "instruct:instruction-tuned:Qwen/Qwen2.5-0.5B-Instruct",
      "instruct-lora:instruction-tuned:Qwen/Qwen2.5-0.5B-Instruct",
      "base:baseline:Qwen/Qwen2.5-0.5B",
      "base-lora:baseline:Qwen/Qwen2.5-0.5B",
      "supervised:supervised:Qwen/Qwen2.5-0.5B",
      "supervised-lora:supervised:Qwen/Qwen2.5-0.5B",
      "zero-shot:zero-shot:Qwen/Qwen2.5-0.5B-Instruct",
    ]);
    const budgets = (arm: string) => [
      ...new Set(plan.runs.filter((r) => r.arm === arm && r.setting === "mtl").map((r) => r.budget)),
    ];
    expect(budgets("instruct")).toEqual(["10", "50", "100", "500", "all"]);
    expect([...budgets("base"), ...budgets("supervised")]).toEqual(["10", "50", "100", "500", "all"]);
    // The instruct model is fed through its chat template, the base model as raw text.
    const engine = (arm: string) => plan.runs.find((r) => r.arm === arm)!.engine;
    for (const arm of ["instruct", "instruct-lora", "zero-shot"]) expect(engine(arm).template).toBe("chat");
    for (const arm of ["base", "base-lora", "supervised", "supervised-lora"])
      expect(engine(arm)).not.toHaveProperty("template");
    // LoRA arms train adapters; the others fine-tune every weight.
    for (const arm of ["instruct-lora", "base-lora", "supervised-lora"])
      expect(engine(arm).train!.lora).toMatchObject({ r: 16, alpha: 32 });
    for (const arm of ["instruct", "base", "supervised"]) expect(engine(arm).train!.lora).toBeUndefined();
    expect(engine("zero-shot").train).toBeNull();
  });

  it("flan: the thesis's design with Flan-T5 Large and T5 v1.1 Large, no pre-finetune (any collection)", async () => {
    const plan = await presetPlan("flan");
    // inst 4 budgets, B2 2, B3 1 (STL only) on 119 tasks; MTL for inst and B2; one zero-shot run.
    expect(plan.totals.by_setting).toEqual({ stl: 7 * 119, mtl: 6, prefinetune: 0, eval: 1 });
    expect(plan.arms.map((a) => `${a.name}:${a.role}:${a.model}`)).toEqual([
      "inst:instruction-tuned:google/flan-t5-large",
      "B2:baseline:google/t5-v1_1-large",
      "B3:supervised:google/t5-v1_1-large",
      "zero-shot:zero-shot:google/flan-t5-large",
    ]);
    for (const r of plan.runs) expect(r.depends_on).toEqual([]);
  });

  it("init's text for modern and flan is a spec that plans (every preset parses as written)", async () => {
    for (const name of ["modern", "flan"]) {
      const spec = parseStudyYaml(presetText(name), `${name}.yaml`);
      const ctx = await studyContext(
        { spec, text: presetText(name), baseDir: "/tmp", source: "x" },
        { preset: null },
      );
      expect(planStudy(spec, ctx.plan).totals.runs).toBeGreaterThan(0);
    }
  });
});
