import { describe, expect, it } from "vitest";
import { seededRng } from "../random.js";
import {
  decide,
  gridSpend,
  startingDesign,
  type Decision,
  type SearchInput,
  type SearchPoint,
} from "./index.js";

/** A pow3 curve y = a - b x^-c, measured with a standard error `se` (exact scores: se only tells the fit). */
const pow3 = (a: number, b: number, c: number) => (x: number) => a - b * x ** -c;

function measure(f: (x: number) => number, budgets: number[], se: number, seed = 1): SearchPoint[] {
  const rng = seededRng(seed);
  return budgets.map((budget) => ({ budget, score: f(budget) + se * (rng.next() - 0.5) * 2, se }));
}

const base = {
  minBudget: 10,
  maxBudget: 5000,
  tolerance: 0.25,
  maxRounds: 6,
  options: { resamples: 200 },
} satisfies Partial<SearchInput>;

/** Runs the search to its stop on a curve, measuring each proposed budget; returns every decision. */
function searchOn(f: (x: number) => number, target: number, se: number, seed = 1): Decision[] {
  const budgets = startingDesign(base);
  const decisions: Decision[] = [];
  for (let round = 0; ; round++) {
    const d = decide({
      ...base,
      points: measure(f, budgets, se, seed),
      target: { kind: "score", score: target },
      round,
      budgetsRun: budgets,
    });
    decisions.push(d);
    if (d.action === "stop") return decisions;
    budgets.push(d.budget);
  }
}

describe("decide", () => {
  it("proposes integers in range that were never run, and makes the same choices again", () => {
    const rng = seededRng(7);
    for (let k = 0; k < 6; k++) {
      const f = pow3(60 + 35 * rng.next(), 40 + 40 * rng.next(), 0.2 + 0.5 * rng.next());
      const target = f(10 * 500 ** rng.next());
      const decisions = searchOn(f, target, 2, k);
      const run = startingDesign(base);
      for (const d of decisions) {
        if (d.action !== "run") continue;
        expect(Number.isInteger(d.budget)).toBe(true);
        expect(d.budget).toBeGreaterThanOrEqual(base.minBudget);
        expect(d.budget).toBeLessThanOrEqual(base.maxBudget);
        expect(run).not.toContain(d.budget);
        run.push(d.budget);
      }
      expect(decisions.at(-1)!.action).toBe("stop");
      expect(searchOn(f, target, 2, k)).toEqual(decisions);
    }
  });

  it("proposes free whole budgets near the crossing when max_budget is a mean train size's floor", () => {
    // An overall curve's `all` point sits at the tasks' mean train size (e.g. 403.3), max_budget at 403.
    const rng = seededRng(11);
    for (let k = 0; k < 8; k++) {
      const all = 150 + 400 * rng.next() + 0.3;
      const range = { minBudget: 10, maxBudget: Math.floor(all) };
      const f = pow3(60 + 35 * rng.next(), 40 + 40 * rng.next(), 0.2 + 0.5 * rng.next());
      const target = f(5 * 200 ** rng.next());
      const run = [...startingDesign(range), range.maxBudget];
      const at = (b: number) => (b === range.maxBudget ? all : b);
      for (let round = 1; round < 6; round++) {
        const d = decide({
          ...base,
          ...range,
          points: measure(f, run.map(at), 1.5, k),
          target: { kind: "score", score: target },
          round,
          budgetsRun: run,
        });
        if (d.action === "stop") break;
        expect(Number.isInteger(d.budget)).toBe(true);
        expect(d.budget).toBeGreaterThanOrEqual(range.minBudget);
        expect(d.budget).toBeLessThanOrEqual(range.maxBudget);
        expect(run).not.toContain(d.budget);
        // Near the crossing: inside its interval clipped to the range, to the nearest whole budget.
        const [lo, hi] = d.crossing!.ci;
        expect(d.budget).toBeGreaterThanOrEqual(Math.floor(Math.min(Math.max(lo, 10), range.maxBudget)));
        expect(d.budget).toBeLessThanOrEqual(Math.ceil(Math.max(Math.min(hi, range.maxBudget), 10)));
        run.push(d.budget);
      }
    }
  });

  it("calls a target unreachable when `all` was measured above a max_budget rounded down", () => {
    const d = decide({
      ...base,
      maxBudget: 403,
      points: measure(() => 50, [10, 100, 403.3], 0.5),
      target: { kind: "score", score: 80 },
      round: 2,
      budgetsRun: [10, 100, 403],
    });
    expect(d).toMatchObject({ action: "stop", state: "unreachable" });
  });

  it("stops converged when no whole budget is left inside the interval, and says why", () => {
    const f = pow3(90, 60, 0.4);
    const run = [10, 11, 12, 13, 100];
    const input = {
      ...base,
      tolerance: 0.01,
      target: { kind: "score", score: f(11.5) } as const,
      round: 3,
      budgetsRun: run,
    };
    const between = decide({
      ...input,
      points: run.map((budget) => ({ budget, score: f(budget), se: 0.1 })),
    });
    expect(between).toMatchObject({ action: "stop", state: "converged" });
    expect((between as { reason: string }).reason).toMatch(
      /interval \[11\.\d, 11\.\d\]: no whole number of examples lies inside it: it cannot narrow below one example/,
    );
    const around = decide({ ...input, points: run.map((budget) => ({ budget, score: f(budget), se: 1 })) });
    expect(around).toMatchObject({ action: "stop", state: "converged" });
    expect((around as { reason: string }).reason).toMatch(
      /every whole budget in it, 11 to 1[23], has been run/,
    );
  });

  it("does not depend on the order the points come in", () => {
    const points = measure(pow3(90, 60, 0.4), [10, 100, 1000], 2);
    const input = {
      ...base,
      target: { kind: "score", score: 80 } as const,
      round: 1,
      budgetsRun: [10, 100, 1000],
    };
    expect(decide({ ...input, points: [...points].reverse() })).toEqual(decide({ ...input, points }));
  });

  it("before a fit, steps up when every score is below the target and bisects a bracket", () => {
    const input = { ...base, target: { kind: "score", score: 80 } as const, round: 0, budgetsRun: [10, 100] };
    const up = decide({
      ...input,
      points: [
        { budget: 10, score: 40, se: 1 },
        { budget: 100, score: 50, se: 1 },
      ],
    });
    expect(up).toMatchObject({ action: "run", round: 1, budget: 1000 });
    const between = decide({
      ...input,
      points: [
        { budget: 10, score: 70, se: 1 },
        { budget: 100, score: 90, se: 1 },
      ],
    });
    expect(between).toMatchObject({ action: "run", budget: 32 });
    expect((between as { reason: string }).reason).toMatch(/geometric middle/);
  });

  it("stops when no budget is left to run before a fit is possible", () => {
    const d = decide({
      ...base,
      minBudget: 10,
      maxBudget: 11,
      points: [
        { budget: 10, score: 40, se: 1 },
        { budget: 11, score: 41, se: 1 },
      ],
      target: { kind: "score", score: 80 },
      round: 0,
      budgetsRun: [10, 11],
    });
    expect(d).toMatchObject({ action: "stop", state: "max_rounds", answer: { budget: null } });
    expect((d as { reason: string }).reason).toMatch(/every budget in \[10, 11\] has been run/);
  });

  it("converges on a precisely measured curve, with the true crossing inside the answer's interval", () => {
    const f = pow3(90, 60, 0.4);
    const truth = (60 / (90 - 80)) ** (1 / 0.4);
    const d = decide({
      ...base,
      points: measure(f, [10, 30, 100, 200, 300, 1000], 0.05),
      target: { kind: "score", score: 80 },
      round: 3,
      budgetsRun: [10, 30, 100, 200, 300, 1000],
    });
    expect(d).toMatchObject({ action: "stop", state: "converged" });
    if (d.action !== "stop") return;
    expect(d.answer.ci[0]).toBeLessThanOrEqual(truth);
    expect(d.answer.ci[1]).toBeGreaterThanOrEqual(truth);
  });

  it("stops at max_rounds while the interval is still wide, and says so", () => {
    const d = decide({
      ...base,
      points: measure(pow3(90, 60, 0.4), [10, 100, 1000], 6),
      target: { kind: "score", score: 80 },
      round: 5,
      budgetsRun: [10, 100, 1000],
    });
    expect(d).toMatchObject({ action: "stop", state: "max_rounds" });
    expect((d as { reason: string }).reason).toMatch(/wider than \+-25 % after 6 rounds/);
  });

  it("stops as unreachable when max_budget is measured and the curve stays well below the target", () => {
    const flat = () => 50;
    const d = decide({
      ...base,
      points: measure(flat, [10, 100, 1000, 5000], 0.5),
      target: { kind: "score", score: 80 },
      round: 2,
      budgetsRun: [10, 100, 1000, 5000],
    });
    expect(d).toMatchObject({ action: "stop", state: "unreachable" });
  });

  it("runs max_budget before it calls a target unreachable", () => {
    const d = decide({
      ...base,
      points: measure(() => 50, [10, 100, 1000], 0.5),
      target: { kind: "score", score: 80 },
      round: 1,
      budgetsRun: [10, 100, 1000],
    });
    expect(d).toMatchObject({ action: "run", budget: 5000 });
  });

  it("stops at min_budget when the curve is above the target from min_budget on", () => {
    const d = decide({
      ...base,
      points: measure(pow3(95, 20, 0.5), [10, 32, 100], 0.5),
      target: { kind: "score", score: 60 },
      round: 1,
      budgetsRun: [10, 32, 100],
    });
    expect(d).toMatchObject({ action: "stop", state: "at_min_budget" });
  });

  it("stops at an end whose measured score is clearly past the target, before any fit", () => {
    // Two budgets measured (no fit yet); resamples centred on the score with a spread of about 1 point.
    const point = (budget: number, score: number): SearchPoint => ({
      budget,
      score,
      resamples: Float64Array.from({ length: 200 }, (_, k) => score + ((k % 21) - 10) / 10),
    });
    const input = { ...base, round: 0, budgetsRun: [10, 5000] };
    const above = decide({
      ...input,
      points: [point(10, 62), point(5000, 80)],
      target: { kind: "score", score: 50 },
    });
    expect(above).toMatchObject({
      action: "stop",
      state: "at_min_budget",
      answer: { budget: 10, ci: [0, 10] },
    });
    expect(above.action === "stop" && above.reason).toMatch(
      /score at min_budget 10 is above the target 50\.0/,
    );
    const below = decide({
      ...input,
      points: [point(10, 20), point(5000, 40)],
      target: { kind: "score", score: 50 },
    });
    expect(below).toMatchObject({
      action: "stop",
      state: "unreachable",
      answer: { budget: null, ci: [5000, Infinity] },
    });
    // Within the resamples' spread of the target: not clear, so the search goes on.
    const near = decide({
      ...input,
      points: [point(10, 20), point(5000, 49.5)],
      target: { kind: "score", score: 50 },
    });
    expect(near.action).toBe("run");
  });

  it("never spends more than the dense grid over the same range, and says when that ends it", () => {
    const grid = 10 + 20 + 50 + 100 + 200 + 500 + 1000 + base.maxBudget;
    expect(gridSpend(base)).toBe(grid);
    const rng = seededRng(3);
    let capped = 0;
    for (let k = 0; k < 12; k++) {
      const f = pow3(60 + 35 * rng.next(), 40 + 40 * rng.next(), 0.2 + 0.5 * rng.next());
      // A target just beyond max_budget: noisy measurements cannot rule it out, so the search probes the top.
      const decisions = searchOn(f, f(base.maxBudget * 1.5), 4, k);
      const budgets = [
        ...startingDesign(base),
        ...decisions.flatMap((d) => (d.action === "run" ? [d.budget] : [])),
      ];
      expect(budgets.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(grid);
      const last = decisions.at(-1)!;
      if (last.action === "stop" && /dense grid/.test(last.reason)) {
        capped++;
        expect(last.state).toBe("max_rounds");
        expect(last.reason).toMatch(new RegExp(`past the dense grid's ${grid} examples per task`));
      }
    }
    expect(capped).toBeGreaterThan(0);
  });

  it("widens the interval by the baseline's own uncertainty", () => {
    const points = measure(pow3(90, 60, 0.4), [10, 100, 300, 1000], 1);
    const input = { ...base, points, round: 1, budgetsRun: [10, 100, 300, 1000] };
    const rng = seededRng(3);
    const resamples = Array.from({ length: 200 }, () => 80 + 4 * (rng.next() - 0.5));
    const exact = decide({ ...input, target: { kind: "score", score: 80 } });
    const measured = decide({ ...input, target: { kind: "baseline", baseline: { score: 80, resamples } } });
    const width = (d: Decision) => Math.log(d.crossing!.ci[1] / d.crossing!.ci[0]);
    expect(width(measured)).toBeGreaterThan(width(exact));
    const share = decide({
      ...input,
      target: { kind: "share", share: 0.5, baseline: { score: 160, resamples: resamples.map((r) => 2 * r) } },
    });
    expect(share.crossing!.budget).toBeCloseTo(measured.crossing!.budget!, 6);
  });
});
