import { describe, expect, it } from "vitest";
import type { Analysis, MatchingRow, OverallRow } from "../analysis/index.js";
import { demoSummary } from "./summary.js";

const row = (arm: string, role: OverallRow["role"], setting: string, budget: string | null, v: number) =>
  ({ arm, role, setting, budget, rougeL: v, ci: [v - 1, v + 1] }) as OverallRow;

const match = (baseline: string, budget: number | null, supported: boolean, atFirst = false) =>
  ({
    arm: "inst",
    setting: "stl",
    baseline,
    baseline_setting: "stl",
    baseline_budget: "50",
    budget_per_task: budget,
    at_first_budget: atFirst,
    supported,
  }) as MatchingRow;

describe("demoSummary", () => {
  it("lists each setting's figures (instruction-tuned first, by budget) and the matching verdicts", () => {
    const a = {
      metric: "rougeL",
      overall: [
        row("B3", "supervised", "stl", "all", 30),
        row("inst", "instruction-tuned", "stl", "50", 20),
        row("inst", "instruction-tuned", "stl", "10", 10.04),
        row("inst", "instruction-tuned", "mtl", "10", 12),
        row("zero-shot", "zero-shot", "eval", null, 1),
      ],
      matching: [match("B2", 23.4, true), match("B3", null, false), match("B1", 10, false, true)],
    } as unknown as Analysis;
    expect(demoSummary(a)).toEqual([
      "STL ROUGE-L (95 % CI): inst 10/task 10.0 [9.0, 11.0]; inst 50/task 20.0 [19.0, 21.0]; B3 all 30.0 [29.0, 31.0].",
      "MTL ROUGE-L (95 % CI): inst 10/task 12.0 [11.0, 13.0]; zero-shot (no fine-tuning) 1.0 [0.0, 2.0].",
      "Matching budget (1 of 3 supported by the bootstrap): inst STL vs STL B2 (50 per task): reached at 23/task; " +
        "inst STL vs STL B3 (50 per task): not reached; " +
        "inst STL vs STL B1 (50 per task): reached at ≤10/task (not supported by the interval).",
    ]);
    // The figures are the study's headline metric, and the line names it.
    expect(demoSummary({ ...a, metric: "exact_match" })[0]).toMatch(/^STL exact match \(95 % CI\): inst 10/);
  });

  it("says so when nothing is finished yet", () => {
    const lines = demoSummary({ overall: [], matching: [] } as unknown as Analysis);
    expect(lines[0]).toBe("STL: no finished runs.");
    expect(lines[2]).toMatch(/^Matching budget: nothing to compare yet/);
  });
});
