/**
 * A curve measured elsewhere (`quicklearn curve --points`): fit, residual-bootstrap intervals, backtest and
 * queries, as the rows `--json` prints. A study's curves get the same rows from its own resamples.
 */
import { backtest } from "./backtest.js";
import type { CurveFamily } from "./curve.js";
import { DEFAULT_RESAMPLES, residualBootstrap } from "./intervals.js";
import type { CurvePoint } from "./points.js";
import {
  atRow,
  fitRow,
  targetRow,
  type AtQueryRow,
  type CurveScope,
  type FitRow,
  type TargetQueryRow,
} from "./rows.js";

export interface PointsRequest {
  family: CurveFamily;
  maxScore: number;
  level: number;
  targets: readonly number[];
  at: readonly number[];
  resamples?: number;
  seed?: number;
}

export interface CurveDocument {
  fits: FitRow[];
  queries: (TargetQueryRow | AtQueryRow)[];
}

export const POINTS_SCOPE: CurveScope = { arm: null, setting: null, scope: "overall" };

export function curveFromPoints(
  points: readonly CurvePoint[],
  request: PointsRequest,
): { ok: true; document: CurveDocument; dof: number } | { ok: false; reason: string } {
  const options = {
    family: request.family,
    maxScore: request.maxScore,
    resamples: request.resamples ?? DEFAULT_RESAMPLES,
    seed: request.seed,
  };
  const boot = residualBootstrap(points, options);
  if (!boot.ok) return boot;
  const { curve, resamples, noise, dof } = boot.value;
  const method = `residual bootstrap of the points (${options.resamples} resamples)`;
  const noiseDraws = dof > 0 ? noise : undefined;
  return {
    ok: true,
    dof,
    document: {
      fits: [
        fitRow(
          POINTS_SCOPE,
          curve,
          resamples,
          request.level,
          method,
          backtest(points, request.level, options),
        ),
      ],
      queries: [
        ...request.targets.map((t) => targetRow(POINTS_SCOPE, curve, resamples, t, request.level)),
        ...request.at.map((x) => atRow(POINTS_SCOPE, curve, resamples, x, request.level, noiseDraws)),
      ],
    },
  };
}
