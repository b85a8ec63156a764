import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeCurveStudy } from "../../test/fixtures/curve-study.js";
import { analyzeStudy, loadStudy, type Analysis } from "../analysis/index.js";
import { StudyStore, type SearchRecord } from "../runner/store/index.js";
import { roundPercent } from "../util/round.js";
import { renderCharts } from "./charts.js";
import { renderHtml } from "./html.js";
import { reportJson } from "./json.js";
import { renderMarkdown } from "./markdown.js";

/** The curve study's inst STL budgets as a search found them: two in round 0, then one per round. */
const ROUNDS: SearchRecord["rounds"] = [
  { round: 0, curve: "inst/stl", budget: "10", reason: "round 0: the starting design" },
  { round: 0, curve: "inst/stl", budget: "100", reason: "round 0: the starting design" },
  { round: 1, curve: "inst/stl", budget: "1000", reason: "running 1000" },
  { round: 2, curve: "inst/stl", budget: "30", reason: "running 30" },
  { round: 3, curve: "inst/stl", budget: "300", reason: "running 300" },
];

function record(over: Partial<SearchRecord["curves"][number]> = {}, rounds = ROUNDS): SearchRecord {
  return {
    target: "B3 stl at all",
    target_ref: { arm: "B3", setting: "stl", budget: "all", share: 1 },
    max_rounds: 6,
    curves: [
      {
        curve: "inst/stl",
        arm: "inst",
        setting: "stl",
        task: null,
        state: "converged",
        round: 3,
        budget: 31.6,
        ci: [24.2, 40.8],
        reason: "converged: the crossing's 95 % interval is within +-25 %",
        runs: 15,
        train_sample_passes: 4320,
        grid_train_sample_passes: 9000,
        ...over,
      },
    ],
    rounds,
    worst_case: { runs: 30, train_sample_passes: 20000 },
  };
}

async function analyzed(dir: string, search?: SearchRecord): Promise<Analysis> {
  const store = new StudyStore(dir);
  await store.writePlanFile({ ...(await store.readPlan()), ...(search ? { search } : {}) });
  return analyzeStudy(await loadStudy(dir), { bootstrap: { resamples: 200, seed: 1 } });
}

/** The SVG of a chart's named layer: its mark group. */
function layer(svg: string, name: string): string {
  const m = new RegExp(`<g class="mark-[a-z]+ role-mark ${name}_marks"[^>]*>([\\s\\S]*?)</g>`).exec(svg);
  return m ? m[1]! : "";
}
const labels = (s: string) => [...s.matchAll(/aria-label="([^"]*)"/g)].map((m) => m[1]!);
const texts = (s: string) => [...s.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);

describe("the budget search in the report (issue 17)", () => {
  let root: string;
  let grid: string;
  let a: Analysis;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "ql-report-search-"));
    grid = join(root, "grid");
    await writeCurveStudy(grid);
    a = await analyzed(grid, record());
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("draws one marker per measured budget, labelled by its round, the found budget's interval and the target", async () => {
    const charts = await renderCharts(a);
    expect(charts.map((c) => c.id)).toEqual(["curve-stl", "search-0", "worth", "groups-stl"]);
    const svg = charts[1]!.svg;
    expect(svg).toMatch(
      /^<svg role="img" aria-label="Budget search, inst STL: ROUGE-L at each budget, by the round that chose it"[^>]*><title>Budget search, inst STL: ROUGE-L/,
    );
    const markers = labels(layer(svg, "search_round_points"));
    expect(markers.map((l) => l.split(",")[0])).toEqual([
      "round 0: 10 examples per task",
      "round 0: 100 examples per task",
      "round 1: 1000 examples per task",
      "round 2: 30 examples per task",
      "round 3: 300 examples per task",
    ]);
    const b30 = a.overall.find((o) => o.arm === "inst" && o.budget === "30")!;
    expect(markers[3]).toBe(
      `round 2: 30 examples per task, ROUGE-L ${b30.rougeL.toFixed(2)} (95 % CI ${b30.ci[0].toFixed(2)} to ${b30.ci[1].toFixed(2)})`,
    );
    expect(texts(layer(svg, "search_round_labels"))).toEqual(["0", "0", "1", "2", "3"]);
    expect(svg).toContain("round 3</text>"); // the legend's ramp ends at the last round
    expect(labels(layer(svg, "search_interval"))).toEqual([
      "95 % interval of the found budget: 24 to 41 examples per task",
    ]);
    expect(layer(svg, "search_interval")).toMatch(/<path[^>]* d="M[\d.]+,0h[\d.]+v280h-[\d.]+Z"/);
    expect(labels(layer(svg, "search_found"))).toEqual(["found budget: 32 examples per task"]);
    const b3 = a.overall.find((o) => o.arm === "B3")!;
    expect(labels(layer(svg, "search_target"))).toEqual([`target: ROUGE-L ${b3.rougeL.toFixed(2)}`]);
    // No float noise in anything Vega writes for a reader.
    expect(labels(svg).filter((l) => /\d\.\d{3,}/.test(l))).toEqual([]);
  });

  it("captions the chart with the rounds and the answer, in the HTML, the Markdown and --json", async () => {
    const b3Score = a.overall.find((o) => o.arm === "B3")!.rougeL;
    const b3 = b3Score.toFixed(2);
    const sentence =
      `inst STL, target B3 stl at all (ROUGE-L ${b3}): searched in 4 rounds: 10, 100 (round 0), ` +
      `1000 (round 1), 30 (round 2), 300 (round 3); converged at 32 (95 % interval 24 to 41).`;
    const html = renderHtml(a, await renderCharts(a));
    expect(html).toContain("<h2>Budget search</h2>");
    expect(html).toMatch(
      new RegExp(
        `<figure class="chart" id="search-0"><svg[\\s\\S]*?</svg><figcaption>Budget search \\(inst STL\\): ${esc(sentence)}</figcaption></figure>`,
      ),
    );
    expect(renderMarkdown(a)).toContain(`## Budget search\n\n- ${sentence}\n`);
    const row = (reportJson(a).search as Record<string, unknown>[])[0]!;
    expect(row).toMatchObject({ sentence, target: "B3 stl at all", target_score: roundPercent(b3Score) });
    expect(row.rounds_run).toEqual(ROUNDS.map(({ round, budget }) => ({ round, budget })));
  });

  it("says a search still running, and draws only the budgets already scored", async () => {
    const dir = join(root, "running");
    await writeCurveStudy(dir);
    const pending = { round: 4, curve: "inst/stl", budget: "55", reason: "running 55" };
    const running = await analyzed(
      dir,
      record({ state: "running", round: 4, budget: null, ci: null }, [...ROUNDS, pending]),
    );
    const svg = (await renderCharts(running)).find((c) => c.id === "search-0")!.svg;
    expect(labels(layer(svg, "search_round_points"))).toHaveLength(5);
    expect(layer(svg, "search_interval")).toBe("");
    expect(layer(svg, "search_found")).toBe("");
    expect(renderMarkdown(running)).toMatch(/300 \(round 3\), 55 \(round 4\); still searching \(round 4\)\./);
  });

  it("marks an interval that never ends out to the chart's edge, and a target of its own score", async () => {
    const dir = join(root, "open");
    await writeCurveStudy(dir);
    const open = await analyzed(dir, {
      ...record({ state: "max_rounds", budget: 700, ci: [240, null] }),
      target: "score 60",
      target_ref: { score: 60 },
    });
    const svg = (await renderCharts(open)).find((c) => c.id === "search-0")!.svg;
    expect(labels(layer(svg, "search_interval"))).toEqual([
      "95 % interval of the found budget: 240 to never examples per task",
    ]);
    // The span runs to the plot's right edge (480 px wide).
    const [, left, width] = /d="M([\d.]+),0h([\d.]+)v280/.exec(layer(svg, "search_interval"))!;
    expect(Number(left) + Number(width)).toBeCloseTo(480, 0);
    expect(labels(layer(svg, "search_target"))).toEqual(["target: ROUGE-L 60.00"]);
    expect(renderMarkdown(open)).toContain(
      "stopped after its last round (max_rounds) at 700 (95 % interval 240 to never).",
    );
  });

  it("gives a curve with no scored budget yet its sentence alone", async () => {
    const row = { ...a.search![0]!, state: "running" as const, rounds: 1, budget: null, ci: null };
    const early = {
      ...a,
      search: [{ ...row, rounds_run: [{ round: 0, budget: "55" }], budgets_run: ["55"] }],
    };
    const charts = await renderCharts(early);
    expect(charts.map((c) => c.id)).not.toContain("search-0");
    expect(renderHtml(early, charts)).toMatch(
      /<h2>Budget search<\/h2>\n<p>The adaptive search [^<]*<\/p><p>inst STL, target B3 stl at all \(ROUGE-L [\d.]+\): searched in 1 round: 55 \(round 0\); still searching \(round 0\)\.<\/p>/,
    );
  });

  it("leaves a study without a search as it was", async () => {
    const dir = join(root, "plain");
    await writeCurveStudy(dir);
    const plain = await analyzed(dir);
    const charts = await renderCharts(plain);
    expect(charts.map((c) => c.id)).toEqual(["curve-stl", "worth", "groups-stl"]);
    const html = renderHtml(plain, charts);
    expect(html).not.toContain("Budget search");
    expect(html).not.toMatch(/search_(round_points|round_labels|interval|found|target)_marks/);
    expect(renderMarkdown(plain)).not.toContain("Budget search");
    expect(reportJson(plain)).not.toHaveProperty("search");
  });
});

function esc(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
