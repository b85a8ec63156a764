import { join } from "node:path";
import escapeLatexText from "escape-latex";
import { metricLabel, metricTitle, settingText, type Analysis } from "../analysis/index.js";
import { writeFileAtomic } from "../util/fs.js";
import { backtestTable, queryTable, type TextTable } from "./curve-tables.js";
import { conditionName, fmt, fmtCi, fmtPct } from "./format.js";

/**
 * `report --latex DIR`: the report's main tables as LaTeX for papers, one booktabs table per file
 * (\toprule, \midrule, \bottomrule), to \input into a document. Every text cell is escaped; the only
 * package a document needs is booktabs, and each file says so in its first lines.
 */
export function latexTables(a: Analysis): Record<string, string> {
  const tables: Record<string, TextTable | null> = {
    "overall.tex": overallTable(a),
    "matching.tex": matchingTable(a),
    "fitted-budgets.tex": queryTable(a),
    "backtests.tex": backtestTable(a),
  };
  return Object.fromEntries(
    Object.entries(tables).flatMap(([name, t]) => (t ? [[name, renderLatex(t, name)]] : [])),
  );
}

/** Write every LaTeX table into `dir`; returns the paths written. */
export async function writeLatexTables(a: Analysis, dir: string): Promise<string[]> {
  const written: string[] = [];
  for (const [name, text] of Object.entries(latexTables(a))) {
    const path = join(dir, name);
    await writeFileAtomic(path, text);
    written.push(path);
  }
  return written;
}

/**
 * Characters the report writes that pdfLaTeX cannot typeset without more packages, as math; added to
 * escape-latex's own map (which escapes & % $ # _ { } ~ ^ \).
 */
const UNICODE_AS_MATH: Record<string, string> = {
  "≤": "$\\leq$",
  "≥": "$\\geq$",
  "×": "$\\times$",
  "≈": "$\\approx$",
  "−": "$-$",
  Δ: "$\\Delta$",
  "–": "--",
  "—": "---",
};

/** Text for a LaTeX table cell: special characters escaped, line breaks as spaces. */
export function escapeLatex(text: string): string {
  return escapeLatexText(text.replace(/\s+/g, " "), {
    escapeMapFn: (defaults: Record<string, string>) => ({ ...defaults, ...UNICODE_AS_MATH }),
  });
}

/** A cell: a negative figure gets a real minus sign; any other text is escaped. */
function cell(text: string): string {
  return /^-\d/.test(text) ? `$-$${text.slice(1)}` : escapeLatex(text);
}

export function renderLatex(t: TextTable, name: string): string {
  const columns = t.head.map((_, i) => (i < t.textColumns ? "l" : "r")).join("");
  const row = (cells: string[]) => `${cells.map(cell).join(" & ")} \\\\`;
  return [
    "% Written by quicklearn report --latex. Needs only the booktabs package:",
    "% \\usepackage{booktabs} in the preamble, then \\input{this file}.",
    "\\begin{table}[htbp]",
    "\\centering",
    `\\caption{${escapeLatex(t.caption)}}`,
    `\\label{tab:quicklearn-${name.replace(/\.tex$/, "")}}`,
    `\\begin{tabular}{${columns}}`,
    "\\toprule",
    row(t.head),
    "\\midrule",
    ...t.rows.map(row),
    "\\bottomrule",
    "\\end{tabular}",
    "\\end{table}",
    "",
  ].join("\n");
}

function overallTable(a: Analysis): TextTable {
  const withPub = a.overall.some((o) => o.published !== null);
  return {
    caption: `${metricTitle(a.metric)} per condition: mean over tasks with its 95 % bootstrap interval, and the mean over instances (micro)`,
    head: [
      "Condition",
      metricLabel(a.metric),
      "95 % CI",
      "micro",
      "tasks",
      "instances",
      "seeds",
      ...(withPub ? ["thesis", "Δ"] : []),
    ],
    textColumns: 1,
    rows: a.overall.map((o) => [
      conditionName(o),
      fmt(o.rougeL),
      fmtCi(o.ci),
      fmt(o.micro),
      String(o.n_tasks),
      String(o.n_instances),
      String(o.seeds),
      ...(withPub ? [fmt(o.published), o.published === null ? "–" : fmt(o.rougeL - o.published)] : []),
    ]),
  };
}

function matchingTable(a: Analysis): TextTable | null {
  if (a.matching.length === 0) return null;
  return {
    caption: `Matching budgets (measured): the training samples per task at which each curve reaches its baseline's ${metricLabel(a.metric)}, interpolated linearly in log(budget) between measured budgets`,
    head: [
      "Curve",
      "Baseline",
      `baseline ${metricLabel(a.metric)}`,
      "samples/task",
      "share",
      "95 % CI",
      "claim",
    ],
    textColumns: 2,
    rows: a.matching.map((r) => [
      `${r.arm} ${settingText(r.setting)}`,
      `${r.baseline} ${settingText(r.baseline_setting)} ${r.baseline_budget}`,
      fmt(r.baseline_rougeL),
      r.budget_per_task === null
        ? "not reached"
        : `${r.at_first_budget ? "≤ " : ""}${Math.round(r.budget_per_task)}`,
      fmtPct(r.share_of_baseline),
      `${fmtPct(r.share_ci[0])} to ${r.share_ci[1] === null ? "not reached" : fmtPct(r.share_ci[1])}`,
      r.supported ? "supported" : "not supported",
    ]),
  };
}
