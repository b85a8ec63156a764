import { budgetText, settingText, type ConditionRef, type Interval } from "../analysis/index.js";

/** Escape text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Escape text for a Markdown table cell (pipes, HTML, line breaks). */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\\/g, "\\\\")
    .replace(/\|/g, "\\|")
    .replace(/[<>&]/g, (c) => `&#${c.charCodeAt(0)};`)
    .replace(/[\r\n]+/g, " ");
}

export function fmt(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  const text = v.toFixed(digits);
  // No "-0.00": a difference that rounds to zero is zero.
  return /^-0\.?0*$/.test(text) ? text.slice(1) : text;
}

export function fmtCi(ci: Interval | [number | null, number | null]): string {
  return `[${fmt(ci[0])}, ${fmt(ci[1])}]`;
}

export function fmtPct(v: number | null): string {
  return v === null ? "–" : `${Math.round(100 * v)} %`;
}

/** Short name of a condition for charts and table heads: "inst STL 200", "B3 STL all", "zero-shot". */
export function conditionName(c: ConditionRef): string {
  if (c.budget === null) return c.setting === "eval" ? c.arm : `${c.arm} ${settingText(c.setting)}`;
  return `${c.arm} ${settingText(c.setting)} ${c.budget}`;
}

export function conditionLong(c: ConditionRef & { label?: string }): string {
  return `${c.label ?? c.arm} · ${settingText(c.setting)} · ${budgetText(c.budget)}`;
}
