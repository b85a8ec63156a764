/** Backtest of a fit: fit without the largest budget, predict it, and check the prediction interval. */
import { scoreBand, residualBootstrap, type BootstrapOptions, type Interval } from "./intervals.js";
import { summarize, type CurvePoint } from "./points.js";

export interface Backtest {
  heldOutBudget: number;
  predicted: number;
  /** Weighted mean score measured at the held-out budget. */
  measured: number;
  /** predicted - measured. */
  error: number;
  /** Prediction interval (residual bootstrap of the remaining points) at the level asked for. */
  interval: Interval | null;
  insideInterval: boolean | null;
}

export function backtest(
  points: readonly CurvePoint[],
  level: number,
  options: BootstrapOptions = {},
): { ok: true; value: Backtest } | { ok: false; reason: string } {
  const s = summarize(points);
  const n = s.budgets.length;
  if (n === 0) return { ok: false, reason: "no points" };
  const heldOutBudget = s.budgets[n - 1]!;
  const boot = residualBootstrap(
    points.filter((p) => p.budget < heldOutBudget),
    options,
  );
  if (!boot.ok) return { ok: false, reason: `without the largest budget: ${boot.reason}` };
  const { curve, resamples, noise, dof } = boot.value;
  const band = scoreBand(curve, resamples, heldOutBudget, level, dof > 0 ? noise : undefined);
  const measured = s.means[n - 1]!;
  return {
    ok: true,
    value: {
      heldOutBudget,
      predicted: band.score,
      measured,
      error: band.score - measured,
      interval: band.pi,
      insideInterval: band.pi === null ? null : measured >= band.pi[0] && measured <= band.pi[1],
    },
  };
}
