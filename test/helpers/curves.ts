/** Synthetic learning curves for the curve-fit tests: true parameters per family and noisy rows. */
import type { Rng } from "../../src/analysis/random.js";
import type { CurvePoint, FamilyName, Params } from "../../src/analysis/curves/index.js";

export const BUDGETS = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];

const uniform = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng.next();

/** The formulas on the raw budget, written out again independently of families.ts. */
export function truth(family: FamilyName, q: Params, x: number): number {
  const { a, b, c, d } = q as Record<string, number>;
  switch (family) {
    case "pow3":
      return a! - b! * x ** -c!;
    case "pow4":
      return a! - b! * (x + d!) ** -c!;
    case "mmf4":
      return (a! * b! + c! * x ** d!) / (b! + x ** d!);
    case "exp3":
      return a! - b! * Math.exp(-c! * x);
    case "log2":
      return a! + b! * Math.log(x);
    case "rectified":
      return a! - b! / (d! + x ** c!);
  }
}

/** Random true parameters giving a rise of 20-50 points over BUDGETS, below 100. */
export function randomParams(family: FamilyName, rng: Rng): Params {
  const span = uniform(rng, 20, 50);
  const top = uniform(rng, 60, 95);
  switch (family) {
    case "pow3": {
      const c = uniform(rng, 0.3, 1);
      return { a: top, b: span * 10 ** c, c };
    }
    case "pow4": {
      const c = uniform(rng, 0.5, 1.5);
      const d = uniform(rng, 20, 300);
      return { a: top, b: span * (10 + d) ** c, c, d };
    }
    case "mmf4": {
      const d = uniform(rng, 0.7, 1.5);
      return { a: top - span - 10, b: uniform(rng, 100, 2000) ** d, c: top, d };
    }
    case "exp3": {
      const c = 1 / uniform(rng, 200, 3000);
      return { a: top, b: span * Math.exp(10 * c), c };
    }
    case "log2":
      return { a: uniform(rng, 0, 20), b: uniform(rng, 3, 8) };
    case "rectified": {
      const c = uniform(rng, 0.5, 1.2);
      const d = uniform(rng, 1, 20);
      return { a: top, b: span * (d + 10 ** c), c, d };
    }
  }
}

/** `rows` noisy measurements (normal, sd `noise`) at each budget. */
export function noisyRows(
  family: FamilyName,
  q: Params,
  rng: Rng,
  noise: number,
  rows = 3,
  budgets = BUDGETS,
): CurvePoint[] {
  const out: CurvePoint[] = [];
  for (const x of budgets)
    for (let r = 0; r < rows; r++) out.push({ budget: x, score: truth(family, q, x) + noise * normal(rng) });
  return out;
}

export function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

export function sse(points: readonly CurvePoint[], f: (x: number) => number): number {
  return points.reduce((acc, p) => acc + (p.weight ?? 1) * (p.score - f(p.budget)) ** 2, 0);
}
