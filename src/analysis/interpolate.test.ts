import { describe, expect, it } from "vitest";
import { matchingBudget } from "./interpolate.js";

const curve = (...pts: [number, number][]) => pts.map(([x, y]) => ({ x, y }));

describe("matchingBudget", () => {
  it("interpolates linearly in log(budget) between the bracketing budgets", () => {
    const m = matchingBudget(curve([100, 60], [1000, 70]), 65);
    expect(m.reached).toBe(true);
    // Halfway in score is halfway in log budget: the geometric mean of 100 and 1000.
    if (m.reached) expect(m.budget).toBeCloseTo(Math.sqrt(100 * 1000), 9);
  });

  it("reproduces the thesis STL curve against baseline 2 (68.91 between 200 and 1000)", () => {
    const m = matchingBudget(curve([100, 65.93], [200, 68.34], [1000, 71.71], [3149, 72.04]), 68.91);
    const expected = Math.exp(Math.log(200) + ((68.91 - 68.34) / (71.71 - 68.34)) * Math.log(5));
    expect(m).toEqual({ reached: true, budget: expect.closeTo(expected, 9), atFirstBudget: false });
  });

  it("says not reached when the curve stays below the target", () => {
    expect(matchingBudget(curve([100, 60], [200, 62], [1000, 64]), 64.5)).toEqual({ reached: false });
  });

  it("takes the first crossing of a non-monotone curve", () => {
    const m = matchingBudget(curve([100, 60], [200, 70], [1000, 65], [3000, 75]), 68);
    expect(m.reached && m.budget).toBeCloseTo(Math.exp(Math.log(100) + 0.8 * Math.log(2)), 9);
  });

  it("counts a dip below the target after reaching it as reached, and ignores budget order in the input", () => {
    const m = matchingBudget(curve([1000, 62], [100, 60], [200, 66]), 63);
    expect(m.reached && m.budget).toBeGreaterThan(100);
    expect(m.reached && m.budget).toBeLessThan(200);
  });

  it("reports the first budget, flagged, when the curve starts at or above the target", () => {
    expect(matchingBudget(curve([100, 70], [1000, 75]), 70)).toEqual({
      reached: true,
      budget: 100,
      atFirstBudget: true,
    });
  });

  it("hits a measured budget exactly when the score equals the target there", () => {
    const m = matchingBudget(curve([100, 60], [200, 65], [1000, 70]), 65);
    expect(m.reached && m.budget).toBeCloseTo(200, 9);
  });

  it("handles empty and single-point curves", () => {
    expect(matchingBudget([], 50)).toEqual({ reached: false });
    expect(matchingBudget(curve([200, 40]), 50)).toEqual({ reached: false });
  });
});
