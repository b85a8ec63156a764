import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { effectSentence, matchingSentence } from "../report/sentences.js";
import { writeThesisStudy } from "../../test/fixtures/thesis-study.js";
import { analyzeStudy } from "./analyze.js";
import type { Analysis } from "./rows.js";
import { loadStudy } from "./load.js";
import { REPORT_GROUPS } from "./groups.js";
import { loadThesisResults, PublishedFigures } from "./published.js";

/** The synthetic thesis-shaped study, analysed end to end (load → table → bootstrap → figures). */
describe("analyzeStudy on the thesis-shaped fixture", () => {
  let dir: string;
  let a: Analysis;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ql-analyze-"));
    await writeThesisStudy(join(dir, "study"), { instances: 40 });
    const study = await loadStudy(join(dir, "study"));
    a = analyzeStudy(study, {
      bootstrap: { resamples: 300, seed: 1 },
      published: new PublishedFigures(await loadThesisResults()),
    });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const row = (arm: string, setting: string, budget: string | null) =>
    a.overall.find((o) => o.arm === arm && o.setting === setting && o.budget === budget)!;

  it("reproduces the published overall figures (macro over 119 tasks) with intervals around them", () => {
    for (const setting of ["stl", "mtl"]) {
      for (const budget of ["100", "200", "1000", "all"]) {
        const o = row("inst", setting, budget);
        expect(o.n_tasks).toBe(119);
        expect(o.rougeL).toBeCloseTo(o.published!, 6);
        expect(o.ci[0]).toBeLessThan(o.rougeL);
        expect(o.ci[1]).toBeGreaterThan(o.rougeL);
      }
    }
    expect(row("B2", "stl", "1000").rougeL).toBeCloseTo(68.91, 1);
    expect(row("B3", "stl", "all").rougeL).toBeCloseTo(70.99, 1);
    expect(row("zero-shot", "eval", null).rougeL).toBeCloseTo(54.3, 6);
    // With 40 instances per task every task counts equally in the macro mean but the micro mean also weighs by count.
    expect(row("inst", "stl", "100").micro).toBeCloseTo(row("inst", "stl", "100").rougeL, 6);
  });

  it("reproduces the published per-group baseline figures (Tables 5.1/5.2)", () => {
    const withPub = a.groups.filter((g) => g.published !== null && g.arm !== "inst");
    expect(withPub).toHaveLength(5 * 7);
    for (const g of withPub) expect(g.rougeL).toBeCloseTo(g.published!, 6);
    const counts = Object.fromEntries(
      a.groups.filter((g) => g.arm === "B3").map((g) => [g.group, g.n_tasks]),
    );
    expect(counts).toEqual({
      "Answerability Classification": 13,
      "Coreference Resolution": 14,
      "Data to Text": 9,
      "Question Rewriting": 11,
      "Textual Entailment": 24,
      "Title Generation": 18,
      "Other Categories": 30,
    });
  });

  it("places budget all at the mean per-task training count and computes matching budgets", () => {
    expect(a.budget_axis.all_position).toBeCloseTo(374745 / 119, 6);
    const m = a.matching.find((r) => r.setting === "stl" && r.baseline === "B2")!;
    expect(m.budget_per_task!).toBeGreaterThan(200);
    expect(m.budget_per_task!).toBeLessThan(1000);
    expect(m.share_of_baseline).toBeCloseTo(m.budget_per_task! / 1000, 9);
    expect(m.share_ci[0]!).toBeLessThanOrEqual(m.share_of_baseline!);
    expect(matchingSentence(m)).toMatch(/B2/);
    const toSota = a.matching.find((r) => r.setting === "mtl" && r.baseline === "B3")!;
    expect(toSota.baseline_setting).toBe("stl");
    expect(toSota.share_of_baseline).toBeCloseTo(toSota.budget_per_task! / (374745 / 119), 9);
  });

  it("states effects with paired intervals and words them by the interval", () => {
    const kinds = new Set(a.effects.map((e) => e.effect));
    expect(kinds).toEqual(
      new Set(["instructions-in-prefinetuning", "instruction-tuned-vs-base", "mtl-vs-stl"]),
    );
    for (const e of a.effects) {
      expect(e.ci[0]).toBeLessThanOrEqual(e.diff);
      expect(e.ci[1]).toBeGreaterThanOrEqual(e.diff);
      const word = e.ci[0] > 0 ? "surpasses" : e.ci[1] < 0 ? "falls short of" : "not distinguishable";
      expect(effectSentence(e)).toContain(word);
    }
  });

  it("keeps truncation counts next to per-task scores (the thesis's negative cases)", () => {
    const t = a.tasks.find((x) => x.task === "task1356_xlsum_title_generation")!;
    expect(t.cells["inst/stl/100"]!.rougeL).toBeCloseTo(3, 6);
    expect(t.cells["inst/stl/100"]!.truncation).toEqual({
      train: { rows: 100, truncated_sources: 100, truncated_targets: 0, dropped_examples: 0 },
      eval: null,
    });
    expect(t.cells["B3/stl/all"]!.rougeL).toBeCloseTo(33, 6);
    expect(t.cells["B3/stl/all"]!.truncation?.train?.truncated_sources).toBe(0);
  });

  it("fits every curve with three or more budgets, asks it the matching questions, and backtests it", () => {
    const c = a.curves!;
    const fit = c.fits.find((f) => f.arm === "inst" && f.setting === "stl" && f.scope === "overall")!;
    expect(fit.family).toBe("auto");
    expect(fit.n_points).toBe(4);
    expect(fit.interval_method).toMatch(/300 bootstrap resamples/);
    // Inside the measured budgets the fitted curve stays near what was measured.
    for (const budget of ["100", "200", "1000"]) {
      const band = c.bands.find((b) => b.arm === "inst" && b.setting === "stl")!;
      const x = Number(budget);
      const near = band.points.reduce((p, q) => (Math.abs(q.x - x) < Math.abs(p.x - x) ? q : p));
      expect(Math.abs(near.score! - row("inst", "stl", budget).rougeL)).toBeLessThan(3);
    }
    expect(fit.backtest!.held_out_budget).toBeCloseTo(a.budget_axis.all_position, 6);
    expect(typeof fit.backtest!.inside_interval).toBe("boolean");
    // Per group and per task too; single-budget baselines say why they have none.
    expect(c.fits.filter((f) => f.arm === "inst" && f.setting === "stl")).toHaveLength(
      1 + REPORT_GROUPS.length + 119,
    );
    expect(c.unfitted).toContainEqual(
      expect.objectContaining({
        arm: "B3",
        setting: "stl",
        scope: "overall",
        reason: expect.stringMatching(/1 distinct/),
      }),
    );
    const toB3 = c.queries.filter((q) => q.arm === "inst" && q.setting === "stl" && q.baseline.arm === "B3");
    expect(toB3.map((q) => q.share)).toEqual([1, 0.95]);
    const [match, share] = toB3;
    expect(share!.target).toBeCloseTo(0.95 * match!.target, 9);
    expect(share!.budget!).toBeLessThanOrEqual(match!.budget!);
    expect(match!.ci[0]!).toBeLessThanOrEqual(match!.budget!);
    // Bands never fall and stay within the metric's range.
    for (const band of c.bands)
      for (let i = 1; i < band.points.length; i++) {
        if (band.points[i]!.x <= band.last_budget) continue;
        expect(band.points[i]!.score!).toBeGreaterThanOrEqual(band.points[i - 1]!.score! - 1e-9);
        expect(band.points[i]!.hi!).toBeLessThanOrEqual(100);
      }
  });
});

describe("analyzeStudy on a partial, multi-seed study", () => {
  it("reports progress and analyses what is done, resampling seeds", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ql-partial-"));
    try {
      const written = await writeThesisStudy(dir, { instances: 10, seeds: [1, 2], done: 700 });
      const study = await loadStudy(dir);
      const a = analyzeStudy(study, { bootstrap: { resamples: 100, seed: 1 } });
      expect(a.study.runs_total).toBe(written.runs);
      expect(a.study.runs_done).toBe(700);
      const inst100 = a.overall.find((o) => o.key === "inst/stl/100")!;
      expect(inst100.seeds).toBe(2);
      // Published figures appear only when passed in.
      expect(a.overall.every((o) => o.published === null)).toBe(true);
      expect(a.published_claims).toBeNull();
      // Conditions whose runs have not started are absent rather than zero.
      expect(a.overall.some((o) => o.arm === "zero-shot")).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
