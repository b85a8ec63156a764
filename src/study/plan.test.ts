import { describe, expect, it } from "vitest";
import { studyContext } from "./context.js";
import { planFile } from "../runner/store/files.js";
import { planStudy } from "./plan.js";
import { loadPreset } from "./presets.js";
import { parseStudyYaml } from "./spec.js";

async function thesisPlan(mutate?: (yaml: string) => string) {
  const study = loadPreset("thesis", "/tmp");
  const spec = mutate ? parseStudyYaml(mutate(study.text), "x") : study.spec;
  const ctx = await studyContext({ ...study, spec }, { preset: "thesis" });
  return planStudy(spec, ctx.plan);
}

describe("plan", () => {
  it("expands the thesis preset to the thesis grid on the 119 shipped test tasks", async () => {
    const plan = await thesisPlan();
    expect(plan.totals.by_setting).toEqual({ stl: 833, mtl: 6, prefinetune: 1, eval: 1 });
    expect(plan.totals.runs).toBe(841);
    const pft = plan.runs.filter((r) => r.setting === "prefinetune");
    expect(pft).toHaveLength(1);
    const b1 = plan.runs.filter((r) => r.arm === "B1");
    expect(b1).toHaveLength(120);
    for (const r of b1) expect(r.depends_on).toEqual([pft[0]!.id]);
    for (const r of plan.runs.filter((r) => r.arm !== "B1")) expect(r.depends_on).toEqual([]);
    expect(new Set(plan.runs.map((r) => r.id)).size).toBe(841);
    const json = planFile(plan) as { runs: object[]; arms: object[] };
    expect(Object.keys(json.runs[0]!).sort()).toEqual(
      [
        "arm",
        "budget",
        "depends_on",
        "encoding",
        "id",
        "model",
        "replicate",
        "seed",
        "setting",
        "task",
      ].sort(),
    );
    expect(json.arms).toContainEqual({
      name: "B1",
      label: "B1: pre-finetuned T5-3B, 200/task, no instructions",
      role: "baseline",
      model: "google/t5-xl-lm-adapt",
      encoding: "plain",
      prefinetune: "prefinetune-noinst",
      finetuning: "full",
    });
  });

  it("gives readable, stable, content-derived ids", async () => {
    const a = await thesisPlan();
    const b = await thesisPlan();
    expect(a.runs.map((r) => r.id)).toEqual(b.runs.map((r) => r.id));
    const stl = a.runs.find((r) => r.setting === "stl" && r.arm === "inst" && r.budget === "100")!;
    expect(stl.id).toMatch(new RegExp(`^stl-inst-100-${stl.task}-[0-9a-f]{8}$`));
  });

  it("trains each budget below all on every data replicate, keeping the ids of replicate 0", async () => {
    const one = await thesisPlan();
    const three = await thesisPlan((t) => `data_replicates: 3\n${t}`);
    const inst = (p: typeof one, budget: string) =>
      p.runs.filter((r) => r.arm === "inst" && r.setting === "stl" && r.budget === budget);
    expect(inst(three, "100")).toHaveLength(3 * inst(one, "100").length);
    // `all` is the whole train split in every replicate: one draw only.
    expect(inst(three, "all")).toHaveLength(inst(one, "all").length);
    const ids = new Set(three.runs.map((r) => r.id));
    for (const r of one.runs) expect(ids.has(r.id), r.id).toBe(true);
    expect(ids.size).toBe(three.runs.length);
    const r2 = three.runs.find((r) => r.arm === "inst" && r.setting === "mtl" && r.replicate === 2)!;
    expect(r2.id).toMatch(/^mtl-inst-\d+-r2-[0-9a-f]{8}$/);
    expect(r2.engine.train!.files.every((f) => /train\.\d+\.r2\.jsonl$/.test(f))).toBe(true);
  });

  it("refuses data_replicates outside 1 to 100", async () => {
    for (const k of [0, 101, 1.5])
      await expect(thesisPlan((t) => `data_replicates: ${k}\n${t}`)).rejects.toThrow(/data_replicates/);
  });

  it("a changed spec changes only the runs it touches (and their dependents)", async () => {
    const a = await thesisPlan();
    const b = await thesisPlan((t) =>
      t.replace(
        "    settings: [stl, mtl]\n    budgets: [1000]",
        "    settings: [stl, mtl]\n    budgets: [1000]\n    hyperparameters: {learning_rate: 1.0e-4}",
      ),
    );
    const changed = a.runs.filter((r, i) => r.id !== b.runs[i]!.id);
    expect(new Set(changed.map((r) => r.arm))).toEqual(new Set(["B2"]));
    expect(changed).toHaveLength(120);
    // Spelling out a default changes nothing.
    const c = await thesisPlan((t) =>
      t.replace("  optimizer: adamw\n", "  optimizer: adamw\n  weight_decay: 0\n"),
    );
    expect(c.runs.map((r) => r.id)).toEqual(a.runs.map((r) => r.id));
    // A different pre-finetune changes it and every B1 run.
    const d = await thesisPlan((t) => t.replace("per_task: 100", "per_task: 50"));
    const changedD = a.runs.filter((r, i) => r.id !== d.runs[i]!.id);
    expect(new Set(changedD.map((r) => r.arm))).toEqual(new Set(["prefinetune-noinst", "B1"]));
  });

  it("takes every engine knob from the study (arm over study), and only result-changing ones enter ids", async () => {
    const a = await thesisPlan();
    const knobs = "  attention: eager\n  gradient_checkpointing: true\n  compile: true\n";
    const b = await thesisPlan((t) =>
      t
        .replace("  optimizer: adamw\n", `  optimizer: adamw\n${knobs}`)
        .replace("    budgets: [1000]", "    budgets: [1000]\n    hyperparameters: {attention: sdpa}")
        .replace("evaluation:\n", "evaluation:\n  static_cache: true\n"),
    );
    const inst = b.runs.find((r) => r.arm === "inst" && r.setting === "stl")!;
    expect(inst.engine).toMatchObject({ attention: "eager", compile: true });
    expect(inst.engine.train).toMatchObject({ gradient_checkpointing: true });
    expect(inst.engine.eval).toMatchObject({ static_cache: true });
    expect(b.runs.find((r) => r.arm === "B2")!.engine.attention).toBe("sdpa");
    // A knob the study leaves out is not written: the engine's default applies.
    expect(a.runs[0]!.engine).not.toHaveProperty("compile");
    // The attention kernel changes ids (kernels sum in different orders); compile, the static cache and
    // gradient checkpointing are speed and memory levers and do not, so turning them on reruns nothing.
    const changed = new Set(a.runs.filter((r, i) => r.id !== b.runs[i]!.id).map((r) => r.arm));
    expect(changed.has("inst") && !changed.has("B2")).toBe(true);
    const speedOnly = await thesisPlan((t) =>
      t
        .replace(
          "  optimizer: adamw\n",
          "  optimizer: adamw\n  compile: true\n  gradient_checkpointing: true\n",
        )
        .replace("evaluation:\n", "evaluation:\n  static_cache: true\n"),
    );
    expect(speedOnly.runs.map((r) => r.id)).toEqual(a.runs.map((r) => r.id));
  });

  it("gives an arm's `template` to its runs' engine spec; `none` (the default) keeps every id (issue 15)", async () => {
    const a = await thesisPlan();
    const chat = await thesisPlan((t) =>
      t.replace("    encoding: thesis-def-pos\n", "    encoding: thesis-def-pos\n    template: chat\n"),
    );
    const inst = chat.runs.find((r) => r.arm === "inst" && r.setting === "stl")!;
    expect(inst.engine.template).toBe("chat");
    expect(chat.runs.find((r) => r.arm === "B2")!.engine).not.toHaveProperty("template");
    const changed = new Set(a.runs.filter((r, i) => r.id !== chat.runs[i]!.id).map((r) => r.arm));
    expect(changed.has("inst") && !changed.has("B2")).toBe(true);
    const spelledOut = await thesisPlan((t) =>
      t.replace("    encoding: thesis-def-pos\n", "    encoding: thesis-def-pos\n    template: none\n"),
    );
    expect(spelledOut.runs.map((r) => r.id)).toEqual(a.runs.map((r) => r.id));
    await expect(
      thesisPlan((t) =>
        t.replace("    encoding: thesis-def-pos\n", "    encoding: thesis-def-pos\n    template: jinja\n"),
      ),
    ).rejects.toThrow(/arms\[0\]\.template: .*"none"/);
  });

  it("multiplies runs by seeds, each seed's B1 depending on its own pre-finetune", async () => {
    const plan = await thesisPlan((t) => t.replace("seeds: [42]", "seeds: [1, 2]"));
    expect(plan.totals.runs).toBe(841 * 2);
    const pfts = plan.runs.filter((r) => r.setting === "prefinetune");
    for (const r of plan.runs.filter((r) => r.arm === "B1")) {
      expect(r.depends_on).toEqual([pfts.find((p) => p.seed === r.seed)!.id]);
    }
  });

  it("carries evaluation.metric to plan.json without changing a run id; ROUGE-L by default (issue 15)", async () => {
    const a = await thesisPlan();
    expect(a.metric).toBe("rougeL");
    const em = await thesisPlan((t) => t.replace("evaluation:\n", "evaluation:\n  metric: exact_match\n"));
    expect(em.metric).toBe("exact_match");
    expect((planFile(em) as { metric: string }).metric).toBe("exact_match");
    expect(em.runs.map((r) => r.id)).toEqual(a.runs.map((r) => r.id));
    expect(em.runs[0]!.engine.eval ?? em.runs[1]!.engine.eval).not.toHaveProperty("metric");
    await expect(
      thesisPlan((t) => t.replace("evaluation:\n", "evaluation:\n  metric: bleu\n")),
    ).rejects.toThrow(/evaluation\.metric/);
  });
});
