import { describe, expect, it } from "vitest";
import { analyzeStudy } from "./analyze.js";
import { buildResultsTable } from "./table.js";
import type { RunResult, StudyResults } from "./types.js";

/** One stl condition of one task, run at two seeds and on two data replicates of its examples. */
function study(): StudyResults {
  const result = (seed: number, replicate: number, score: number): RunResult => ({
    run: {
      id: `stl-a-10-${seed}-${replicate}`,
      arm: "a",
      setting: "stl",
      task: "t",
      budget: "10",
      seed,
      replicate,
      status: "done",
    },
    scores: ["i1", "i2"].map((id) => ({ task: "t", id, category: "Misc", rougeL: score })),
    truncation: {},
  });
  const results = [result(1, 0, 0.2), result(1, 1, 0.4), result(2, 0, 0.6), result(2, 1, 0.8)];
  return {
    dir: "/x",
    name: "s",
    preset: null,
    arms: [{ name: "a", label: "a", role: "baseline", model: "m", encoding: "plain", prefinetune: null }],
    runs: results.map((r) => r.run),
    results,
    meanTrainAll: null,
    meanTrainAllSource: "unknown",
    notes: [],
  };
}

describe("buildResultsTable", () => {
  it("makes every (seed, data replicate) pair of a condition one draw that the bootstrap resamples", () => {
    const [c] = buildResultsTable(study()).conditions;
    expect(c!.draws).toEqual([
      { seed: 1, replicate: 0 },
      { seed: 1, replicate: 1 },
      { seed: 2, replicate: 0 },
      { seed: 2, replicate: 1 },
    ]);
    const a = analyzeStudy(study(), { bootstrap: { resamples: 400, seed: 1 } });
    const row = a.overall[0]!;
    expect(row).toMatchObject({ seeds: 2, data_replicates: 2 });
    expect(row.rougeL).toBeCloseTo(50, 10);
    // One task, so all spread comes from resampling the four draws (scores 20..80).
    expect(row.ci[0]).toBeLessThan(45);
    expect(row.ci[1]).toBeGreaterThan(55);
  });
});
