import { describe, expect, it } from "vitest";
import { seededRng } from "../random.js";
import { BUDGETS, noisyRows, randomParams, sse, truth } from "../../../test/helpers/curves.js";
import { FAMILY_NAMES } from "./families.js";
import { curveAsymptote, curveParams, fitCurve, scoreAt } from "./curve.js";

/** Three-parameter families whose parameters the data pin down; four-parameter ones trade b, c, d off. */
const IDENTIFIED = new Set(["pow3", "exp3", "log2"]);

describe("fitting recovers synthetic noisy curves (40 random curves per family, noise sd 0.3, 3 rows per budget)", () => {
  for (const family of FAMILY_NAMES) {
    it(family, () => {
      const rng = seededRng(2026 + family.length);
      for (let k = 0; k < 40; k++) {
        const q = randomParams(family, rng);
        const rows = noisyRows(family, q, rng, 0.3);
        const fit = fitCurve(rows, { family });
        if (!fit.ok) throw new Error(fit.reason);
        const curve = fit.curve;
        // At least as good as the truth on the objective, and the curve close to the truth everywhere.
        expect(curve.sse).toBeLessThanOrEqual(sse(rows, (x) => truth(family, q, x)) + 1e-9);
        expect(curve.sse).toBeCloseTo(
          sse(rows, (x) => scoreAt(curve, x)),
          6,
        );
        for (const x of BUDGETS) expect(Math.abs(scoreAt(curve, x) - truth(family, q, x))).toBeLessThan(0.6);
        if (family !== "log2")
          expect(Math.abs(curveAsymptote(curve) - (family === "mmf4" ? q.c! : q.a!))).toBeLessThan(2.5);
        if (IDENTIFIED.has(family)) {
          const p = curveParams(curve);
          expect(Math.abs(p.a! - q.a!)).toBeLessThan(1);
          for (const key of ["b", "c"].filter((k) => k in q))
            expect(Math.abs(p[key]! - q[key]!) / q[key]!).toBeLessThan(0.1);
        }
      }
    });
  }
});

describe("bounds", () => {
  it("a curve still rising towards the maximum keeps its asymptote at or below it", () => {
    // A straight line in budget that would pass 100 soon after the data.
    const rows = [100, 200, 300, 400, 500].map((x) => ({ budget: x, score: 60 + x / 15 }));
    for (const family of FAMILY_NAMES.filter((f) => f !== "log2")) {
      const fit = fitCurve(rows, { family, maxScore: 100 });
      if (!fit.ok) throw new Error(fit.reason);
      expect(curveAsymptote(fit.curve)).toBeLessThanOrEqual(100);
      expect(scoreAt(fit.curve, 1e7)).toBeLessThanOrEqual(100 + 1e-9);
    }
  });

  it("falling data give a flat curve, never a falling one", () => {
    const rows = [50, 100, 200, 500, 1000].map((x, i) => ({ budget: x, score: 80 - 3 * i }));
    for (const family of FAMILY_NAMES) {
      const fit = fitCurve(rows, { family });
      if (!fit.ok) throw new Error(fit.reason);
      const values = [10, 50, 100, 1000, 10000].map((x) => scoreAt(fit.curve, x));
      for (let i = 1; i < values.length; i++)
        expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]! - 1e-9);
    }
  });

  it("honours a smaller maximum (--max-score)", () => {
    const rows = [10, 20, 50, 100, 200].map((x) => ({ budget: x, score: 0.2 + 0.1 * Math.log(x) }));
    const fit = fitCurve(rows, { family: "pow3", maxScore: 1 });
    if (!fit.ok) throw new Error(fit.reason);
    expect(curveAsymptote(fit.curve)).toBeLessThanOrEqual(1);
  });
});

describe("weights and rows", () => {
  it("a row of weight 2 counts as two rows, and several rows per budget fit their weighted mean", () => {
    const rng = seededRng(9);
    const q = randomParams("pow3", rng);
    const rows = noisyRows("pow3", q, rng, 1, 1, [10, 50, 200, 1000]);
    const doubled = [...rows, rows[1]!];
    const weighted = rows.map((r, i) => (i === 1 ? { ...r, weight: 2 } : r));
    const a = fitCurve(doubled, { family: "pow3" });
    const b = fitCurve(weighted, { family: "pow3" });
    if (!a.ok || !b.ok) throw new Error("no fit");
    expect(b.curve.sse).toBeCloseTo(a.curve.sse, 6);
    expect(curveParams(b.curve).a).toBeCloseTo(curveParams(a.curve).a!, 4);
    expect(a.curve.nPoints).toBe(5);
    expect(a.curve.nBudgets).toBe(4);
  });
});

describe("too little data", () => {
  it("fewer than 3 distinct budgets: no fit, with the reason", () => {
    const rows = [
      { budget: 10, score: 40 },
      { budget: 10, score: 42 },
      { budget: 100, score: 60 },
    ];
    const fit = fitCurve(rows);
    expect(fit).toEqual({ ok: false, reason: "2 distinct budget(s); a curve needs at least 3 to be fitted" });
  });

  it("a row with budget 0 or a non-finite score is refused with a reason", () => {
    const fit = fitCurve([
      { budget: 0, score: 1 },
      { budget: 1, score: 2 },
      { budget: 2, score: 3 },
    ]);
    expect(fit.ok).toBe(false);
  });
});

describe("auto", () => {
  const rows = [50, 100, 200, 500, 1000].map((x, i) => ({ budget: x, score: [40, 50, 58, 63, 70][i]! }));

  it("follows pow3 inside the data, passes through the measured score at the largest budget, keeps half the gain beyond", () => {
    const auto = fitCurve(rows);
    const pow3 = fitCurve(rows, { family: "pow3" });
    if (!auto.ok || !pow3.ok) throw new Error("no fit");
    expect(auto.curve.family).toBe("auto");
    expect(scoreAt(auto.curve, 100)).toBeCloseTo(scoreAt(pow3.curve, 100), 9);
    expect(scoreAt(auto.curve, 1000)).toBeCloseTo(70, 9);
    const gain = scoreAt(pow3.curve, 5000) - scoreAt(pow3.curve, 1000);
    expect(scoreAt(auto.curve, 5000)).toBeCloseTo(70 + gain / 2, 9);
    expect(curveAsymptote(auto.curve)).toBeCloseTo(
      70 + (curveAsymptote(pow3.curve) - scoreAt(pow3.curve, 1000)) / 2,
      9,
    );
  });

  it("a warm refit of the same data lands on the same curve", () => {
    const first = fitCurve(rows);
    if (!first.ok) throw new Error("no fit");
    const again = fitCurve(rows, { warm: first.curve });
    if (!again.ok) throw new Error("no fit");
    expect(again.curve.sse).toBeCloseTo(first.curve.sse, 9);
  });
});
