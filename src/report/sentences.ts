import {
  budgetText,
  settingText,
  type Analysis,
  type ConditionRef,
  type EffectRow,
  type MatchingRow,
} from "../analysis/index.js";

/**
 * The report's words for the analysis's numbers: one sentence per matching budget, effect and published
 * claim, shared by HTML, Markdown, CSV and JSON. The analysis itself returns figures only.
 */

type PublishedClaims = NonNullable<Analysis["published_claims"]>;
type PublishedMatch = PublishedClaims["matching"][number];
type PublishedEffect = PublishedClaims["effects"][number];

const pct = (v: number) => `${Math.round(100 * v)} %`;
const pts = (v: number) => v.toFixed(2);
const signed = (v: number) => `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(2)}`;

/** A condition in a sentence: the arm's short name (labels are in the tables), setting and budget. */
export function conditionWords(c: ConditionRef): string {
  return `${c.arm} (${settingText(c.setting)}, ${budgetText(c.budget)})`;
}

export function matchingSentence(row: MatchingRow): string {
  const who = `${row.arm} (${settingText(row.setting)})`;
  const target = `${settingText(row.baseline_setting)} ${row.baseline} (${budgetText(row.baseline_budget)}, ${pts(row.baseline_rougeL)})`;
  if (row.budget_per_task === null || row.share_of_baseline === null) {
    return `${who} does not reach ${target} within the measured budgets.`;
  }
  const [lo, hi] = row.share_ci;
  const ci = `95 % CI ${lo === null ? "not reached" : pct(lo)} to ${hi === null ? "not reached" : pct(hi)}`;
  const where = row.at_first_budget
    ? `already at its smallest measured budget, ${Math.round(row.budget_per_task)} per task (${pct(row.share_of_baseline)} of its samples or fewer)`
    : `with ${pct(row.share_of_baseline)} of its samples (${Math.round(row.budget_per_task)} per task; ${ci})`;
  if (row.supported) return `${who} matches ${target} ${where}.`;
  return (
    `On the point estimates ${who} reaches ${target} ${where}, but the interval does not support a match: ` +
    `the curve reaches it in only ${pct(row.reached_in)} of bootstrap resamples.`
  );
}

export function effectSentence(row: EffectRow): string {
  const figures = `${signed(row.diff)} points, 95 % CI ${signed(row.ci[0])} to ${signed(row.ci[1])}, paired over ${row.n_tasks} tasks`;
  const a = conditionWords(row.a);
  const b = conditionWords(row.b);
  if (row.verdict === "higher") return `${a} surpasses ${b}: ${figures}.`;
  if (row.verdict === "lower") return `${a} falls short of ${b}: ${figures}.`;
  return `${a} and ${b} are not distinguishable: ${figures} (the interval includes 0).`;
}

export function publishedMatchSentence(m: PublishedMatch): string {
  const who = `Published: instruction-tuned (${settingText(m.setting)})`;
  const target = `${settingText(m.baseline_setting)} ${m.baseline_label} (${budgetText(m.baseline_budget)}, ${pts(m.baseline_rougeL)})`;
  if (m.budget_per_task === null || m.share_of_baseline === null)
    return `${who} does not reach ${target} within the measured budgets.`;
  return `${who} reaches ${target} at ${Math.round(m.budget_per_task)} per task, ${pct(m.share_of_baseline)} of its samples${m.at_first_budget ? " or fewer" : ""}.`;
}

export function publishedEffectSentence(e: PublishedEffect): string {
  const side = (c: PublishedEffect["a"]) => `${c.label} (${settingText(c.setting)}, ${budgetText(c.budget)})`;
  return `Published: ${side(e.a)} − ${side(e.b)} = ${signed(e.diff)} points.`;
}

/** Every published claim's sentence, matching budgets first. */
export function publishedSentences(p: PublishedClaims): string[] {
  return [...p.matching.map(publishedMatchSentence), ...p.effects.map(publishedEffectSentence)];
}
