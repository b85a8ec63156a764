import { z } from "zod";
import { UserError } from "../util/errors.js";

/** The thesis's budgets (training instances per task). */
export const DEFAULT_BUDGETS: readonly string[] = ["100", "200", "1000", "all"];

const COUNT = /^[1-9][0-9]*$/;
const PERCENT = /^(?:[1-9][0-9]*|0)(?:\.[0-9]*[1-9])?%$/;

/** What a budget may be, for messages. */
export const BUDGET_GRAMMAR =
  'a budget is a count of training instances per task ("100"), "all", or a percentage in (0, 100] written without trailing zeros ("1%", "0.5%")';

/**
 * The one budget grammar, used by study specs, --budgets and the data build alike: a positive integer count
 * in digits ("100"), "all", or a percentage of the task's train split in (0, 100] ("1%", "0.5%"). Each
 * budget has exactly one spelling ("1.50%", "01" and "1e3" are refused), because budgets are file names and
 * parts of run ids. Returns the budget trimmed, or undefined when it is not one.
 */
export function checkBudget(s: string): string | undefined {
  const b = s.trim();
  if (b === "all" || COUNT.test(b)) return b;
  if (PERCENT.test(b)) {
    const p = Number(b.slice(0, -1));
    if (p > 0 && p <= 100) return b;
  }
  return undefined;
}

/** A budget field of a spec (YAML may give a number): checked as written, kept as its one spelling. */
export const BudgetSchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const budget = checkBudget(String(value));
  if (budget !== undefined) return budget;
  ctx.addIssue({
    code: "custom",
    message: `expected a budget, got ${JSON.stringify(value)}: ${BUDGET_GRAMMAR}`,
  });
  return z.NEVER;
});

/** checkBudget, throwing a UserError that names the budget. */
export function parseBudget(s: string): string {
  const b = checkBudget(s);
  if (b === undefined) throw new UserError(`invalid budget "${s}"`, BUDGET_GRAMMAR);
  return b;
}

/** Parse a comma-separated budget list, keeping the given order and dropping repeats. */
export function parseBudgetList(s: string): string[] {
  const list = [
    ...new Set(
      s
        .split(",")
        .filter((x) => x.trim() !== "")
        .map(parseBudget),
    ),
  ];
  if (list.length === 0) throw new UserError("no budget given", "e.g. --budgets 100,200,1000,all");
  return list;
}

/**
 * How many train instances a budget takes from a task with nTrain of them (a prefix of the train split):
 * a count is capped at nTrain; "p%" is max(1, floor(p/100 * nTrain)) as in the thesis, capped at nTrain.
 */
export function budgetSize(budget: string, nTrain: number): number {
  const b = parseBudget(budget);
  if (b === "all") return nTrain;
  if (b.endsWith("%")) {
    // p/100 first, then times n: the same doubles as the thesis's int(n * 0.01) for "1%".
    const share = Number(b.slice(0, -1)) / 100;
    return Math.min(nTrain, Math.max(1, Math.floor(share * nTrain)));
  }
  return Math.min(nTrain, Number(b));
}
