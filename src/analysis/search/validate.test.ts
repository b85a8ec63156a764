import { describe, expect, it } from "vitest";
import { UserError } from "../../util/errors.js";
import { crossing, decide, type SearchInput, type SearchPoint } from "./index.js";

const points: SearchPoint[] = [
  { budget: 10, score: 40, se: 1 },
  { budget: 100, score: 60, se: 1 },
  { budget: 1000, score: 75, se: 1 },
];
const input: SearchInput = {
  points,
  target: { kind: "score", score: 70 },
  minBudget: 10,
  maxBudget: 5000,
  tolerance: 0.25,
  round: 1,
  maxRounds: 6,
  budgetsRun: [10, 100, 1000],
  options: { resamples: 50 },
};

/** The error decide() throws for an input, or null. */
function errorOf(f: () => unknown): Error | null {
  try {
    f();
    return null;
  } catch (e) {
    return e as Error;
  }
}

function expectUserError(f: () => unknown, message: RegExp): void {
  const e = errorOf(f);
  expect(e).toBeInstanceOf(UserError);
  expect(e!.message).toMatch(message);
  expect((e as UserError).hint).toBeTruthy();
}

describe("the decision core's inputs", () => {
  it("takes a good input", () => {
    expect(errorOf(() => decide(input))).toBeNull();
  });

  it("refuses a target that is not a finite number as the user's mistake", () => {
    for (const score of [NaN, Infinity])
      expectUserError(
        () => decide({ ...input, target: { kind: "score", score } }),
        /^search\.target: score (NaN|Infinity) is not a finite number$/,
      );
    expectUserError(
      () => decide({ ...input, target: { kind: "baseline", baseline: { score: NaN } } }),
      /^search\.target: the baseline's score is NaN/,
    );
    expectUserError(
      () => decide({ ...input, target: { kind: "share", share: 0, baseline: { score: 80 } } }),
      /^search\.target\.share: 0 is not a share above 0$/,
    );
    expectUserError(
      () => crossing(points, { kind: "score", score: NaN }),
      /^search\.target: score NaN is not a finite number$/,
    );
  });

  it("refuses a bad tolerance, range or round count", () => {
    for (const tolerance of [0, 1, 1.5, -0.1, NaN])
      expectUserError(() => decide({ ...input, tolerance }), /^search\.tolerance: .* is not in \(0, 1\)$/);
    expectUserError(() => decide({ ...input, minBudget: 0 }), /^search\.min_budget: 0 /);
    expectUserError(() => decide({ ...input, maxBudget: 5 }), /^search\.max_budget: 5 .* min_budget 10$/);
    expectUserError(() => decide({ ...input, maxRounds: 2.5 }), /^search\.max_rounds: 2\.5 /);
  });

  it("refuses a curve without the points it needs", () => {
    expectUserError(() => decide({ ...input, points: [] }), /no measured budget/);
    expectUserError(
      () => decide({ ...input, points: [...points, { budget: 300, score: NaN, se: 1 }] }),
      /^the searched curve's point at budget 300: score NaN is not a finite number$/,
    );
    expectUserError(
      () => crossing([{ budget: -1, score: 50 }, ...points], input.target),
      /point at budget -1: a budget is a count of examples above 0/,
    );
    // Too few budgets to fit is an answer crossing() gives, not an error: decide() runs more first.
    const two = crossing(points.slice(0, 2), input.target);
    expect(two.ok).toBe(false);
  });

  it("refuses bad crossing options", () => {
    expectUserError(
      () => crossing(points, input.target, { level: 95 }),
      /^interval level 95 is not in \(0, 1\)$/,
    );
    expectUserError(() => crossing(points, input.target, { resamples: 0 }), /^resamples: 0 /);
  });

  it("keeps a broken round counter an internal error, not the user's", () => {
    const e = errorOf(() => decide({ ...input, round: -1 }));
    expect(e).toBeInstanceOf(Error);
    expect(e).not.toBeInstanceOf(UserError);
  });
});

describe("crossing", () => {
  it("leaves a point out of the refits whose resample lacks it (NaN) instead of failing", () => {
    const draws = (score: number, k0: number) =>
      Array.from({ length: 100 }, (_, k) => (k === k0 ? NaN : score + Math.sin(k + score)));
    const withGaps = crossing(
      points.map((p, i) => ({ budget: p.budget, score: p.score, resamples: draws(p.score, i) })),
      input.target,
      { resamples: 100 },
    );
    expect(withGaps.ok).toBe(true);
    if (!withGaps.ok) return;
    // A resample missing one of the three budgets cannot be refitted (a fit needs three): it is left out.
    expect(withGaps.value.draws.length).toBe(97);
    expect(withGaps.value.ci[0]).toBeLessThan(withGaps.value.ci[1]);
  });
});
