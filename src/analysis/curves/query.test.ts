import { describe, expect, it } from "vitest";
import { FAMILY_NAMES } from "./families.js";
import { curveAsymptote, fitCurve, scoreAt, type Curve, type CurveFamily } from "./curve.js";
import { budgetFor, worthInExamples } from "./query.js";

const ROWS = [50, 100, 200, 500, 1000].map((x, i) => ({ budget: x, score: [40, 50, 58, 63, 66][i]! }));

function fitted(family: CurveFamily, rows = ROWS): Curve {
  const fit = fitCurve(rows, { family });
  if (!fit.ok) throw new Error(fit.reason);
  return fit.curve;
}

describe("budget to reach a target", () => {
  for (const family of ["auto", ...FAMILY_NAMES] as CurveFamily[]) {
    it(`${family}: inverts the curve, flags extrapolation, refuses what the asymptote cannot reach`, () => {
      const curve = fitted(family);
      for (const target of [45, 55, 60, 64]) {
        const answer = budgetFor(curve, target);
        expect(answer.budget).not.toBeNull();
        expect(scoreAt(curve, answer.budget!)).toBeCloseTo(target, 6);
        expect(scoreAt(curve, answer.budget! * 0.999)).toBeLessThan(target);
        expect(answer.extrapolated).toBe(answer.budget! > 1000 || answer.budget! < 50);
      }
      const top = curveAsymptote(curve);
      if (Number.isFinite(top)) {
        expect(budgetFor(curve, top + 0.01)).toEqual({ budget: null, extrapolated: true });
        const near = budgetFor(curve, Math.max(scoreAt(curve, 1000) + 0.1, top - 0.5));
        if (near.budget !== null) expect(near.extrapolated).toBe(near.budget > 1000);
      }
    });
  }

  it("a target reached only beyond the largest budget is extrapolated", () => {
    const curve = fitted("pow3");
    const target = (scoreAt(curve, 1000) + curveAsymptote(curve)) / 2;
    const answer = budgetFor(curve, target);
    expect(answer.budget!).toBeGreaterThan(1000);
    expect(answer.extrapolated).toBe(true);
  });

  it("a target at or above 100 is unreachable for any bounded family", () => {
    for (const family of ["auto", "pow3", "exp3", "mmf4"] as CurveFamily[])
      expect(budgetFor(fitted(family), 100).budget).toBeNull();
  });
});

describe("worth in examples", () => {
  it("is the horizontal gap: baseline's budget minus the treated arm's at the same score", () => {
    const baseline = fitted("pow3");
    const treated = fitted(
      "pow3",
      ROWS.map((r) => ({ ...r, score: r.score + 5 })),
    );
    const w = worthInExamples(baseline, treated, 58)!;
    expect(w.baselineBudget).toBeCloseTo(budgetFor(baseline, 58).budget!, 9);
    expect(w.treatedBudget).toBeLessThan(w.baselineBudget);
    expect(w.worth).toBeCloseTo(w.baselineBudget - w.treatedBudget, 9);
    expect(w.extrapolated).toBe(false);
    expect(worthInExamples(baseline, treated, 99.9)).toBeNull();
  });
});
