import {
  budgetText,
  settingText,
  type ConditionRef,
  type Interval,
  type Truncation,
} from "../analysis/index.js";

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

/**
 * What the engine truncated for one task in one run, per phase, or "" when nothing was cut:
 * "✂ train 3 of 10 sources, 1 target · eval 5 of 100 sources".
 */
export function truncationText(tr: Truncation | null): string {
  if (!tr) return "";
  const parts: string[] = [];
  for (const phase of ["train", "eval"] as const) {
    const c = tr[phase];
    if (!c || (c.truncated_sources === 0 && c.truncated_targets === 0)) continue;
    const cut = [`${c.truncated_sources} of ${c.rows} sources`];
    if (c.truncated_targets > 0)
      cut.push(`${c.truncated_targets} target${c.truncated_targets > 1 ? "s" : ""}`);
    parts.push(`${phase} ${cut.join(", ")}`);
  }
  return parts.length ? `✂ ${parts.join(" · ")}` : "";
}
