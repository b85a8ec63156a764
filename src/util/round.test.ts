import { describe, expect, it } from "vitest";
import { roundFigure, roundNumbers, roundPercent, roundPercentPair } from "./round.js";

describe("output precision (issue 18)", () => {
  it("rounds percentages to 4 decimals, without -0", () => {
    expect(roundPercent(33.99856058014962)).toBe(33.9986);
    expect(roundPercent(38.00000000000001)).toBe(38);
    expect(roundPercent(9.523809523809508)).toBe(9.5238);
    expect(Object.is(roundPercent(-0.00001), 0)).toBe(true);
    expect(roundPercent(null)).toBeNull();
    expect(roundPercentPair([29.419397998624596, 38.74176645006753])).toEqual([29.4194, 38.7418]);
  });

  it("rounds other figures to 6 significant digits, so small hyperparameters survive", () => {
    expect(roundFigure(0.1 + 0.2)).toBe(0.3);
    expect(roundFigure(3e-5)).toBe(3e-5);
    expect(roundFigure(1 / 3)).toBe(0.333333);
    expect(roundFigure(158.48931924611142)).toBe(158.489);
    expect(roundFigure(123456789)).toBe(123456789);
    expect(roundFigure(Number.NaN)).toBeNaN();
  });

  it("rounds every number of a JSON document and keeps its shape", () => {
    const doc = { a: [1 / 3, { b: 2 / 3, c: "x", d: null, e: true }], f: 5 };
    expect(roundNumbers(doc)).toEqual({ a: [0.333333, { b: 0.666667, c: "x", d: null, e: true }], f: 5 });
    expect(doc.a[0]).toBe(1 / 3); // the input is not changed
  });
});
