import { describe, expect, it } from "vitest";
import { searchCurveView, searchRows, type SearchScores } from "./search-rows.js";
import type { SearchRecord } from "../runner/store/index.js";

const B3 = { arm: "B3", setting: "stl" as const, budget: "all", share: 1 };

const record = (task: string | null, target_ref?: SearchRecord["target_ref"]): SearchRecord => {
  const curve = ["inst", "stl", task].filter((p) => p !== null).join("/");
  return {
    target: "(the words)",
    ...(target_ref ? { target_ref } : {}),
    max_rounds: 4,
    curves: [
      {
        curve,
        arm: "inst",
        setting: "stl",
        task,
        state: "running",
        round: 1,
        budget: null,
        ci: null,
        reason: "",
        runs: 3,
        train_sample_passes: 10,
        grid_train_sample_passes: 100,
      },
    ],
    rounds: [
      { round: 0, curve, budget: "10", reason: "" },
      { round: 0, curve, budget: "100", reason: "" },
      { round: 1, curve, budget: "all", reason: "" },
      { round: 0, curve: "other/stl", budget: "5", reason: "" },
    ],
    worst_case: { runs: 5, train_sample_passes: 200 },
  };
};

const scores: SearchScores = {
  conditions: [
    { key: "i10", arm: "inst", setting: "stl", budget: "10" },
    { key: "i100", arm: "inst", setting: "stl", budget: "100" },
    { key: "b", arm: "B3", setting: "stl", budget: "all" },
  ],
  overall: [
    { key: "i10", rougeL: 30, ci: [28, 32] },
    { key: "i100", rougeL: 40, ci: [38, 42] },
    { key: "b", rougeL: 50, ci: [48, 52] },
  ],
  tasks: [{ task: "t1", cells: { i10: { rougeL: 20, ci: [15, 25] }, b: { rougeL: 60, ci: [55, 65] } } }],
  budget_axis: { all_position: 2500 },
};

describe("searchRows and searchCurveView", () => {
  it("pairs each budget of a curve with the round that chose it, and its score on the curve's scope", () => {
    const [row] = searchRows(record(null, { ...B3, share: 0.9 }));
    expect(row!.rounds_run).toEqual([
      { round: 0, budget: "10" },
      { round: 0, budget: "100" },
      { round: 1, budget: "all" },
    ]);
    expect(row!.budgets_run).toEqual(["10", "100", "all"]);
    const view = searchCurveView(row!, scores);
    expect(view.points).toEqual([
      { round: 0, budget: "10", x: 10, score: 30, ci: [28, 32] },
      { round: 0, budget: "100", x: 100, score: 40, ci: [38, 42] },
      // Chosen but not scored yet.
      { round: 1, budget: "all", x: 2500, score: null, ci: null },
    ]);
    expect(view.target_score).toBeCloseTo(45, 12);
  });

  it("takes a per-task curve's scores and target from its task", () => {
    const [row] = searchRows(record("t1", B3));
    const view = searchCurveView(row!, scores);
    expect(view.points.map((p) => p.score)).toEqual([20, null, null]);
    expect(view.target_score).toBe(60);
  });

  it("has no target level while the target's run is unscored, and an absolute one as given", () => {
    const [row] = searchRows(record(null, { ...B3, setting: "mtl" }));
    expect(searchCurveView(row!, scores).target_score).toBeNull();
    const [scored] = searchRows(record(null, { score: 42.5 }));
    expect(searchCurveView(scored!, scores).target_score).toBe(42.5);
    // A plan.json written before the target was recorded as data: no target line rather than a guess.
    const [old] = searchRows(record(null));
    expect(searchCurveView(old!, scores).target_score).toBeNull();
  });
});
