import { describe, expect, it } from "vitest";
import { seededRng } from "../random.js";
import { noisyRows, randomParams, truth } from "../../../test/helpers/curves.js";
import { backtest } from "./backtest.js";
import {
  budgetBand,
  parameterBands,
  residualBootstrap,
  scoreBand,
  sharedScoreRange,
  worthBand,
} from "./intervals.js";
import { scoreAt } from "./curve.js";

const ROWS = [50, 100, 200, 500, 1000].map((x, i) => ({ budget: x, score: [40, 50, 56, 64, 66][i]! }));

describe("residual bootstrap", () => {
  it("is reproducible from its seed and its bands contain the point values", () => {
    const a = residualBootstrap(ROWS, { resamples: 200, seed: 3 });
    const b = residualBootstrap(ROWS, { resamples: 200, seed: 3 });
    if (!a.ok || !b.ok) throw new Error("no fit");
    expect(a.value.resamples.map((c) => scoreAt(c, 5000))).toEqual(
      b.value.resamples.map((c) => scoreAt(c, 5000)),
    );
    const { curve, resamples, noise } = a.value;
    for (const x of [100, 1000, 5000]) {
      const band = scoreBand(curve, resamples, x, 0.9, noise);
      expect(band.ci[0]).toBeLessThanOrEqual(band.score);
      expect(band.ci[1]).toBeGreaterThanOrEqual(band.score);
      // A new measurement is at least as uncertain as the curve.
      expect(band.pi![1] - band.pi![0]).toBeGreaterThan(band.ci[1] - band.ci[0]);
      expect(band.extrapolated).toBe(x > 1000);
    }
    const bands = parameterBands(resamples, 0.9);
    expect(Object.keys(bands).sort()).toEqual(["a", "asymptote", "b", "c"]);
  });

  it("budget bands: reachable share falls as the target nears the asymptote", () => {
    const boot = residualBootstrap(ROWS, { family: "pow3", resamples: 300 });
    if (!boot.ok) throw new Error("no fit");
    const { curve, resamples } = boot.value;
    const easy = budgetBand(curve, resamples, 60, 0.9);
    expect(easy.reachableShare).toBe(1);
    expect(easy.ci[0]).toBeLessThanOrEqual(easy.budget!);
    expect(easy.ci[1]).toBeGreaterThanOrEqual(easy.budget!);
    const hard = budgetBand(curve, resamples, 99.5, 0.9);
    expect(hard.reachableShare).toBeLessThan(easy.reachableShare);
  });

  it("no residual degrees of freedom: no noise to draw (3 rows, 3 parameters)", () => {
    const boot = residualBootstrap(ROWS.slice(0, 3), { family: "pow3", resamples: 20 });
    if (!boot.ok) throw new Error("no fit");
    expect(boot.value.dof).toBe(0);
    expect([...boot.value.noise].every((e) => e === 0)).toBe(true);
  });

  it("90 % prediction intervals of a known family cover most new measurements (60 synthetic curves)", () => {
    const rng = seededRng(77);
    let inside = 0;
    let n = 0;
    for (let k = 0; k < 60; k++) {
      const q = randomParams("pow3", rng);
      const rows = noisyRows("pow3", q, rng, 1, 2, [20, 50, 100, 200, 500, 1000]);
      const boot = residualBootstrap(rows, { family: "pow3", resamples: 200, seed: k });
      if (!boot.ok) throw new Error("no fit");
      const band = scoreBand(boot.value.curve, boot.value.resamples, 2000, 0.9, boot.value.noise, k);
      const fresh = noisyRows("pow3", q, rng, 1, 1, [2000])[0]!.score;
      n++;
      if (fresh >= band.pi![0] && fresh <= band.pi![1]) inside++;
      expect(Math.abs(band.score - truth("pow3", q, 2000))).toBeLessThan(6);
    }
    expect(inside / n).toBeGreaterThan(0.8);
  });
});

describe("backtest", () => {
  it("predicts the largest budget from the others and says whether it falls inside the interval", () => {
    const result = backtest(ROWS, 0.9, { family: "pow3", resamples: 300 });
    if (!result.ok) throw new Error(result.reason);
    const b = result.value;
    expect(b.heldOutBudget).toBe(1000);
    expect(b.measured).toBe(66);
    expect(b.error).toBeCloseTo(b.predicted - 66, 12);
    expect(b.insideInterval).toBe(66 >= b.interval![0] && 66 <= b.interval![1]);
  });

  it("needs 3 distinct budgets besides the largest", () => {
    const result = backtest(ROWS.slice(0, 3), 0.9);
    expect(result).toEqual({
      ok: false,
      reason: "without the largest budget: 2 distinct budget(s); a curve needs at least 3 to be fitted",
    });
  });
});

describe("worth in examples with its interval", () => {
  it("pairs the resamples of the two curves and reports the share where both reach the score", () => {
    const treatedRows = ROWS.map((r) => ({ ...r, score: r.score + 6 }));
    const base = residualBootstrap(ROWS, { family: "pow3", resamples: 200, seed: 1 });
    const treated = residualBootstrap(treatedRows, { family: "pow3", resamples: 200, seed: 2 });
    if (!base.ok || !treated.ok) throw new Error("no fit");
    const range = sharedScoreRange(base.value.curve, treated.value.curve, 1000)!;
    expect(range[0]).toBeLessThan(range[1]);
    const band = worthBand(
      base.value.curve,
      treated.value.curve,
      base.value.resamples,
      treated.value.resamples,
      60,
      0.9,
    );
    expect(band.worth).toBeGreaterThan(0);
    expect(band.ci[0]).toBeLessThanOrEqual(band.worth!);
    expect(band.ci[1]).toBeGreaterThanOrEqual(band.worth!);
    expect(band.extrapolated).toBe(false);
    expect(band.reachableShare).toBe(1);
    const never = worthBand(
      base.value.curve,
      treated.value.curve,
      base.value.resamples,
      treated.value.resamples,
      99.9,
      0.9,
    );
    expect(never.worth).toBeNull();
    expect(never.reachableShare).toBeLessThan(0.5);
  });
});
