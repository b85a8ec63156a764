/**
 * A bounded Levenberg-Marquardt solver for small least-squares problems (2 to 4 parameters, a few to a
 * few hundred residuals).
 *
 * Hand-written because no maintained npm optimiser does this well enough to be refitted 2,000 times per
 * curve: ml-levenberg-marquardt (the usual choice, v5) takes finite-difference Jacobians with a fixed
 * step, clamps every step to the bounds without an active set (so a parameter held on a bound, e.g. an
 * asymptote at the metric's maximum, keeps distorting the step), takes steps that raise the error, and
 * allocates and inverts matrices on every iteration. Here the Jacobian is analytic, parameters on a
 * bound whose gradient points outwards leave the step (an active set, as in scipy's bounded solvers),
 * steps are projected onto the bounds, rejected steps are retried with more damping, and the buffers
 * are reused across solves. Damping follows Nielsen (1999): lambda shrinks with the gain ratio and
 * doubles geometrically on rejected steps.
 */

export interface LeastSquaresProblem {
  /** Number of parameters (<= 8). */
  m: number;
  lower: ArrayLike<number>;
  upper: ArrayLike<number>;
  /** Extra feasibility beyond the box (applied after clamping). */
  project?: (p: Float64Array) => void;
  /**
   * Fills residuals r (model - data, weighted) and, when J is given, the Jacobian (row-major, n x m);
   * returns the cost 0.5 * sum r^2 (NaN or Infinity when the model is undefined at p).
   */
  evaluate(p: Float64Array, r: Float64Array, J: Float64Array | null): number;
  /** Number of residuals. */
  n: number;
}

export interface SolveOptions {
  /** Default 2000: degenerate fits (an optimum at infinity) crawl along a valley; scipy gets as far. */
  maxIterations?: number;
  /** Stop when a step lowers the cost by less than this fraction. */
  ftol?: number;
  /** Stop when the projected gradient's largest entry is below this. */
  gtol?: number;
  /** Stop when no parameter would move by more than this fraction of its size. */
  xtol?: number;
}

export interface Solution {
  p: Float64Array;
  /** 0.5 * sum of squared (weighted) residuals at p. */
  cost: number;
  iterations: number;
}

export function clampInto(p: Float64Array, lower: ArrayLike<number>, upper: ArrayLike<number>): void {
  for (let i = 0; i < p.length; i++) p[i] = Math.min(upper[i]!, Math.max(lower[i]!, p[i]!));
}

/** Scratch buffers reused across solves of problems of the same size. */
export class Workspace {
  readonly r: Float64Array;
  readonly J: Float64Array;
  readonly rTry: Float64Array;
  readonly pTry: Float64Array;
  readonly g: Float64Array;
  readonly A: Float64Array;
  readonly step: Float64Array;
  readonly free: Uint8Array;
  readonly idx: Int32Array;
  readonly L: Float64Array;
  readonly y: Float64Array;
  constructor(
    readonly n: number,
    readonly m: number,
  ) {
    this.r = new Float64Array(n);
    this.rTry = new Float64Array(n);
    this.J = new Float64Array(n * m);
    this.pTry = new Float64Array(m);
    this.g = new Float64Array(m);
    this.A = new Float64Array(m * m);
    this.step = new Float64Array(m);
    this.free = new Uint8Array(m);
    this.idx = new Int32Array(m);
    this.L = new Float64Array(m * m);
    this.y = new Float64Array(m);
  }
}

export function solveBounded(
  problem: LeastSquaresProblem,
  start: ArrayLike<number>,
  options: SolveOptions = {},
  ws: Workspace = new Workspace(problem.n, problem.m),
): Solution {
  const { m, n, lower, upper } = problem;
  const maxIterations = options.maxIterations ?? 2000;
  const ftol = options.ftol ?? 1e-12;
  const gtol = options.gtol ?? 1e-12;
  const xtol = options.xtol ?? 1e-12;
  const p = Float64Array.from(start);
  clampInto(p, lower, upper);
  problem.project?.(p);
  const { r, J, rTry, pTry, g, A, step, free } = ws;
  let cost = problem.evaluate(p, r, J);
  if (!Number.isFinite(cost)) return { p, cost: Infinity, iterations: 0 };
  let lambda = -1;
  let nu = 2;
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    // Gradient g = J^T r and Gauss-Newton matrix A = J^T J.
    g.fill(0);
    A.fill(0);
    for (let k = 0; k < n; k++) {
      const rk = r[k]!;
      const row = k * m;
      for (let i = 0; i < m; i++) {
        const Ji = J[row + i]!;
        g[i] = g[i]! + Ji * rk;
        for (let j = 0; j <= i; j++) A[i * m + j] = A[i * m + j]! + Ji * J[row + j]!;
      }
    }
    let gmax = 0;
    let scale = 0;
    for (let i = 0; i < m; i++) {
      // A parameter held on a bound by the gradient sits out this step.
      const atLower = p[i]! <= lower[i]! && g[i]! > 0;
      const atUpper = p[i]! >= upper[i]! && g[i]! < 0;
      free[i] = atLower || atUpper ? 0 : 1;
      if (free[i]) {
        gmax = Math.max(gmax, Math.abs(g[i]!));
        scale = Math.max(scale, A[i * m + i]!);
      }
    }
    if (gmax <= gtol * Math.max(1, cost)) break;
    if (lambda < 0) lambda = 1e-3 * scale || 1e-3;
    if (!dampedStep(A, g, free, lambda, m, step, ws)) {
      lambda *= nu;
      nu *= 2;
      continue;
    }
    for (let i = 0; i < m; i++) pTry[i] = p[i]! + step[i]!;
    clampInto(pTry, lower, upper);
    problem.project?.(pTry);
    // Predicted decrease of the quadratic model for the step actually taken (after projection).
    let predicted = 0;
    for (let i = 0; i < m; i++) {
      const si = pTry[i]! - p[i]!;
      step[i] = si;
      predicted -= g[i]! * si;
    }
    for (let i = 0; i < m; i++)
      for (let j = 0; j < m; j++) {
        const Aij = i >= j ? A[i * m + j]! : A[j * m + i]!;
        predicted -= 0.5 * step[i]! * Aij * step[j]!;
      }
    // A step too small to change the parameters ends the solve (MINPACK's xtol): without it, rounding
    // at the optimum rejects every step and only a damping blow-up would stop the loop.
    let tiny = true;
    for (let i = 0; i < m && tiny; i++) tiny = Math.abs(step[i]!) <= xtol * (Math.abs(p[i]!) + xtol);
    if (tiny) break;
    const costTry = problem.evaluate(pTry, rTry, null);
    const rho = predicted > 0 && Number.isFinite(costTry) ? (cost - costTry) / predicted : -1;
    if (rho > 0) {
      const decrease = cost - costTry;
      p.set(pTry);
      cost = problem.evaluate(p, r, J);
      lambda *= Math.max(1 / 3, 1 - Math.pow(2 * rho - 1, 3));
      nu = 2;
      if (decrease <= ftol * cost || cost === 0) break;
    } else {
      lambda *= nu;
      nu *= 2;
      if (lambda > 1e16 * (scale || 1)) break;
    }
  }
  return { p, cost, iterations };
}

/** Solves (A + lambda*diag(A)) step = -g over the free parameters (Cholesky); false if not positive. */
function dampedStep(
  A: Float64Array,
  g: Float64Array,
  free: Uint8Array,
  lambda: number,
  m: number,
  step: Float64Array,
  ws: Workspace,
): boolean {
  const { idx, L, y } = ws;
  let k = 0;
  for (let i = 0; i < m; i++) if (free[i]) idx[k++] = i;
  for (let a = 0; a < k; a++)
    for (let b = 0; b <= a; b++) {
      const i = idx[a]!;
      const j = idx[b]!;
      let v = A[i * m + j]!;
      if (a === b) v += lambda * Math.max(v, 1e-12);
      L[a * k + b] = v;
    }
  // In-place Cholesky: L L^T.
  for (let j = 0; j < k; j++) {
    let d = L[j * k + j]!;
    for (let t = 0; t < j; t++) d -= L[j * k + t]! * L[j * k + t]!;
    if (!(d > 0)) return false;
    d = Math.sqrt(d);
    L[j * k + j] = d;
    for (let i = j + 1; i < k; i++) {
      let v = L[i * k + j]!;
      for (let t = 0; t < j; t++) v -= L[i * k + t]! * L[j * k + t]!;
      L[i * k + j] = v / d;
    }
  }
  for (let i = 0; i < k; i++) {
    let v = -g[idx[i]!]!;
    for (let t = 0; t < i; t++) v -= L[i * k + t]! * y[t]!;
    y[i] = v / L[i * k + i]!;
  }
  step.fill(0);
  for (let i = k - 1; i >= 0; i--) {
    let v = y[i]!;
    for (let t = i + 1; t < k; t++) v -= L[t * k + i]! * step[idx[t]!]!;
    step[idx[i]!] = v / L[i * k + i]!;
  }
  return true;
}
