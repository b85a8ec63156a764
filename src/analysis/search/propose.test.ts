import { describe, expect, it } from "vitest";
import { proposeFromInterval, startingDesign } from "./propose.js";

const range = { minBudget: 10, maxBudget: 5000 };
const spread = (lo: number, hi: number, n = 100) =>
  Float64Array.from({ length: n }, (_, i) => lo * (hi / lo) ** ((i + 0.5) / n));

describe("startingDesign", () => {
  it("is min_budget and a decade above, capped at max_budget", () => {
    expect(startingDesign(range)).toEqual([10, 100]);
    expect(startingDesign({ minBudget: 10, maxBudget: 40 })).toEqual([10, 40]);
    expect(startingDesign({ minBudget: 10, maxBudget: 10 })).toEqual([10]);
  });
});

describe("proposeFromInterval", () => {
  it("runs the geometric middle of an unmeasured interval", () => {
    const p = proposeFromInterval([120, 900], spread(120, 900), [10, 100, 1000], range);
    expect(p).toEqual({ budget: 329, why: "the geometric middle of it" });
  });

  it("splits the stretch holding most of the crossing's uncertainty, never a budget already run", () => {
    const p = proposeFromInterval([20, 5000], spread(1500, 5000), [10, 100, 1000], range);
    expect(p!.budget).toBe(Math.round(Math.sqrt(1000 * 5000)));
    expect(p!.why).toMatch(/least measured stretch \[1000, 5000\]/);
  });

  it("weighs a stretch's uncertainty by what its run costs: equal halves go to the cheaper one", () => {
    const draws = Float64Array.from([...spread(20, 100, 50), ...spread(1000, 5000, 50)]);
    expect(proposeFromInterval([20, 5000], draws, [10, 100, 1000], range)!.budget).toBe(45);
  });

  it("moves to the nearest free integer when the middle was run", () => {
    const p = proposeFromInterval([99, 101], spread(99, 101), [10, 100], range);
    expect([99, 101]).toContain(p!.budget);
  });

  it("clips to the budget range: beyond it runs max_budget, and nothing free gives null", () => {
    expect(proposeFromInterval([6000, Infinity], spread(6000, 9000), [10, 100], range)!.budget).toBe(5000);
    expect(
      proposeFromInterval([2000, Infinity], spread(2000, 9000), [10, 100, 5000], range)!.budget,
    ).toBeLessThan(5000);
    expect(proposeFromInterval([10, 11], spread(10, 11), [10, 11], range)).toBeNull();
  });

  it("past an end of the range runs that end only: nothing when it has been run", () => {
    expect(proposeFromInterval([6000, Infinity], spread(6000, 9000), [10, 100, 5000], range)).toBeNull();
    expect(proposeFromInterval([2, 8], spread(2, 8), [10, 100], range)).toBeNull();
    expect(proposeFromInterval([2, 8], spread(2, 8), [100], range)!.budget).toBe(10);
  });

  it("proposes only whole budgets inside the interval, none when its neighbours were run", () => {
    expect(proposeFromInterval([11.2, 11.8], spread(11.2, 11.8), [10, 11, 12, 100], range)).toBeNull();
    expect(proposeFromInterval([10.6, 12.4], spread(10.6, 12.4), [10, 11, 12, 100], range)).toBeNull();
    expect(proposeFromInterval([10.6, 13.4], spread(10.6, 13.4), [10, 11, 12, 100], range)!.budget).toBe(13);
  });
});
