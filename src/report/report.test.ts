import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CURVE_BASELINE, writeCurveStudy } from "../../test/fixtures/curve-study.js";
import { analyzeStudy, DEFAULT_TASK_RESAMPLES, loadStudy, type Analysis } from "../analysis/index.js";
import { phaseTruncation, StudyStore, type PlanFile, type RunRecord } from "../runner/store/index.js";
import { renderCharts } from "./charts.js";
import { csvTables } from "./csv.js";
import { renderHtml } from "./html.js";
import { reportJson } from "./json.js";
import { renderMarkdown } from "./markdown.js";

const EVIL_TASK = `task1_<img src=x onerror=alert(1)>`;
const EVIL_LABEL = `</script><script>alert("arm")</script>`;

/** A tiny study whose names try to break out of HTML, Markdown and CSV. */
async function writeEvilStudy(dir: string): Promise<void> {
  const arms: PlanFile["arms"] = [
    {
      name: "inst",
      label: EVIL_LABEL,
      role: "instruction-tuned",
      model: "m",
      encoding: "e",
      prefinetune: null,
    },
    {
      name: "B2|x",
      label: 'base, "quoted"\nnewline',
      role: "baseline",
      model: "m",
      encoding: "e",
      prefinetune: null,
    },
  ];
  const run = (id: string, arm: string, task: string, budget: string): RunRecord => ({
    id,
    arm,
    replicate: 0,
    setting: "stl",
    task,
    budget,
    model: "m",
    encoding: "e",
    depends_on: [],
    seed: 1,
  });
  const runs = [
    run("a", "inst", EVIL_TASK, "100"),
    run("b", "inst", EVIL_TASK, "1000"),
    run("c", "B2|x", EVIL_TASK, "1000"),
    run("d", "B2|x", "task2", "1000"),
  ];
  const store = new StudyStore(dir);
  await store.writePlanFile({
    study: { name: "<b>evil & co</b>" },
    preset: null,
    arms,
    runs,
    totals: { runs: 4 },
  });
  const scores: Record<string, number[]> = { a: [0.2, 0.4, 0.3], b: [0.8, 0.9, 0.7], c: [0.5, 0.6, 0.4] };
  for (const r of runs) {
    const values = scores[r.id];
    if (!values) continue; // d stays pending
    const counts = { rows: 5, truncated_sources: 1, truncated_targets: 2, dropped_examples: 0 };
    await store.recordFinishedRun(
      { ...r, variant: "superni", eval_tasks: [r.task!] },
      {
        instanceScores: values.map((v, i) => ({
          task: r.task!,
          id: `=cmd|${i}`,
          category: "Data <to> Text",
          rougeL: v,
        })),
        stats: { train: { truncation: phaseTruncation({ [r.task!]: counts }) } },
      },
    );
  }
}

describe("report rendering", () => {
  let dir: string;
  let a: Analysis;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ql-report-"));
    await writeEvilStudy(join(dir, "s"));
    a = analyzeStudy(await loadStudy(join(dir, "s")), { bootstrap: { resamples: 200, seed: 1 } });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("escapes every data string in the HTML, loads nothing remote and marks the partial study", async () => {
    const html = renderHtml(a, await renderCharts(a));
    expect(html).not.toContain("<img src=x");
    expect(html).not.toContain('<script>alert("arm")');
    expect(html).not.toContain("<b>evil");
    expect(html).toContain("&#60;b&#62;evil &#38; co&#60;/b&#62;");
    expect(html).toContain("task1_&#60;img src=x onerror=alert(1)&#62;");
    expect(html).not.toMatch(/<script|<link|<iframe|src="http|href="http|@import/i);
    expect(html).toContain("3 of 4 runs done");
    expect(html).toContain("✂ train 1 of 5 sources, 2 targets");
    // Charts are inline SVG with drawn marks.
    expect(html).toMatch(/<svg[^>]*class="marks"/);
    expect(html).toMatch(/mark-line[\s\S]*?<path[^>]* d="M/);
  });

  it("writes a matching row and sentence for the tiny curve", () => {
    expect(a.matching).toHaveLength(1);
    const m = a.matching[0]!;
    // inst: 30 at 100, 80 at 1000; baseline 50 → reached between.
    expect(m.budget_per_task!).toBeCloseTo(Math.exp(Math.log(100) + 0.4 * Math.log(10)), 6);
  });

  it("escapes Markdown table cells", () => {
    const md = renderMarkdown(a);
    expect(md).toContain("B2\\|x");
    expect(md).not.toContain("<img");
    expect(md).toContain("task1_&#60;img src=x onerror=alert(1)&#62;");
  });

  it("writes every table as CSV, hostile names included (quoting: src/util/csv.test.ts)", () => {
    const tables = csvTables(a);
    expect(Object.keys(tables).sort()).toEqual([
      "effects.csv",
      "fits.csv",
      "groups.csv",
      "matching.csv",
      "overall.csv",
      "queries.csv",
      "tasks.csv",
    ]);
    expect(tables["tasks.csv"]!.split("\n")[0]).toBe(
      "task,category,group,arm,setting,budget,rougeL,ci_lo,ci_hi,n_instances,train_rows,train_truncated_sources,train_truncated_targets,eval_rows,eval_truncated_sources,eval_truncated_targets",
    );
    expect(tables["tasks.csv"]).toContain(
      "task1_<img src=x onerror=alert(1)>,Data <to> Text,Other Categories,inst,stl,100,30,",
    );
  });

  it("gives the --json document the contract's keys and fields", () => {
    const doc = reportJson(a) as Record<string, Record<string, unknown>[]>;
    expect(Object.keys(doc).slice(0, 3)).toEqual(["overall", "matching", "groups"]);
    expect(Object.keys(doc.overall![0]!).slice(0, 6)).toEqual([
      "arm",
      "setting",
      "budget",
      "rougeL",
      "ci",
      "n_tasks",
    ]);
    expect(Object.keys(doc.matching![0]!).slice(0, 5)).toEqual([
      "arm",
      "setting",
      "baseline",
      "budget_per_task",
      "share_of_baseline",
    ]);
    expect(doc.overall![0]).toMatchObject({ arm: "inst", setting: "stl", budget: "100", n_tasks: 1 });
    expect(doc.overall![0]!.rougeL).toBeCloseTo(30, 9);
  });
});

/** Every number of a JSON-like value, with its path. */
function numbers(value: unknown, path = ""): [string, number][] {
  if (typeof value === "number") return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => numbers(v, `${path}[${i}]`));
  if (value !== null && typeof value === "object")
    return Object.entries(value).flatMap(([k, v]) => numbers(v, `${path}.${k}`));
  return [];
}

describe("learning-curve fits in the report (issue 21)", () => {
  let dir: string;
  let a: Analysis;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ql-report-curves-"));
    await writeCurveStudy(join(dir, "s"));
    a = analyzeStudy(await loadStudy(join(dir, "s")), { bootstrap: { resamples: 200, seed: 1 } });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("gives --json the issue's fits and queries, rounded, and the curves' method, bands and worth", () => {
    const doc = reportJson(a) as Record<string, Record<string, unknown>[]>;
    const fits = doc.fits!;
    expect(fits).toHaveLength(a.curves!.fits.length);
    expect(fits.length).toBeGreaterThanOrEqual(4);
    for (const f of fits) {
      expect(Object.keys(f).slice(0, 11)).toEqual([
        "arm",
        "setting",
        "scope",
        "family",
        "params",
        "sse",
        "rmse",
        "asymptote",
        "n_points",
        "backtest",
        "ci",
      ]);
      expect(Object.keys(f.params as object)).toEqual(["a", "b", "c"]);
    }
    const overall = fits.find((f) => f.arm === "inst" && f.scope === "overall")!;
    expect(Object.keys(overall.backtest as object).slice(0, 5)).toEqual([
      "held_out_budget",
      "predicted",
      "measured",
      "error",
      "inside_interval",
    ]);
    expect(overall.backtest).toMatchObject({ held_out_budget: 1000 });
    expect(Object.keys(overall.ci as object)).toEqual(expect.arrayContaining(["a", "b", "c", "asymptote"]));
    const queries = doc.queries!;
    expect(queries.length).toBe(a.curves!.queries.length);
    for (const q of queries)
      expect(Object.keys(q)).toEqual([
        "arm",
        "setting",
        "scope",
        "target",
        "budget",
        "ci",
        "extrapolated",
        "reachable_share",
        "baseline",
        "share",
      ]);
    // The supervised baseline is asked twice: match it, and reach 95 % of it.
    expect(queries.filter((q) => (q.baseline as { arm: string }).arm === "B3").map((q) => q.share)).toEqual([
      1, 0.95,
    ]);
    const curves = doc.curves as unknown as Record<string, unknown[]>;
    expect(curves).toMatchObject({ family: "auto", level: 0.9, task_resamples: DEFAULT_TASK_RESAMPLES });
    expect(curves.bands).toHaveLength(2);
    expect(curves.worth).toHaveLength(1);
    // Output precision (src/util/round.ts): no figure carries more than 6 significant digits.
    const noisy = numbers({ fits, queries, curves }).filter(([, v]) => Number(v.toPrecision(6)) !== v);
    expect(noisy).toEqual([]);
  });

  it("writes fits.csv and queries.csv, one row per fit and per query", () => {
    const tables = csvTables(a);
    const lines = (name: string) => tables[name]!.trimEnd().split("\n");
    expect(lines("fits.csv")[0]).toBe(
      "arm,setting,scope,family,a,b,c,d,sse,rmse,asymptote,asymptote_ci_lo,asymptote_ci_hi,n_points,held_out_budget,predicted,measured,error,interval_lo,interval_hi,inside_interval,no_backtest_because,level",
    );
    expect(lines("fits.csv")).toHaveLength(a.curves!.fits.length + 1);
    expect(lines("fits.csv")[1]).toMatch(/^inst,stl,overall,auto,[\d.]+,[\d.]+,[\d.]+,,/);
    expect(lines("queries.csv")[0]).toBe(
      "arm,setting,scope,baseline,baseline_setting,baseline_budget,share,target,budget,ci_lo,ci_hi,extrapolated,reachable_share,level",
    );
    expect(lines("queries.csv")).toHaveLength(a.curves!.queries.length + 1);
    expect(tables["queries.csv"]).toContain(`inst,stl,overall,${CURVE_BASELINE},stl,1000,1,`);
  });

  it("draws each fitted curve with its band, dashed beyond the largest budget, and the worth chart", async () => {
    const charts = await renderCharts(a);
    expect(charts.map((c) => c.id)).toEqual(["curve-stl", "worth", "groups-stl"]);
    const curve = charts[0]!;
    // The band (an area per series and part: 2 × 2), the fitted line solid and dashed, the legend naming
    // the extrapolation.
    expect(curve.svg.match(/class="mark-area role-mark/g)!.length).toBe(4);
    expect(curve.svg).toMatch(/mark-line[^"]*"[\s\S]*?stroke-dasharray="6,4"/);
    expect(curve.svg).toContain("fitted, extrapolated");
    expect(curve.svg).toContain("fitted curve (90 % band)");
    expect(curve.note).toMatch(/dashed and lighter beyond the largest measured budget \(extrapolated\)/);
    expect(charts[1]!.svg).toMatch(/^<svg role="img" aria-label="Worth in examples at each ROUGE-L/);
    expect(charts[1]!.svg).toContain("mark-area");
  });

  it("puts the queries, the backtests, the worth chart and the method into the HTML and the Markdown", async () => {
    const html = renderHtml(a, await renderCharts(a));
    expect(html).toContain("<h2>Learning-curve fits</h2>");
    expect(html).toContain("<caption>Budget to reach each baseline (fitted curves)");
    expect(html).toContain("<caption>Backtests of the overall and group fits");
    expect(html).toMatch(/<th scope="row" class="l">inst STL<\/th><td class="l">95 % of B3 STL all<\/td>/);
    expect(html).toContain(`<td class="l">B_2 &#38; 50% {x} STL 10</td>`);
    expect(html).toContain('<td class="meh">extrapolated</td>');
    expect(html).toContain('<figure class="chart" id="worth">');
    expect(html).toContain("No fitted curve: B3 STL (1 distinct budget(s); a curve needs at least 3");
    expect(html).toMatch(/<li>Learning-curve fits \(score against examples per task[^<]*family auto/);
    const md = renderMarkdown(a);
    expect(md).toContain("## Budget to reach each baseline (fitted curves)");
    expect(md).toContain("## Backtests of the overall and group fits");
    expect(md).toMatch(/\| inst STL \| B_2 &#38; 50% \{x\} STL 300 \| \d+\.\d\d \| \d+ \|/);
    expect(md).toMatch(
      /\| inst STL \| overall \| auto \| [\d.]+ \| 1,000 \| [\d.]+ \| [\d.]+ \| -?[\d.]+ \|/,
    );
  });

  it("leaves every fit out when the analysis fitted none", async () => {
    const bare = analyzeStudy(await loadStudy(join(dir, "s")), {
      bootstrap: { resamples: 50, seed: 1 },
      curves: false,
    });
    const doc = reportJson(bare);
    expect(doc).toMatchObject({ fits: [], queries: [], curves: null });
    expect(Object.keys(csvTables(bare))).not.toContain("fits.csv");
    const html = renderHtml(bare, await renderCharts(bare));
    expect(html).not.toContain("Learning-curve fits");
    expect(html).not.toContain("fitted, extrapolated");
  });
});
