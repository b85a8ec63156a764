import type { TopLevelSpec } from "vega-lite";
import {
  metricLabel,
  searchCurveView,
  settingText,
  type Analysis,
  type SearchCurveView,
  type SearchRow,
} from "../analysis/index.js";
import { CONFIG, shown } from "./chart-style.js";
import { fmt } from "./format.js";

/**
 * An adaptive budget search's curves (issue 17) in the report: per searched curve a sentence that lists its
 * rounds and answer, and a chart of the score at each budget it ran, each point numbered and coloured by the
 * round that chose it, with the budget it found, that budget's 95 % interval and the target level.
 */

/** How to read the charts (the HTML says it once above them). */
export const SEARCH_LEGEND =
  "The adaptive search chose each budget of a searched curve from the results of the rounds before it. " +
  "Each chart numbers and colours a measured budget by the round that chose it (bars: its 95 % interval); " +
  "the green line is the budget found, the green span its 95 % interval, the dashed red line the target; " +
  "grey: the curve's fitted line and band, where it has one.";

/** A searched curve's chart: its spec (null: nothing measured yet to draw) and its caption. */
export interface SearchChart {
  id: string;
  title: string;
  /** The curve's sentence (searchSentence), the figure's caption. */
  note: string;
  spec: TopLevelSpec | null;
}

export function searchCharts(a: Analysis): SearchChart[] {
  return (a.search ?? []).map((row, i) => {
    const view = searchCurveView(row, a);
    return {
      id: `search-${i}`,
      title: `Budget search (${curveName(row)})`,
      note: searchSentence(a, row, view),
      spec: searchSpec(a, row, view),
    };
  });
}

/** "inst STL", "inst STL on task1356_xlsum": the searched curve as the sentences name it. */
function curveName(row: SearchRow): string {
  return `${row.arm} ${settingText(row.setting)}${row.scope === "overall" ? "" : ` on ${row.scope}`}`;
}

/** Examples per task as a person reads them: "4.5", "12", "1,250" (no float noise). */
export function budgetWords(x: number): string {
  return x < 10 ? String(+x.toFixed(1)) : Math.round(x).toLocaleString("en-US");
}

/**
 * "inst STL, target 90 % of B3 stl at all (ROUGE-L 41.20): searched in 3 rounds: 4, 40 (round 0),
 * 17 (round 1), 11 (round 2); converged at 12 (95 % interval 9 to 15)."
 */
export function searchSentence(a: Analysis, row: SearchRow, view = searchCurveView(row, a)): string {
  const level = view.target_score === null ? "" : ` (${metricLabel(a.metric)} ${fmt(view.target_score)})`;
  const rounds = [...new Set(row.rounds_run.map((r) => r.round))].map((round) => {
    const budgets = row.rounds_run.filter((r) => r.round === round).map((r) => r.budget);
    return `${budgets.join(", ")} (round ${round})`;
  });
  const n = `${row.rounds} round${row.rounds === 1 ? "" : "s"}`;
  return `${curveName(row)}, target ${row.target}${level}: searched in ${n}: ${rounds.join(", ")}; ${outcome(row)}.`;
}

function outcome(row: SearchRow): string {
  if (row.state === "running") return `still searching (round ${row.rounds - 1})`;
  const end = (x: number | null) => (x === null ? "never" : budgetWords(x));
  const interval = row.ci ? ` (95 % interval ${end(row.ci[0])} to ${end(row.ci[1])})` : "";
  const at = row.budget === null ? "" : ` at ${budgetWords(row.budget)}`;
  const none = row.budget === null ? ": the fitted curve does not reach the target" : "";
  switch (row.state) {
    case "converged":
      return `converged${at}${none}${interval}`;
    case "max_rounds":
      return `stopped after its last round (max_rounds)${at}${none}${interval}`;
    case "unreachable":
      return `not reached within max_budget${row.budget === null ? "" : ` (the fitted curve crosses the target${at})`}${interval}`;
    case "at_min_budget":
      return `reached by min_budget${at}${interval}`;
  }
}

const SPAN = "#59a14f";
const FOUND = "#2e7d32";
const TARGET = "#b71c1c";
const FIT = "#8c8c8c";
const WIDTH = 480;
const HEIGHT = 280;

/** The chart of one searched curve; null when none of its budgets has a score yet. */
function searchSpec(a: Analysis, row: SearchRow, view: SearchCurveView): TopLevelSpec | null {
  const metric = metricLabel(a.metric);
  const measured = view.points.filter((p) => p.score !== null && Number.isFinite(p.x) && p.x > 0);
  if (measured.length === 0) return null;
  const points = measured.map((p) => ({
    round: p.round,
    label: String(p.round),
    x: shown(p.x),
    y: shown(p.score!),
    lo: p.ci && shown(p.ci[0]),
    hi: p.ci && shown(p.ci[1]),
    desc:
      `round ${p.round}: ${p.budget === "all" ? "all" : p.budget} examples per task, ${metric} ${fmt(p.score)}` +
      (p.ci ? ` (95 % CI ${fmt(p.ci[0])} to ${fmt(p.ci[1])})` : ""),
  }));
  const found = row.budget !== null && row.budget > 0 ? row.budget : null;
  const ends = (row.ci ?? []).flatMap((v) => (v !== null && v > 0 ? [v] : []));
  const xs: number[] = [...points.map((p) => p.x), ...ends];
  if (found !== null) xs.push(found);
  const domain: [number, number] = [shown(Math.min(...xs) / 1.5), shown(Math.max(...xs) * 1.5)];
  const band = (a.curves?.bands ?? [])
    .find((b) => b.arm === row.arm && b.setting === row.setting && b.scope === row.scope)
    ?.points.filter((p) => p.score !== null && p.x >= domain[0] && p.x <= domain[1])
    .map((p) => ({
      x: shown(p.x),
      score: shown(p.score!),
      lo: p.lo && shown(p.lo),
      hi: p.hi && shown(p.hi),
    }));
  const ys = [
    ...points.flatMap((p) => [p.y, p.lo ?? p.y, p.hi ?? p.y]),
    ...(view.target_score === null ? [] : [view.target_score]),
    ...(band ?? []).flatMap((p) => [p.score, p.lo ?? p.score, p.hi ?? p.score]),
  ];
  const all = a.budget_axis.all_position;
  const x = {
    field: "x",
    type: "quantitative" as const,
    title: "training samples per task (log scale)",
    scale: { type: "log" as const, domain, nice: false },
    axis: {
      values: [...new Set(points.map((p) => p.x))].sort((p, q) => p - q),
      labelExpr: `abs(datum.value - ${shown(all)}) < 0.5 ? 'all (≈${Math.round(all)})' : format(datum.value, ',')`,
    },
  };
  const yScale = { domain: [Math.floor(Math.min(...ys) - 2), Math.ceil(Math.max(...ys) + 2)], zero: false };
  const y = (field: string) => ({ field, type: "quantitative" as const, title: metric, scale: yScale });
  const rounds = [...new Set(points.map((p) => p.round))].sort((p, q) => p - q);
  const color = {
    field: "round",
    type: "ordinal" as const,
    title: "round",
    // A ramp from the first round to the last; its light end left out, so every point reads on white.
    scale: { domain: rounds, scheme: { name: "viridis", extent: [0, 0.8] } },
    legend: { labelExpr: "'round ' + datum.label" },
  };
  const description = { field: "desc", type: "nominal" as const };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: `Budget search, ${curveName(row)}: ${metric} at each budget, by the round that chose it`,
    width: WIDTH,
    height: HEIGHT,
    config: CONFIG,
    data: { values: points },
    layer: [
      ...intervalLayers(row, found, domain, x),
      ...(band ? fitLayers(band, x, y) : []),
      ...targetLayers(view.target_score, metric, y),
      {
        // The interval is in its point's label already.
        mark: { type: "rule", strokeWidth: 1.5, aria: false },
        encoding: { x, y: y("lo"), y2: { field: "hi" }, color },
      },
      {
        name: "search_round_points",
        mark: { type: "point", filled: true, size: 90, opacity: 1 },
        encoding: { x, y: y("y"), color, description },
      },
      {
        name: "search_round_labels",
        mark: {
          type: "text",
          align: "left",
          baseline: "middle",
          dx: 8,
          fontSize: 12,
          fontWeight: "bold",
          aria: false,
        },
        encoding: { x, y: y("y"), color, text: { field: "label" } },
      },
    ],
  } as TopLevelSpec;
}

/** The found budget's 95 % interval as a shaded span (to the chart's edge where an end is never reached) and the budget as a vertical line. */
function intervalLayers(
  row: SearchRow,
  found: number | null,
  domain: [number, number],
  x: Record<string, unknown>,
): unknown[] {
  const layers: unknown[] = [];
  const ci = row.ci;
  if (ci && (ci[0] !== null || ci[1] !== null)) {
    const end = (v: number | null) => (v === null ? "never" : budgetWords(v));
    const span = {
      x: shown(Math.max(domain[0], ci[0] ?? domain[0])),
      x2: shown(Math.min(domain[1], ci[1] ?? domain[1])),
      desc: `95 % interval of the found budget: ${end(ci[0])} to ${end(ci[1])} examples per task`,
    };
    layers.push({
      name: "search_interval",
      data: { values: [span] },
      mark: { type: "rect", color: SPAN, opacity: 0.18 },
      encoding: { x, x2: { field: "x2" }, description: { field: "desc", type: "nominal" } },
    });
  }
  if (found !== null) {
    const values = [{ x: shown(found), desc: `found budget: ${budgetWords(found)} examples per task` }];
    layers.push(
      {
        name: "search_found",
        data: { values },
        mark: { type: "rule", color: FOUND, strokeWidth: 2 },
        encoding: { x, description: { field: "desc", type: "nominal" } },
      },
      {
        data: { values },
        mark: { type: "text", color: FOUND, align: "left", baseline: "top", dx: 4, dy: 2, aria: false },
        encoding: { x, y: { value: 0 }, text: { value: `found ${budgetWords(found)}` } },
      },
    );
  }
  return layers;
}

/** The target level: a dashed horizontal line across the chart, labelled at its right end. */
function targetLayers(
  target: number | null,
  metric: string,
  y: (field: string) => Record<string, unknown>,
): unknown[] {
  if (target === null) return [];
  const values = [{ t: shown(target), desc: `target: ${metric} ${fmt(target)}` }];
  return [
    {
      name: "search_target",
      data: { values },
      mark: { type: "rule", color: TARGET, strokeDash: [6, 4], strokeWidth: 1.5 },
      encoding: { y: y("t"), description: { field: "desc", type: "nominal" } },
    },
    {
      data: { values },
      mark: { type: "text", color: TARGET, align: "right", baseline: "bottom", dy: -3, aria: false },
      encoding: { x: { value: WIDTH }, y: y("t"), text: { value: `target ${fmt(target)}` } },
    },
  ];
}

/** The curve's fitted line and band (issue 21), in grey behind the rounds. */
function fitLayers(
  band: { x: number; score: number; lo: number | null; hi: number | null }[],
  x: Record<string, unknown>,
  y: (field: string) => Record<string, unknown>,
): unknown[] {
  return [
    {
      data: { values: band },
      transform: [{ filter: "datum.lo != null && datum.hi != null" }],
      mark: { type: "area", color: FIT, opacity: 0.15, clip: true },
      encoding: { x, y: y("lo"), y2: { field: "hi" } },
    },
    {
      data: { values: band },
      mark: { type: "line", color: FIT, strokeWidth: 1.5, clip: true },
      encoding: { x, y: y("score") },
    },
  ];
}
