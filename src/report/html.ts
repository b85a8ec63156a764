import {
  metricLabel,
  metricTitle,
  REPORT_GROUPS,
  settingText,
  type Analysis,
  type Interval,
} from "../analysis/index.js";
import type { Chart } from "./charts.js";
import { backtestTable, queryTable, unfittedText, type TextTable } from "./curve-tables.js";
import { conditionName, escapeHtml as e, fmt, fmtCi, fmtPct, truncationText } from "./format.js";
import { SEARCH_LEGEND, searchSentence } from "./search-chart.js";
import { methodNotes, progressLine } from "./text.js";
import { effectSentence, matchingSentence, publishedSentences } from "./sentences.js";

/**
 * The report as one self-contained HTML page: inline CSS, inline SVG charts, no script, no remote
 * resource. Every string that comes from the study (names, labels, tasks, categories) goes through e().
 */
export function renderHtml(analysis: Analysis, charts: Chart[]): string {
  const a = analysis;
  const chart = (id: string) => {
    const c = charts.find((x) => x.id === id);
    const caption = c && (c.note ? `${c.title}: ${c.note}` : c.title);
    return c
      ? `<figure class="chart" id="${e(c.id)}">${c.svg}<figcaption>${e(caption!)}</figcaption></figure>`
      : "";
  };
  const settings = [...new Set(a.conditions.map((c) => c.setting))].filter((s) => s === "stl" || s === "mtl");
  const partial = a.study.runs_done < a.study.runs_total;
  const body = [
    `<header><h1>${e(a.study.name)}</h1>`,
    a.study.description ? `<p class="description">${e(a.study.description)}</p>` : "",
    `<p class="sub">quicklearn report${a.study.preset ? ` · preset <b>${e(a.study.preset)}</b>` : ""} · ${e(a.aggregation)}</p>`,
    `<p class="banner${partial ? " partial" : ""}">${e(progressLine(a))}</p>`,
    a.notes.length ? `<ul class="notes">${a.notes.map((n) => `<li>${e(n)}</li>`).join("")}</ul>` : "",
    `</header>`,
    section("Findings", findings(a)),
    section("Arms", armsTable(a)),
    section(`Overall ${metricLabel(a.metric)}`, overallTable(a)),
    section("Sample efficiency", settings.map((s) => chart(`curve-${s}`)).join("") + matchingTable(a)),
    a.search ? section("Budget search", budgetSearch(a, chart)) : "",
    a.curves ? section("Learning-curve fits", curveFits(a, chart("worth"))) : "",
    section("Effects", effectsTable(a)),
    section("Report groups", settings.map((s) => groupTable(a, s) + chart(`groups-${s}`)).join("")),
    section("Per task", taskTable(a)),
    a.published_claims
      ? section("The thesis's claims, recomputed from its published figures", publishedList(a))
      : "",
    section(
      "Method",
      `<ul>${methodNotes(a)
        .map((n) => `<li>${e(n)}</li>`)
        .join("")}</ul>`,
    ),
  ].join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${e(a.study.name)}: quicklearn report</title>
<style>${CSS}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;margin:0 auto;max-width:1180px;padding:24px}
h1{margin:0 0 4px;font-size:26px}h2{margin:32px 0 10px;font-size:19px;border-bottom:1px solid #ddd;padding-bottom:4px}
.sub{color:#555;margin:0 0 10px}.banner{display:inline-block;padding:4px 10px;border-radius:4px;background:#e8f5e9;color:#1b5e20}
.banner.partial{background:#fff3e0;color:#8a4b00}.notes{color:#8a4b00}
table{border-collapse:collapse;margin:8px 0 16px;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid #eee;padding:4px 8px;text-align:right;vertical-align:top}
th{background:#fafafa;font-weight:600}td.l,th.l{text-align:left}tbody th{background:none;font-weight:normal}
caption{caption-side:top;text-align:left;color:#555;font-size:12px;padding:2px 0}.description{font-size:15px;margin:4px 0 8px}
.ci{color:#777;font-size:12px}.pub{color:#555;font-size:12px}.trunc{color:#b71c1c;font-size:11px}
.ok{color:#1b5e20}.no{color:#b71c1c}.meh{color:#8a4b00}
figure.chart{margin:12px 0;display:inline-block}figcaption{color:#555;font-size:12px}
details summary{cursor:pointer;color:#1a4f8b}.scroll{overflow-x:auto}
ul.claims li{margin:4px 0}
`;

function section(title: string, content: string): string {
  return `<section><h2>${e(title)}</h2>\n${content}\n</section>`;
}

function ciSpan(ci: Interval): string {
  return `<span class="ci">${e(fmtCi(ci))}</span>`;
}

function findings(a: Analysis): string {
  const items = [
    ...a.matching.map((m) => ({
      text: matchingSentence(m),
      cls: m.supported ? "ok" : m.budget_per_task === null ? "no" : "meh",
    })),
    ...a.effects.map((x) => ({
      text: effectSentence(x),
      cls: x.verdict === "higher" ? "ok" : x.verdict === "lower" ? "no" : "meh",
    })),
  ];
  if (items.length === 0)
    return `<p>No comparison is possible yet: the study has no finished instruction-tuned curve and baseline.</p>`;
  return `<ul class="claims">${items.map((i) => `<li class="${i.cls}">${e(i.text)}</li>`).join("")}</ul>`;
}

/** The first cell of a body row: the row's header for screen readers. */
function rowHead(text: string): string {
  return `<th scope="row" class="l">${e(text)}</th>`;
}

/** Each arm's name (as conditions and charts call it) beside its label and role. */
function armsTable(a: Analysis): string {
  const arms = [...new Map(a.conditions.map((c) => [c.arm, c])).values()];
  const rows = arms.map(
    (c) => `<tr>${rowHead(c.arm)}<td class="l">${e(c.label)}</td><td class="l">${e(c.role)}</td></tr>`,
  );
  return table(
    "Arms: the names conditions and charts use, with their labels",
    ["Arm", "Label", "Role"],
    rows,
    3,
  );
}

function overallTable(a: Analysis): string {
  const withPub = a.overall.some((o) => o.published !== null);
  const head = [
    "Condition",
    "Arm label",
    metricTitle(a.metric),
    "95 % CI",
    "micro",
    "tasks",
    "instances",
    "seeds",
  ];
  if (withPub) head.push("thesis", "Δ", "thesis in CI");
  const rows = a.overall.map((o) => {
    const cells = [
      rowHead(conditionName(o)),
      `<td class="l">${e(o.label)}</td>`,
      `<td><b>${fmt(o.rougeL)}</b></td>`,
      `<td>${ciSpan(o.ci)}</td>`,
      `<td>${fmt(o.micro)}</td>`,
      `<td>${o.n_tasks}</td>`,
      `<td>${o.n_instances}</td>`,
      `<td>${o.seeds}</td>`,
    ];
    if (withPub) {
      const inside =
        o.published === null ? "" : o.published >= o.ci[0] && o.published <= o.ci[1] ? "yes" : "no";
      cells.push(
        `<td>${fmt(o.published)}</td>`,
        `<td>${o.published === null ? "–" : fmt(o.rougeL - o.published)}</td>`,
        `<td class="${inside === "yes" ? "ok" : "no"}">${inside}</td>`,
      );
    }
    return `<tr>${cells.join("")}</tr>`;
  });
  return table(
    `${metricTitle(a.metric)} per condition: mean over tasks with its 95 % bootstrap interval, and the mean over instances (micro)`,
    head,
    rows,
  );
}

function table(caption: string, head: string[], rows: string[], leftColumns = 2): string {
  const th = head
    .map((h, i) => `<th scope="col"${i < leftColumns ? ' class="l"' : ""}>${e(h)}</th>`)
    .join("");
  return `<div class="scroll"><table><caption>${e(caption)}</caption><thead><tr>${th}</tr></thead><tbody>${rows.join("\n")}</tbody></table></div>`;
}

function matchingTable(a: Analysis): string {
  if (a.matching.length === 0)
    return "<p>No matching budgets: the study needs an instruction-tuned curve and a baseline.</p>";
  const rows = a.matching.map(
    (m) =>
      `<tr>${rowHead(`${m.arm} ${settingText(m.setting)}`)}<td class="l">${e(
        `${m.baseline} ${settingText(m.baseline_setting)} ${m.baseline_budget}`,
      )}</td><td>${fmt(m.baseline_rougeL)}</td><td>${m.budget_per_task === null ? "not reached" : `${m.at_first_budget ? "≤ " : ""}${Math.round(m.budget_per_task)}`}</td><td>${fmtPct(
        m.share_of_baseline,
      )}</td><td>${ciSpan([m.share_ci[0] === null ? NaN : 100 * m.share_ci[0], m.share_ci[1] === null ? NaN : 100 * m.share_ci[1]])}</td><td>${fmtPct(
        m.reached_in,
      )}</td><td class="${m.supported ? "ok" : "meh"}">${m.supported ? "supported" : "not supported"}</td></tr>`,
  );
  return (
    `<p>Matching budget: where the curve reaches the baseline's score, interpolated linearly in log(budget) between measured budgets; share = matching budget ÷ the baseline's budget (CI in %, "–" = not reached in those resamples).</p>` +
    table(
      "Matching budgets: the training samples per task at which each curve reaches its baseline's score",
      [
        "Curve",
        "Baseline",
        `baseline ${metricLabel(a.metric)}`,
        "matching samples/task",
        "share of baseline",
        "95 % CI (%)",
        "reached in resamples",
        "claim",
      ],
      rows,
    )
  );
}

/** Issue 17: each searched curve's rounds, as a chart with its sentence as caption (the sentence alone before any score). */
function budgetSearch(a: Analysis, chart: (id: string) => string): string {
  const curves = (a.search ?? []).map(
    (row, i) => chart(`search-${i}`) || `<p>${e(searchSentence(a, row))}</p>`,
  );
  return `<p>${e(SEARCH_LEGEND)}</p>${curves.join("")}`;
}

/** Issue 21: what the fitted curves answer, how well they predicted a held-out budget, and the worth chart. */
function curveFits(a: Analysis, worthChart: string): string {
  const queries = queryTable(a);
  const backtests = backtestTable(a);
  const unfitted = unfittedText(a);
  return [
    `<p>Every curve with at least 3 distinct budgets gets a fitted model; the charts above draw the fitted curves and their bands. Unlike the matching budgets, these can answer between and beyond the measured budgets: a budget marked "extrapolated" lies outside them and rests on the fitted shape.</p>`,
    queries ? textTable(queries) : "<p>No fitted curve has a baseline to reach.</p>",
    backtests ? textTable(backtests) : "",
    worthChart,
    unfitted ? `<p class="ci">${e(unfitted)}</p>` : "",
  ].join("");
}

/** A table of plain text cells (src/report/curve-tables.ts), escaped; flags in colour. */
function textTable(t: TextTable): string {
  const cls = (v: string) =>
    v === "extrapolated" || v === "no" ? ' class="meh"' : v === "yes" ? ' class="ok"' : "";
  const rows = t.rows.map(
    ([first, ...rest]) =>
      `<tr>${rowHead(first!)}${rest
        .map((v, i) => `<td${i + 1 < t.textColumns ? ' class="l"' : cls(v)}>${e(v)}</td>`)
        .join("")}</tr>`,
  );
  return table(t.caption, t.head, rows, t.textColumns);
}

function effectsTable(a: Analysis): string {
  if (a.effects.length === 0) return "<p>No paired comparison is possible yet.</p>";
  const rows = a.effects.map(
    (x) =>
      `<tr>${rowHead(x.title)}<td class="l">${e(conditionName(x.a))} − ${e(conditionName(x.b))}</td><td>${fmt(x.a_rougeL)}</td><td>${fmt(
        x.b_rougeL,
      )}</td><td><b>${fmt(x.diff)}</b></td><td>${ciSpan(x.ci)}</td><td>${x.n_tasks}</td><td class="${
        x.verdict === "higher" ? "ok" : x.verdict === "lower" ? "no" : "meh"
      }">${x.verdict === "inconclusive" ? "CI includes 0" : x.verdict}</td></tr>`,
  );
  return (
    "<p>Differences are paired: both sides are resampled on the same tasks and test instances.</p>" +
    table(
      `Effects: paired differences in ${metricLabel(a.metric)} with 95 % bootstrap intervals`,
      ["Effect", "Comparison (a − b)", "a", "b", "difference", "95 % CI", "tasks", "verdict"],
      rows,
    )
  );
}

function groupTable(a: Analysis, setting: string): string {
  const conds = a.conditions.filter((c) => c.setting === setting);
  const rows = conds.map((c) => {
    const cells = REPORT_GROUPS.map((g) => {
      const row = a.groups.find((r) => r.key === c.key && r.group === g);
      if (!row) return "<td>–</td>";
      const pub = row.published === null ? "" : `<br><span class="pub">thesis ${fmt(row.published)}</span>`;
      return `<td>${fmt(row.rougeL)}<br>${ciSpan(row.ci)}${pub}</td>`;
    });
    return `<tr>${rowHead(conditionName(c))}${cells.join("")}</tr>`;
  });
  const counts = REPORT_GROUPS.map((g) => a.tasks.filter((t) => t.group === g).length);
  return (
    `<h3>${e(settingText(setting))}</h3>` +
    table(
      `${metricTitle(a.metric)} per report group, ${settingText(setting)} (tasks per group in brackets), with 95 % intervals`,
      ["Condition", ...REPORT_GROUPS.map((g, i) => `${g} (${counts[i]})`)],
      rows,
      1,
    )
  );
}

function taskTable(a: Analysis): string {
  const conds = a.conditions;
  const rows = a.tasks.map((t) => {
    const cells = conds.map((c) => {
      const cell = t.cells[c.key];
      if (!cell) return "<td>–</td>";
      const cut = truncationText(cell.truncation);
      const trunc = cut ? `<br><span class="trunc">${e(cut)}</span>` : "";
      return `<td>${fmt(cell.rougeL, 1)}${trunc}</td>`;
    });
    return `<tr>${rowHead(t.task)}<td class="l">${e(t.group)}</td>${cells.join("")}</tr>`;
  });
  return (
    `<details><summary>${a.tasks.length} tasks × ${conds.length} conditions (${e(metricLabel(a.metric))}; ✂ inputs/targets the engine truncated to the length limits)</summary>` +
    table(
      `${metricTitle(a.metric)} per task and condition`,
      ["Task", "Report group", ...conds.map((c) => conditionName(c))],
      rows,
    ) +
    `</details>`
  );
}

function publishedList(a: Analysis): string {
  const p = a.published_claims!;
  return `<ul>${publishedSentences(p)
    .map((c) => `<li>${e(c)}</li>`)
    .join("")}</ul>`;
}
