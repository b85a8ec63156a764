import { describe, expect, it } from "vitest";
import { demoStudy, SEARCH_BLOCK } from "./study.js";

/** Every figure the demo study's comments quote, read back from the YAML text. */
function quoted(text: string): Record<string, number> {
  const grab = (re: RegExp) => Number(re.exec(text)?.[1]);
  return {
    epochs: grab(/, (\d+) epochs?; see/),
    learningRate: grab(/, lr ([\d.e-]+), /),
    batch: grab(/\(batch (\d+), /),
    maxSourceLength: grab(/Sources are cut at (\d+) tokens/),
    maxNewTokens: grab(/at most (\d+) new tokens/),
    perTask: grab(/Up to (\d+) instances of each/),
  };
}

describe("the demo study's comments (issue 18)", () => {
  it.each([false, true])("quote the values beside them (quick: %s)", (quick) => {
    const { spec, text } = demoStudy("/tmp/demo", quick);
    expect(quoted(text)).toEqual({
      epochs: spec.hyperparameters.epochs,
      learningRate: spec.hyperparameters.learning_rate,
      batch: spec.hyperparameters.effective_batch_size,
      maxSourceLength: spec.hyperparameters.max_source_length,
      maxNewTokens: spec.evaluation.max_new_tokens,
      perTask: spec.prefinetune!.per_task,
    });
  });

  it("the quick demo changes values, and the comments with them", () => {
    const full = demoStudy("/tmp/demo", false);
    const quick = demoStudy("/tmp/demo", true);
    expect(quick.spec.evaluation.max_new_tokens).toBeLessThan(full.spec.evaluation.max_new_tokens!);
    expect(quick.text).not.toMatch(/\b32 new tokens|\b512 tokens|\b3 epochs/);
    expect(quick.text).toMatch(/^# quicklearn demo --quick: the demo preset, shortened \(tasks, /);
    expect(quick.spec.description).toMatch(/--quick/);
  });
});

describe("demo --search (issue 17)", () => {
  it.each([false, true])(
    "searches the instruction-tuned arm's STL budgets against 90 %% of B3, its spec written out (quick: %s)",
    (quick) => {
      const grid = demoStudy("/tmp/demo", quick);
      const { spec, text } = demoStudy("/tmp/demo", quick, true);
      expect(text.startsWith(grid.text)).toBe(true);
      expect(text).toContain(SEARCH_BLOCK);
      expect(spec.arms).toEqual(grid.spec.arms);
      expect(spec.search).toMatchObject({
        target: { share_of: { arm: "B3", setting: "stl", budget: "all" }, share: 0.9 },
        arms: ["inst"],
        settings: ["stl"],
      });
    },
  );
});
