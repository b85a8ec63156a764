import { isUserError, UserError } from "../util/errors.js";

/**
 * One set of parsers for option values, for every command: each is made for its flag, so that a bad
 * value's message names the flag (`--max-parallel -3: expected a whole number >= 1`) and exits 2.
 */

/** A parser from a pipeline stage (budgets, encodings), run so that its error names the flag too. */
export function withFlag<T>(flag: string, text: string, parse: (text: string) => T): T {
  try {
    return parse(text);
  } catch (e) {
    if (isUserError(e)) throw new UserError(`${flag} ${text}: ${e.message}`, e.hint, e.exitCode);
    throw e;
  }
}

/** A whole number in [min, max], written in digits. */
export function wholeNumber(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (text: string): number => {
    const n = Number(text);
    if (!/^\s*\d+\s*$/.test(text) || n < min || n > max)
      throw new UserError(
        `${flag} ${text}: expected a whole number >= ${min}${max < Number.MAX_SAFE_INTEGER ? ` and <= ${max}` : ""}`,
      );
    return n;
  };
}

/** A number > 0. */
export function positiveNumber(flag: string) {
  return (text: string): number => {
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n) || n <= 0)
      throw new UserError(`${flag} ${text}: expected a number > 0`);
    return n;
  };
}

/** A number in [0, 1). */
export function fraction(flag: string) {
  return (text: string): number => {
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n) || n < 0 || n >= 1)
      throw new UserError(`${flag} ${text}: expected a number in [0, 1)`);
    return n;
  };
}

/** Comma-separated indices: `0,1,3`. */
export function indexList(flag: string) {
  return (text: string): number[] => {
    const list = text.split(",").map((x) => x.trim());
    if (!list.every((x) => /^\d+$/.test(x)))
      throw new UserError(`${flag} ${text}: expected indices separated by commas, e.g. ${flag} 0,1`);
    return list.map(Number);
  };
}

/** Any finite number (a score, which may be negative for some metrics). */
export function finiteNumber(flag: string) {
  return (text: string): number => {
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n)) throw new UserError(`${flag} ${text}: expected a number`);
    return n;
  };
}

/** A confidence level strictly between 0 and 1 (0.9 for 90 %). */
export function level(flag: string) {
  return (text: string): number => {
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n) || n <= 0 || n >= 1)
      throw new UserError(`${flag} ${text}: expected a level between 0 and 1, e.g. 0.9 for 90 %`);
    return n;
  };
}

/** A flag given several times (`--at 500 --at 5000`): each value parsed, collected in order. */
export function repeatable<T>(parse: (text: string) => T) {
  return (text: string, previous: T[] = []): T[] => [...previous, parse(text)];
}
