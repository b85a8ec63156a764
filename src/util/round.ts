/**
 * Output precision: every figure quicklearn prints or writes as JSON or CSV goes through here, so a user
 * can paste it (`33.9986`, not `33.99856058014962`; `38`, not `38.00000000000001`). Only the output edge
 * rounds: analysis, scores.json and instance scores keep full precision (docs/report.md, "Precision").
 */

/** Metric figures in percent (ROUGE-L, ROUGE-1, exact match, their intervals and differences). */
export const PERCENT_DECIMALS = 4;
/** Every other non-integer number (shares of a baseline, budgets per task, hyperparameters, timings). */
export const SIGNIFICANT_DIGITS = 6;

/** A percentage to PERCENT_DECIMALS decimals; null and undefined pass through. */
export function roundPercent<T extends number | null | undefined>(x: T): T {
  if (typeof x !== "number" || !Number.isFinite(x)) return x;
  const scale = 10 ** PERCENT_DECIMALS;
  return (Math.round(x * scale) / scale + 0) as T; // `+ 0` turns -0 into 0
}

/** Any other figure to SIGNIFICANT_DIGITS significant digits; integers, null and undefined pass through. */
export function roundFigure<T extends number | null | undefined>(x: T): T {
  if (typeof x !== "number" || !Number.isFinite(x) || Number.isInteger(x)) return x;
  return (Number(x.toPrecision(SIGNIFICANT_DIGITS)) + 0) as T;
}

/** A [lo, hi] interval of percentages. */
export function roundPercentPair<T extends number | null>(pair: readonly [T, T]): [T, T] {
  return [roundPercent(pair[0]), roundPercent(pair[1])];
}

/**
 * A copy of a JSON-like value with every number through roundFigure: the safety net for documents whose
 * figures have no declared precision (percent fields are rounded by their writer before this).
 */
export function roundNumbers<T>(value: T): T {
  if (typeof value === "number") return roundFigure(value) as T;
  if (Array.isArray(value)) return value.map(roundNumbers) as T;
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = roundNumbers(v);
    return out as T;
  }
  return value;
}
