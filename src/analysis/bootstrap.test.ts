import { describe, expect, it } from "vitest";
import { Bootstrap, difference, interval } from "./bootstrap.js";
import { seededRng, type Rng } from "./random.js";
import type { Condition, ResultsTable, TaskInfo } from "./table.js";

function gauss(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/** Tasks drawn from a population with mean `mu`; instances Bernoulli around each task's mean. */
function syntheticTable(
  rng: Rng,
  nTasks: number,
  nInstances: number,
  mu: number,
  conditions = 1,
): ResultsTable {
  const tasks: TaskInfo[] = Array.from({ length: nTasks }, (_, t) => ({
    name: `t${t}`,
    category: "Textual Entailment",
    group: "Textual Entailment",
    groupIndex: 4,
    ids: Array.from({ length: nInstances }, (_, i) => String(i).padStart(4, "0")),
  }));
  const taskMeans = tasks.map(() => Math.min(0.99, Math.max(0.01, mu + 0.1 * gauss(rng))));
  const conds: Condition[] = Array.from({ length: conditions }, (_, c) => ({
    key: `c${c}`,
    arm: `c${c}`,
    label: `c${c}`,
    role: "baseline",
    setting: "stl",
    budget: "100",
    draws: [{ seed: 1, replicate: 0 }],
    scores: taskMeans.map((m) => [Float64Array.from({ length: nInstances }, () => (rng.next() < m ? 1 : 0))]),
    truncation: [],
  }));
  return { tasks, conditions: conds };
}

describe("Bootstrap", () => {
  it("covers the population mean about 95 % of the time (tasks and instances resampled)", () => {
    const rng = seededRng(11);
    const trials = 120;
    let covered = 0;
    for (let k = 0; k < trials; k++) {
      const table = syntheticTable(rng, 25, 30, 0.6);
      const boot = new Bootstrap(table, { resamples: 400, seed: k + 1 });
      const ci = interval(boot.aggregate([0]).replicates[0]!);
      if (ci[0] <= 60 && 60 <= ci[1]) covered++;
    }
    // The two-level bootstrap is slightly conservative (about 98 % here). Binomial(120, 0.95) stays above this bound with overwhelming probability; a bootstrap that
    // ignored task variance (instances only) covers far less often.
    expect(covered / trials).toBeGreaterThan(0.86);
  });

  it("is reproducible for a given seed and differs for another", () => {
    const table = syntheticTable(seededRng(3), 10, 20, 0.5);
    const a = new Bootstrap(table, { resamples: 200, seed: 5 }).aggregate([0]);
    const b = new Bootstrap(table, { resamples: 200, seed: 5 }).aggregate([0]);
    const c = new Bootstrap(table, { resamples: 200, seed: 6 }).aggregate([0]);
    expect(Array.from(a.replicates[0]!)).toEqual(Array.from(b.replicates[0]!));
    expect(Array.from(a.replicates[0]!)).not.toEqual(Array.from(c.replicates[0]!));
    expect(a.points[0]).toBeCloseTo(b.points[0]!, 12);
  });

  it("pairs conditions: a difference of a condition with itself has a zero-width interval", () => {
    const table = syntheticTable(seededRng(4), 15, 20, 0.5, 2);
    table.conditions[1]!.scores = table.conditions[0]!.scores;
    const agg = new Bootstrap(table, { resamples: 300, seed: 1 }).aggregate([0, 1]);
    expect(interval(difference(agg.replicates[0]!, agg.replicates[1]!))).toEqual([0, 0]);
  });

  it("gives a paired difference interval narrower than the sum of the marginal ones for correlated conditions", () => {
    const rng = seededRng(8);
    const table = syntheticTable(rng, 30, 40, 0.6, 2);
    // Condition 1 = condition 0 plus a small shift on some instances: highly correlated.
    table.conditions[1]!.scores = table.conditions[0]!.scores.map((perSeed) => [
      perSeed![0]!.map((v) => (v === 0 && rng.next() < 0.1 ? 1 : v)),
    ]);
    const agg = new Bootstrap(table, { resamples: 400, seed: 2 }).aggregate([0, 1]);
    const d = interval(difference(agg.replicates[1]!, agg.replicates[0]!));
    const a = interval(agg.replicates[0]!);
    expect(d[0]).toBeGreaterThan(0);
    expect(d[1] - d[0]).toBeLessThan((a[1] - a[0]) / 2);
  });

  it("averages seeds and resamples them", () => {
    const table = syntheticTable(seededRng(9), 8, 10, 0.5);
    const c = table.conditions[0]!;
    c.draws = [
      { seed: 1, replicate: 0 },
      { seed: 2, replicate: 0 },
    ];
    c.scores = c.scores.map((perSeed) => [perSeed![0]!, perSeed![0]!.map((v) => 1 - v)]);
    const agg = new Bootstrap(table, { resamples: 100, seed: 3 }).aggregate([0]);
    // Every instance averages to 0.5 over the two seeds.
    expect(agg.points[0]).toBeCloseTo(50, 9);
  });

  it("gives per-task point estimates and intervals from the instance resamples", () => {
    const table = syntheticTable(seededRng(10), 5, 50, 0.5);
    const boot = new Bootstrap(table, { resamples: 300, seed: 4 });
    const est = boot.task(0, 2)!;
    const arr = table.conditions[0]!.scores[2]![0]!;
    expect(est.value).toBeCloseTo((100 * arr.reduce((a, b) => a + b, 0)) / arr.length, 9);
    expect(est.ci[0]).toBeLessThan(est.value);
    expect(est.ci[1]).toBeGreaterThan(est.value);
    expect(est.n).toBe(50);
  });
});
