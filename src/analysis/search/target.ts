/** The score a searched curve must reach: absolute, a baseline's measured score, or a share of it. */

/** A measured score with the study's bootstrap draws of it (empty: known exactly). */
export interface MeasuredScore {
  score: number;
  resamples?: ArrayLike<number>;
}

export type SearchTarget =
  | { kind: "score"; score: number }
  | { kind: "baseline"; baseline: MeasuredScore }
  | { kind: "share"; share: number; baseline: MeasuredScore };

export interface TargetDraws {
  /** The target on the measured data. */
  score: number;
  /** The target on resample k (its draws[k % length]); one value when the target is known exactly. */
  draws: Float64Array;
}

/**
 * The target's value and its resampled values: a baseline's own uncertainty enters the crossing's
 * interval, since resample k of the searched curve is compared with resample k of the baseline.
 */
export function targetDraws(target: SearchTarget): TargetDraws {
  if (target.kind === "score") return { score: target.score, draws: Float64Array.of(target.score) };
  const factor = target.kind === "share" ? target.share : 1;
  const base = target.baseline;
  const raw = base.resamples && base.resamples.length > 0 ? base.resamples : [base.score];
  return { score: factor * base.score, draws: Float64Array.from(raw, (v) => factor * v) };
}

/** "70.0", "B's 71.3", "95 % of B's 71.3 = 67.7": the target as a reason string names it. */
export function describeTarget(target: SearchTarget, name = "the baseline"): string {
  const t = targetDraws(target).score;
  if (target.kind === "score") return t.toFixed(1);
  if (target.kind === "baseline") return `${name}'s ${t.toFixed(1)}`;
  return `${+(target.share * 100).toFixed(2)} % of ${name}'s ${target.baseline.score.toFixed(1)} = ${t.toFixed(1)}`;
}
