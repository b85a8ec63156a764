/**
 * The six learning-curve families of issue 21, written for a non-decreasing score with an asymptote no
 * higher than the metric's maximum. Every family is evaluated on a scaled budget u = x / scale (scale: the
 * largest budget of the fit) so that the optimiser sees parameters of similar size whatever the budgets
 * are; `toOriginal` turns the scaled parameters into the parameters of the formulas on the raw budget x.
 */

export const FAMILY_NAMES = ["pow3", "pow4", "mmf4", "exp3", "log2", "rectified"] as const;
export type FamilyName = (typeof FAMILY_NAMES)[number];

/** Parameters as named in the formulas (a, b, c and, for four-parameter families, d). */
export type Params = Record<string, number>;

export interface Family {
  name: FamilyName;
  formula: string;
  names: readonly string[];
  /** The curve at scaled budget u. */
  value(p: ArrayLike<number>, u: number): number;
  /** The curve at u and its gradient with respect to p (written into grad). */
  valueAndGradient(p: ArrayLike<number>, u: number, grad: Float64Array): number;
  /** Box bounds in the scaled space; maxScore caps the asymptote. */
  lower(maxScore: number): number[];
  upper(maxScore: number): number[];
  /** Constraints a box cannot express (mmf4: start value <= asymptote); moves p onto the feasible set. */
  project?(p: Float64Array): void;
  /** The score the curve tends to as the budget grows (Infinity for log2, which has none). */
  asymptote(p: ArrayLike<number>): number;
  /** Deterministic starting points in the scaled space, from the data's shape. */
  starts(shape: DataShape, maxScore: number): number[][];
  toOriginal(p: ArrayLike<number>, scale: number): Params;
  fromOriginal(params: Params, scale: number): number[];
}

/** What the starting points are made from: the data seen on the scaled budget axis. */
export interface DataShape {
  /** Smallest scaled budget (the largest is 1). */
  uFirst: number;
  /** Mean score at the smallest and the largest budget. */
  yFirst: number;
  yLast: number;
  /** Spread of the per-budget mean scores (never 0). */
  range: number;
}

const EXPONENT_MAX = 5;
/** A pow4 offset of 100 x the largest budget makes the curve a straight line over the data already. */
const OFFSET_MAX = 100;
/** exp3's rate on the scaled axis: 200 saturates the curve at 1/40 of the largest budget. */
const RATE_MAX = 200;

/** Asymptote candidates above the last measured mean, capped at the maximum. */
function asymptoteStarts(s: DataShape, maxScore: number): number[] {
  const cap = (v: number) => Math.min(maxScore, v);
  return [cap(s.yLast + 0.1 * s.range), cap(s.yLast + 0.5 * s.range)];
}

const pow3: Family = {
  name: "pow3",
  formula: "y = a - b*x^(-c)",
  names: ["a", "b", "c"],
  value: (p, u) => p[0]! - p[1]! * Math.pow(u, -p[2]!),
  valueAndGradient(p, u, g) {
    const t = Math.pow(u, -p[2]!);
    g[0] = 1;
    g[1] = -t;
    g[2] = p[1]! * t * Math.log(u);
    return p[0]! - p[1]! * t;
  },
  lower: () => [-Infinity, 0, 0],
  upper: (m) => [m, Infinity, EXPONENT_MAX],
  // An exponent of 0 is a flat curve (a - b), which never rises to a.
  asymptote: (p) => (p[2]! > 0 ? p[0]! : p[0]! - p[1]!),
  starts(s, m) {
    const out: number[][] = [];
    for (const a of asymptoteStarts(s, m))
      for (const c of [0.5, 0.2, 1]) out.push([a, Math.max(0, a - s.yFirst) * Math.pow(s.uFirst, c), c]);
    return out;
  },
  toOriginal: (p, k) => ({ a: p[0]!, b: p[1]! * Math.pow(k, p[2]!), c: p[2]! }),
  fromOriginal: (q, k) => [q.a!, q.b! / Math.pow(k, q.c!), q.c!],
};

const pow4: Family = {
  name: "pow4",
  formula: "y = a - b*(x + d)^(-c)",
  names: ["a", "b", "c", "d"],
  value: (p, u) => p[0]! - p[1]! * Math.pow(u + p[3]!, -p[2]!),
  valueAndGradient(p, u, g) {
    const v = u + p[3]!;
    const t = Math.pow(v, -p[2]!);
    g[0] = 1;
    g[1] = -t;
    g[2] = p[1]! * t * Math.log(v);
    g[3] = (p[1]! * p[2]! * t) / v;
    return p[0]! - p[1]! * t;
  },
  lower: () => [-Infinity, 0, 0, 0],
  upper: (m) => [m, Infinity, EXPONENT_MAX, OFFSET_MAX],
  asymptote: (p) => (p[2]! > 0 ? p[0]! : p[0]! - p[1]!),
  starts(s, m) {
    const out: number[][] = [];
    for (const a of asymptoteStarts(s, m))
      for (const [c, d] of [
        [0.5, 0],
        [1, 0.1 * s.uFirst],
        [1, 1],
      ] as const)
        out.push([a, Math.max(0, a - s.yFirst) * Math.pow(s.uFirst + d, c), c, d]);
    return out;
  },
  toOriginal: (p, k) => ({ a: p[0]!, b: p[1]! * Math.pow(k, p[2]!), c: p[2]!, d: p[3]! * k }),
  fromOriginal: (q, k) => [q.a!, q.b! / Math.pow(k, q.c!), q.c!, q.d! / k],
};

const mmf4: Family = {
  name: "mmf4",
  formula: "y = (a*b + c*x^d) / (b + x^d)",
  names: ["a", "b", "c", "d"],
  value(p, u) {
    const t = Math.pow(u, p[3]!);
    return (p[0]! * p[1]! + p[2]! * t) / (p[1]! + t);
  },
  valueAndGradient(p, u, g) {
    const [a, b, c] = [p[0]!, p[1]!, p[2]!];
    const t = Math.pow(u, p[3]!);
    const den = b + t;
    const den2 = den * den;
    g[0] = b / den;
    g[1] = ((a - c) * t) / den2;
    g[2] = t / den;
    g[3] = ((b * (c - a)) / den2) * t * Math.log(u);
    return (a * b + c * t) / den;
  },
  // b > 0 keeps the curve defined at x = 0; the start value a may not exceed the asymptote c (project).
  lower: () => [-Infinity, 1e-12, -Infinity, 0],
  upper: (m) => [m, Infinity, m, EXPONENT_MAX],
  project(p) {
    if (p[0]! > p[2]!) p[0] = p[2] = (p[0]! + p[2]!) / 2;
  },
  asymptote: (p) => (p[3]! > 0 ? p[2]! : (p[0]! * p[1]! + p[2]!) / (p[1]! + 1)),
  starts(s, m) {
    const out: number[][] = [];
    const mid = Math.sqrt(s.uFirst);
    for (const c of asymptoteStarts(s, m))
      for (const d of [1, 0.5]) out.push([Math.min(c, s.yFirst - 0.5 * s.range), Math.pow(mid, d), c, d]);
    return out;
  },
  toOriginal: (p, k) => ({ a: p[0]!, b: p[1]! * Math.pow(k, p[3]!), c: p[2]!, d: p[3]! }),
  fromOriginal: (q, k) => [q.a!, q.b! / Math.pow(k, q.d!), q.c!, q.d!],
};

const exp3: Family = {
  name: "exp3",
  formula: "y = a - b*exp(-c*x)",
  names: ["a", "b", "c"],
  value: (p, u) => p[0]! - p[1]! * Math.exp(-p[2]! * u),
  valueAndGradient(p, u, g) {
    const t = Math.exp(-p[2]! * u);
    g[0] = 1;
    g[1] = -t;
    g[2] = p[1]! * u * t;
    return p[0]! - p[1]! * t;
  },
  lower: () => [-Infinity, 0, 0],
  upper: (m) => [m, Infinity, RATE_MAX],
  asymptote: (p) => (p[2]! > 0 ? p[0]! : p[0]! - p[1]!),
  starts(s, m) {
    const out: number[][] = [];
    for (const a of asymptoteStarts(s, m))
      for (const c of [1, 5, 1 / s.uFirst / 2])
        out.push([a, Math.max(0, a - s.yFirst) * Math.exp(c * s.uFirst), Math.min(c, RATE_MAX)]);
    return out;
  },
  toOriginal: (p, k) => ({ a: p[0]!, b: p[1]!, c: p[2]! / k }),
  fromOriginal: (q, k) => [q.a!, q.b!, q.c! * k],
};

const log2: Family = {
  name: "log2",
  formula: "y = a + b*ln(x)",
  names: ["a", "b"],
  value: (p, u) => p[0]! + p[1]! * Math.log(u),
  valueAndGradient(p, u, g) {
    g[0] = 1;
    g[1] = Math.log(u);
    return p[0]! + p[1]! * g[1];
  },
  // No asymptote: the one family the maximum cannot bound; it is kept because the issue lists it and
  // its queries stay honest (a target above the maximum is refused before any family is asked).
  lower: () => [-Infinity, 0],
  upper: () => [Infinity, Infinity],
  asymptote: () => Infinity,
  starts: (s) => [[s.yLast, Math.max(0, s.yLast - s.yFirst) / Math.max(1e-9, -Math.log(s.uFirst))]],
  toOriginal: (p, k) => ({ a: p[0]! - p[1]! * Math.log(k), b: p[1]! }),
  fromOriginal: (q, k) => [q.a! + q.b! * Math.log(k), q.b!],
};

const rectified: Family = {
  name: "rectified",
  formula: "y = a - b/(d + x^c)",
  names: ["a", "b", "c", "d"],
  value: (p, u) => p[0]! - p[1]! / (p[3]! + Math.pow(u, p[2]!)),
  valueAndGradient(p, u, g) {
    const t = Math.pow(u, p[2]!);
    const den = p[3]! + t;
    g[0] = 1;
    g[1] = -1 / den;
    g[3] = p[1]! / (den * den);
    g[2] = g[3] * t * Math.log(u);
    return p[0]! - p[1]! / den;
  },
  lower: () => [-Infinity, 0, 0, 0],
  upper: (m) => [m, Infinity, EXPONENT_MAX, Infinity],
  asymptote: (p) => (p[2]! > 0 ? p[0]! : p[0]! - p[1]! / (p[3]! + 1)),
  starts(s, m) {
    const out: number[][] = [];
    for (const a of asymptoteStarts(s, m))
      for (const [c, d] of [
        [0.5, 0],
        [1, 0.5 * s.uFirst],
        [1, 1],
      ] as const)
        out.push([a, Math.max(0, a - s.yFirst) * (d + Math.pow(s.uFirst, c)), c, d]);
    return out;
  },
  toOriginal: (p, k) => {
    const kc = Math.pow(k, p[2]!);
    return { a: p[0]!, b: p[1]! * kc, c: p[2]!, d: p[3]! * kc };
  },
  fromOriginal: (q, k) => {
    const kc = Math.pow(k, q.c!);
    return [q.a!, q.b! / kc, q.c!, q.d! / kc];
  },
};

export const FAMILIES: Readonly<Record<FamilyName, Family>> = { pow3, pow4, mmf4, exp3, log2, rectified };

export function isFamilyName(name: string): name is FamilyName {
  return (FAMILY_NAMES as readonly string[]).includes(name);
}
