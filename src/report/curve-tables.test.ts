import { describe, expect, it } from "vitest";
import { fmtBudget, levelText, shareBelowOne } from "./curve-tables.js";

describe("learning-curve table cells", () => {
  it("writes budgets per task: one decimal below 10, whole and grouped above, 'not reached' for none", () => {
    expect([0, 7.36, 10.4, 3149.2, null].map(fmtBudget)).toEqual([
      "0.0",
      "7.4",
      "10",
      "3,149",
      "not reached",
    ]);
  });

  it("never shows a share below 1 as 100 %", () => {
    expect([0.6, 0.994, 0.999, 0.9996].map(shareBelowOne)).toEqual(["60 %", "99 %", "99.9 %", "99.9 %"]);
    expect(levelText(0.9)).toBe("90 %");
  });
});
