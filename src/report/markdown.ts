import { metricLabel, metricTitle, REPORT_GROUPS, settingText, type Analysis } from "../analysis/index.js";
import { conditionName, escapeMarkdown as m, fmt, fmtCi, fmtPct, truncationText } from "./format.js";
import { backtestTable, queryTable, unfittedText } from "./curve-tables.js";
import { searchSentence } from "./search-chart.js";
import { methodNotes, progressLine } from "./text.js";
import { effectSentence, matchingSentence, publishedSentences } from "./sentences.js";

function mdTable(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(head.map(m)), line(head.map((_, i) => (i === 0 ? "---" : "---:"))), ...rows.map(line)].join(
    "\n",
  );
}

/** The report as Markdown (tables and sentences; charts stay in the HTML). */
export function renderMarkdown(a: Analysis): string {
  const out: string[] = [];
  out.push(`# ${m(a.study.name)}`, "");
  if (a.study.description) out.push(m(a.study.description), "");
  out.push(`${a.study.preset ? `Preset: ${m(a.study.preset)}. ` : ""}${m(progressLine(a))}.`, "");
  out.push(m(a.aggregation), "");
  for (const n of a.notes) out.push(`- Note: ${m(n)}`);
  if (a.notes.length) out.push("");

  out.push("## Findings", "");
  for (const x of [...a.matching.map(matchingSentence), ...a.effects.map(effectSentence)])
    out.push(`- ${m(x)}`);
  out.push("");

  out.push(`## Overall ${metricLabel(a.metric)}`, "");
  const withPub = a.overall.some((o) => o.published !== null);
  out.push(
    mdTable(
      ["Condition", metricTitle(a.metric), "95 % CI", "micro", "tasks", ...(withPub ? ["thesis", "Δ"] : [])],
      a.overall.map((o) => [
        m(conditionName(o)),
        fmt(o.rougeL),
        fmtCi(o.ci),
        fmt(o.micro),
        String(o.n_tasks),
        ...(withPub ? [fmt(o.published), o.published === null ? "–" : fmt(o.rougeL - o.published)] : []),
      ]),
    ),
    "",
  );

  out.push("## Matching budgets", "");
  out.push(
    mdTable(
      ["Curve", "Baseline", `baseline ${metricLabel(a.metric)}`, "samples/task", "share", "95 % CI", "claim"],
      a.matching.map((r) => [
        m(`${r.arm} ${settingText(r.setting)}`),
        m(`${r.baseline} ${settingText(r.baseline_setting)} ${r.baseline_budget}`),
        fmt(r.baseline_rougeL),
        r.budget_per_task === null
          ? "not reached"
          : `${r.at_first_budget ? "≤ " : ""}${Math.round(r.budget_per_task)}`,
        fmtPct(r.share_of_baseline),
        `${fmtPct(r.share_ci[0])} to ${r.share_ci[1] === null ? "not reached" : fmtPct(r.share_ci[1])}`,
        r.supported ? "supported" : "not supported",
      ]),
    ),
    "",
  );

  if (a.search) {
    out.push("## Budget search", "");
    for (const row of a.search) out.push(`- ${m(searchSentence(a, row))}`);
    out.push("");
  }

  for (const t of [queryTable(a), backtestTable(a)]) {
    if (!t) continue;
    out.push(`## ${m(t.caption.split(":")[0]!)}`, "", m(t.caption), "");
    out.push(
      mdTable(
        t.head,
        t.rows.map((r) => r.map(m)),
      ),
      "",
    );
  }
  const unfitted = unfittedText(a);
  if (unfitted) out.push(m(unfitted), "");

  out.push("## Effects (paired bootstrap)", "");
  out.push(
    mdTable(
      ["Comparison (a − b)", "a", "b", "difference", "95 % CI", "verdict"],
      a.effects.map((x) => [
        m(`${conditionName(x.a)} − ${conditionName(x.b)}`),
        fmt(x.a_rougeL),
        fmt(x.b_rougeL),
        fmt(x.diff),
        fmtCi(x.ci),
        x.verdict === "inconclusive" ? "CI includes 0" : x.verdict,
      ]),
    ),
    "",
  );

  for (const setting of ["stl", "mtl"]) {
    const conds = a.conditions.filter((c) => c.setting === setting);
    if (conds.length === 0) continue;
    out.push(`## Report groups, ${settingText(setting)}`, "");
    out.push(
      mdTable(
        ["Condition", ...REPORT_GROUPS],
        conds.map((c) => [
          m(conditionName(c)),
          ...REPORT_GROUPS.map((g) => {
            const r = a.groups.find((x) => x.key === c.key && x.group === g);
            if (!r) return "–";
            return `${fmt(r.rougeL)} ${fmtCi(r.ci)}${r.published === null ? "" : ` (thesis ${fmt(r.published)})`}`;
          }),
        ]),
      ),
      "",
    );
  }

  out.push(
    `## Per task (${metricLabel(a.metric)}; ✂ inputs/targets the engine truncated to the length limits)`,
    "",
  );
  out.push(
    mdTable(
      ["Task", "Group", ...a.conditions.map((c) => m(conditionName(c)))],
      a.tasks.map((t) => [
        m(t.task),
        m(t.group),
        ...a.conditions.map((c) => {
          const cell = t.cells[c.key];
          if (!cell) return "–";
          const cut = truncationText(cell.truncation);
          return `${fmt(cell.rougeL, 1)}${cut ? ` ${m(cut)}` : ""}`;
        }),
      ]),
    ),
    "",
  );

  if (a.published_claims) {
    out.push("## The thesis's claims, recomputed from its published figures", "");
    for (const c of publishedSentences(a.published_claims)) out.push(`- ${m(c)}`);
    out.push("");
  }
  out.push("## Method", "");
  for (const n of methodNotes(a)) out.push(`- ${m(n)}`);
  return out.join("\n") + "\n";
}
