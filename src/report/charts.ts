import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { metricLabel, REPORT_GROUPS, settingText, type Analysis } from "../analysis/index.js";
import { CONFIG, shown, shownOrNull } from "./chart-style.js";
import { conditionName, escapeHtml } from "./format.js";
import { searchCharts } from "./search-chart.js";

/**
 * Charts are Vega-Lite specs rendered to SVG in Node (no browser, no canvas): the SVG is inlined in the
 * report, so the page needs no script and no network. Vega escapes the text it writes into SVG.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * The chart as one image for assistive technology: role="img", named by its title (aria-label and a
 * <title> element, which browsers also show on hover). Vega's own per-mark labels stay in the markup.
 */
export function accessibleSvg(svg: string, title: string): string {
  const t = escapeHtml(title);
  return svg.replace(/^<svg\b([^>]*)>/, `<svg role="img" aria-label="${t}"$1><title>${t}</title>`);
}

const PUBLISHED = "thesis (published)";

interface CurveDatum {
  series: string;
  kind: "curve" | "baseline" | "supervised" | "zero-shot" | "published-curve" | "published-point";
  x: number | null;
  y: number;
  lo: number | null;
  hi: number | null;
}

/**
 * Figures 5.1/5.3: score against training samples per task (log x), one curve per instruction-tuned
 * arm, baselines as points with their intervals, the supervised baseline as a dashed line, zero-shot
 * dotted; the thesis's published curve in grey for the thesis preset.
 */
export function curveSpec(analysis: Analysis, setting: string): TopLevelSpec | null {
  const points = analysis.curve_points;
  const data: CurveDatum[] = [];
  for (const p of points) {
    const ci = { lo: shownOrNull(p.ci[0]), hi: shownOrNull(p.ci[1]) };
    const [x, y] = [shownOrNull(p.x), shown(p.rougeL)];
    if (p.role === "instruction-tuned" && p.setting === setting && x !== null) {
      data.push({ series: `${p.arm} ${settingText(setting)}`, kind: "curve", x, y, ...ci });
    } else if (p.role === "baseline" && p.setting === setting && x !== null) {
      data.push({ series: conditionName(p), kind: "baseline", x, y, ...ci });
    } else if (p.role === "supervised" && x !== null) {
      data.push({ series: conditionName(p), kind: "supervised", x: null, y, ...ci });
    } else if (p.role === "zero-shot") {
      data.push({ series: `${p.arm} (no training)`, kind: "zero-shot", x: null, y, ...ci });
    }
  }
  if (!data.some((d) => d.kind === "curve" || d.kind === "baseline")) return null;
  const bands = bandData(analysis, setting);
  const pub = analysis.overall.filter((o) => o.published !== null && o.setting === setting);
  for (const o of pub) {
    const x = shownOrNull(analysis.curve_points.find((p) => p.key === o.key)?.x ?? null);
    if (x === null) continue;
    const kind = o.role === "instruction-tuned" ? "published-curve" : "published-point";
    data.push({ series: PUBLISHED, kind, x, y: shown(o.published!), lo: null, hi: null });
  }
  const all = analysis.budget_axis.all_position;
  const xs = [...new Set(data.flatMap((d) => (d.x === null ? [] : [d.x])))].sort((a, b) => a - b);
  const ys = [
    ...data.flatMap((d) => [d.y, d.lo ?? d.y, d.hi ?? d.y]),
    ...bands.flatMap((b) => [b.score, b.lo ?? b.score, b.hi ?? b.score]),
  ];
  const xMax = Math.max(xs[xs.length - 1]! * 1.4, ...bands.map((b) => b.x * 1.05));
  const x = {
    field: "x",
    type: "quantitative" as const,
    title: "training samples per task (log scale)",
    scale: {
      type: "log" as const,
      domain: [shown(xs[0]! / 1.4), shown(xMax)],
      nice: false,
    },
    axis: {
      values: xs,
      labelExpr: `abs(datum.value - ${all}) < 0.5 ? 'all (≈${Math.round(all)})' : format(datum.value, ',')`,
    },
  };
  const y = {
    field: "y",
    type: "quantitative" as const,
    title: metricLabel(analysis.metric),
    scale: { domain: [Math.floor(Math.min(...ys) - 2), Math.ceil(Math.max(...ys) + 2)], zero: false },
  };
  // Explicit colours so that the published figures read as grey in the legend too.
  const series = [...new Set([...data.map((d) => d.series), ...bands.map((b) => b.series)])];
  const palette = [
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
  ];
  let next = 0;
  const range = series.map((s) => (s === PUBLISHED ? "#999999" : palette[next++ % palette.length]!));
  // Opaque legend symbols: the band's light area is the first layer and would otherwise set them.
  const color = {
    field: "series",
    type: "nominal" as const,
    title: null,
    scale: { domain: series, range },
    legend: { symbolOpacity: 1 },
  };
  const only = (...kinds: CurveDatum["kind"][]) => ({ filter: { field: "kind", oneOf: kinds } });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: `${settingText(setting)}: ${metricLabel(analysis.metric)} against training samples per task`,
    width: 560,
    height: 320,
    config: CONFIG,
    data: { values: data as unknown as Record<string, unknown>[] },
    layer: [
      ...bandLayers(bands, x, color, metricLabel(analysis.metric)),
      {
        transform: [only("published-curve")],
        mark: { type: "line", strokeDash: [4, 3], point: { filled: false } },
        encoding: { x, y, color },
      },
      {
        transform: [only("published-point")],
        mark: { type: "point", shape: "diamond", size: 90, filled: false, strokeWidth: 2 },
        encoding: { x, y, color },
      },
      {
        transform: [only("supervised")],
        mark: { type: "rule", strokeDash: [8, 5], strokeWidth: 2 },
        encoding: { y, color },
      },
      {
        transform: [only("zero-shot")],
        mark: { type: "rule", strokeDash: [2, 3], strokeWidth: 2 },
        encoding: { y, color },
      },
      {
        transform: [only("curve", "baseline")],
        mark: { type: "rule", strokeWidth: 1.5 },
        encoding: { x, y: { field: "lo", type: "quantitative" }, y2: { field: "hi" }, color },
      },
      {
        transform: [only("curve")],
        mark: { type: "line", point: { filled: true, size: 50 }, strokeWidth: 2.5 },
        encoding: { x, y, color },
      },
      {
        transform: [only("baseline")],
        mark: { type: "point", filled: true, size: 110, shape: "square" },
        encoding: { x, y, color },
      },
    ],
  } as TopLevelSpec;
}

const FITTED = "fitted curve (90 % band)";
const EXTRAPOLATED = "fitted, extrapolated";
const WITHIN = "within the measured budgets";

interface BandDatum {
  series: string;
  part: string;
  x: number;
  score: number;
  lo: number | null;
  hi: number | null;
}

/**
 * The fitted curves of a setting (issue 21) as chart data: the curve and its band, split at the largest
 * measured budget so that the extrapolated part can be drawn dashed and lighter. The point at the split
 * belongs to both parts, so the two lines meet. Scores are clamped to the metric's range (0-100).
 */
function bandData(analysis: Analysis, setting: string): BandDatum[] {
  const bands = analysis.curves?.bands.filter((b) => b.setting === setting) ?? [];
  const clamp = (v: number | null) => (v === null ? null : shown(Math.min(100, Math.max(0, v))));
  const level = analysis.curves?.level ?? 0.9;
  const fitted = FITTED.replace("90 %", `${Math.round(100 * level)} %`);
  return bands.flatMap((b) => {
    const series = `${b.arm} ${settingText(setting)}`;
    const points = b.points.filter((p) => p.score !== null);
    const inside = points.filter((p) => p.x <= b.last_budget * (1 + 1e-9));
    const split = inside[inside.length - 1];
    const datum = (p: (typeof points)[number], part: string): BandDatum => ({
      series,
      part,
      x: shown(p.x),
      score: clamp(p.score)!,
      lo: clamp(p.lo),
      hi: clamp(p.hi),
    });
    return [
      ...inside.map((p) => datum(p, fitted)),
      ...points
        .filter((p) => p === split || p.x > b.last_budget * (1 + 1e-9))
        .map((p) => datum(p, EXTRAPOLATED)),
    ];
  });
}

/**
 * The band (light area) and the fitted line, with their own data: a layer per part, the extrapolated one
 * lighter, and a dash legend that labels it.
 */
function bandLayers(
  bands: BandDatum[],
  x: Record<string, unknown>,
  color: Record<string, unknown>,
  title: string,
): unknown[] {
  if (bands.length === 0) return [];
  const parts = [...new Set(bands.map((b) => b.part))].sort((a) => (a === EXTRAPOLATED ? 1 : -1));
  const strokeDash = {
    field: "part",
    type: "nominal" as const,
    title: null,
    scale: { domain: parts, range: parts.map((p) => (p === EXTRAPOLATED ? [6, 4] : [1, 0])) },
  };
  const y = (field: string) => ({ field, type: "quantitative" as const, title });
  return parts.flatMap((part) => {
    const beyond = part === EXTRAPOLATED;
    const values = bands.filter((b) => b.part === part);
    return [
      {
        data: { values },
        transform: [{ filter: "datum.lo != null && datum.hi != null" }],
        mark: { type: "area", clip: true, opacity: beyond ? 0.07 : 0.16 },
        encoding: { x, y: y("lo"), y2: { field: "hi" }, color },
      },
      {
        data: { values },
        mark: { type: "line", strokeWidth: 1.5, clip: true, opacity: beyond ? 0.55 : 0.8 },
        encoding: { x, y: y("score"), color, strokeDash },
      },
    ];
  });
}

/**
 * Worth in examples (issue 21): at each score both fitted curves reach, how many more examples per task the
 * baseline needs than the instruction-tuned arm, with its interval; symlog y, since the gap grows fast
 * towards the baseline's asymptote. Dashed where either curve is extrapolated.
 */
export function worthSpec(analysis: Analysis): TopLevelSpec | null {
  const rows = analysis.curves?.worth ?? [];
  const data = rows.flatMap((w) => {
    const series = `${w.arm} vs ${w.baseline} (${settingText(w.setting)})`;
    const points = w.points.filter((p) => p.worth !== null);
    const lastInside = points.filter((p) => !p.extrapolated).pop();
    const datum = (p: (typeof points)[number], part: string) => ({
      series,
      part,
      score: shown(p.score),
      worth: shown(p.worth!),
      lo: shownOrNull(p.ci[0]),
      hi: shownOrNull(p.ci[1]),
    });
    // The last point within the measured budgets starts the extrapolated part too, so the line is unbroken.
    return [
      ...points.filter((p) => !p.extrapolated).map((p) => datum(p, WITHIN)),
      ...points.filter((p) => p.extrapolated || p === lastInside).map((p) => datum(p, EXTRAPOLATED)),
    ];
  });
  if (data.length === 0) return null;
  const metric = metricLabel(analysis.metric);
  const positive = data.every((d) => d.worth > 0 && (d.lo === null || d.lo > 0));
  const x = { field: "score", type: "quantitative" as const, title: metric, scale: { zero: false } };
  const y = (field: string) => ({
    field,
    type: "quantitative" as const,
    title: "examples per task instruction tuning is worth",
    // Log where every figure is positive; symlog when the baseline is better somewhere (a negative worth).
    scale: { type: positive ? ("log" as const) : ("symlog" as const) },
    // The short form on the axis only: the marks' labels keep the figures as shown elsewhere.
    axis: { labelExpr: "format(datum.value, '~s')" },
  });
  const color = {
    field: "series",
    type: "nominal" as const,
    title: null,
    scale: { scheme: "tableau10" },
    legend: { symbolOpacity: 1 },
  };
  const parts = [...new Set(data.map((d) => d.part))].sort((a) => (a === EXTRAPOLATED ? 1 : -1));
  const level = Math.round(100 * (analysis.curves?.level ?? 0.9));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: `Worth in examples at each ${metric} both fitted curves reach (${level} % band)`,
    width: 560,
    height: 300,
    config: CONFIG,
    data: { values: data },
    layer: [
      {
        transform: [{ filter: "datum.lo != null && datum.hi != null" }],
        mark: { type: "area", opacity: 0.15 },
        encoding: { x, y: y("lo"), y2: { field: "hi" }, color },
      },
      {
        mark: { type: "line", strokeWidth: 2 },
        encoding: {
          x,
          y: y("worth"),
          color,
          strokeDash: {
            field: "part",
            type: "nominal",
            title: null,
            scale: { domain: parts, range: parts.map((p) => (p === EXTRAPOLATED ? [6, 4] : [1, 0])) },
          },
        },
      },
      {
        mark: { type: "point", filled: true, size: 30 },
        encoding: { x, y: y("worth"), color },
      },
    ],
  } as TopLevelSpec;
}

/** Figures 5.2/5.4: the headline metric per report group, one bar per condition of a setting, with intervals. */
export function groupSpec(analysis: Analysis, setting: string): TopLevelSpec | null {
  const rows = analysis.groups.filter((g) => g.setting === setting);
  if (rows.length === 0) return null;
  const order = analysis.conditions.filter((c) => c.setting === setting).map((c) => conditionName(c));
  const data = rows.map((g) => ({
    group: g.group,
    condition: conditionName(g),
    y: shown(g.rougeL),
    lo: shown(g.ci[0]),
    hi: shown(g.ci[1]),
    published: shownOrNull(g.published),
  }));
  const x = {
    field: "group",
    type: "nominal" as const,
    title: null,
    sort: [...REPORT_GROUPS],
    axis: { labelAngle: 0, labelLimit: 400, labelExpr: "split(datum.label, ' ')" },
  };
  const xOffset = { field: "condition", type: "nominal" as const, sort: order };
  const color = {
    field: "condition",
    type: "nominal" as const,
    title: null,
    sort: order,
    scale: { scheme: "tableau10" },
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: `${settingText(setting)}: ${metricLabel(analysis.metric)} by report group`,
    width: Math.max(700, Math.min(1100, 16 * order.length * REPORT_GROUPS.length)),
    height: 280,
    config: CONFIG,
    data: { values: data },
    layer: [
      {
        mark: { type: "bar" },
        encoding: {
          x,
          xOffset,
          y: { field: "y", type: "quantitative", title: metricLabel(analysis.metric), scale: { zero: true } },
          color,
        },
      },
      {
        mark: { type: "rule", color: "#333" },
        encoding: { x, xOffset, y: { field: "lo", type: "quantitative" }, y2: { field: "hi" } },
      },
      {
        transform: [{ filter: "datum.published != null" }],
        mark: { type: "tick", color: "black", thickness: 2, size: 10 },
        encoding: { x, xOffset, y: { field: "published", type: "quantitative" } },
      },
    ],
  } as TopLevelSpec;
}

export interface Chart {
  id: string;
  title: string;
  svg: string;
  /** What the chart draws beyond its title (the figure's caption says it too). */
  note?: string;
}

/** Every chart of the report, rendered. */
export async function renderCharts(analysis: Analysis): Promise<Chart[]> {
  const settings = [...new Set(analysis.conditions.map((c) => c.setting))].filter(
    (s) => s === "stl" || s === "mtl",
  );
  const charts: Chart[] = [];
  const render = async (spec: TopLevelSpec) =>
    accessibleSvg(await renderSvg(spec), typeof spec.title === "string" ? spec.title : "chart");
  for (const s of settings) {
    const spec = curveSpec(analysis, s);
    if (spec)
      charts.push({
        id: `curve-${s}`,
        title: `Sample efficiency (${settingText(s)})`,
        svg: await render(spec),
        ...(analysis.curves?.bands.some((b) => b.setting === s) ? { note: bandNote(analysis) } : {}),
      });
  }
  for (const c of searchCharts(analysis))
    if (c.spec) charts.push({ id: c.id, title: c.title, svg: await render(c.spec), note: c.note });
  const worth = worthSpec(analysis);
  if (worth)
    charts.push({
      id: "worth",
      title: "Worth in examples (fitted curves)",
      svg: await render(worth),
      note: "how many more examples per task the baseline's fitted curve needs than the instruction-tuned arm's to reach the same score; dashed where a curve is extrapolated",
    });
  for (const s of settings) {
    const spec = groupSpec(analysis, s);
    if (spec)
      charts.push({
        id: `groups-${s}`,
        title: `Report groups (${settingText(s)})`,
        svg: await render(spec),
      });
  }
  return charts;
}

function bandNote(analysis: Analysis): string {
  const level = Math.round(100 * (analysis.curves?.level ?? 0.9));
  return `lines: fitted curves with their ${level} % bands from refits on the bootstrap resamples; dashed and lighter beyond the largest measured budget (extrapolated)`;
}
