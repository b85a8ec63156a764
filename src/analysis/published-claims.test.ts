import { beforeAll, describe, expect, it } from "vitest";
import { publishedSentences } from "../report/sentences.js";
import { publishedClaims } from "./published-claims.js";
import type { PublishedClaims } from "./rows.js";
import { loadThesisResults, PublishedFigures } from "./published.js";

/** The thesis's headline claims, recomputed from its published overall figures with the report's own code. */
describe("thesis claims from the published overall figures", () => {
  let claims: PublishedClaims;
  let pub: PublishedFigures;
  beforeAll(async () => {
    pub = new PublishedFigures(await loadThesisResults());
    claims = publishedClaims(pub);
  });
  const match = (setting: string, baseline: string, baselineSetting = setting) =>
    claims.matching.find(
      (m) => m.setting === setting && m.baseline === baseline && m.baseline_setting === baselineSetting,
    )!;

  it("MTL instruction-tuned at 200 per task reaches the 1000-per-task baseline", () => {
    const m = match("mtl", "B2");
    expect(m.budget_per_task).not.toBeNull();
    expect(m.budget_per_task!).toBeLessThanOrEqual(200);
    expect(m.share_of_baseline!).toBeLessThanOrEqual(0.2);
  });

  it("STL instruction-tuned matches the supervised baseline with at most the 1000 budget (the thesis's 25.33 % of the data)", () => {
    const m = match("stl", "B3");
    expect(m.budget_per_task!).toBeGreaterThan(200);
    expect(m.budget_per_task!).toBeLessThanOrEqual(1000);
    const share = pub.thesis.claims.stl_matches_sota_with_share as number;
    expect(100 * m.share_of_baseline!).toBeLessThanOrEqual(share);
  });

  it("MTL instruction-tuned reaches the supervised baseline between 200 and 1000 per task", () => {
    // The thesis rounds this to its 200 budget (5.91 % of the data) although 70.40 < 70.99 there.
    const m = match("mtl", "B3", "stl");
    expect(m.budget_per_task!).toBeGreaterThan(200);
    expect(m.budget_per_task!).toBeLessThan(1000);
    expect(m.share_of_baseline!).toBeLessThan(0.1);
  });

  it("STL reaches baseline 2 at about a quarter of its samples", () => {
    const m = match("stl", "B2");
    expect(m.budget_per_task!).toBeCloseTo(
      Math.exp(Math.log(200) + ((68.91 - 68.34) / (71.71 - 68.34)) * Math.log(5)),
      6,
    );
    expect(m.share_of_baseline!).toBeGreaterThan(0.2);
    expect(m.share_of_baseline!).toBeLessThan(0.3);
  });

  it("instructions in pre-finetuning gain about 4 (STL) and 5 (MTL) points", () => {
    const gain = (setting: string) =>
      claims.effects.find((e) => e.effect === "instructions-in-prefinetuning" && e.a.setting === setting)!
        .diff;
    const quoted = pub.thesis.claims.instructions_in_prefinetuning_gain_points as {
      stl: number;
      mtl: number;
    };
    expect(Math.round(gain("stl"))).toBe(quoted.stl);
    expect(Math.round(gain("mtl"))).toBe(quoted.mtl);
  });

  it("MTL beats STL by about 1-2 points at equal budgets", () => {
    const diffs = claims.effects
      .filter((e) => e.effect === "mtl-vs-stl" && e.a.arm === "inst")
      .map((e) => e.diff);
    expect(diffs).toHaveLength(4);
    for (const d of diffs) expect(d).toBeGreaterThan(0.5);
    const avg = diffs.reduce((a, b) => a + b, 0) / diffs.length;
    expect(avg).toBeGreaterThanOrEqual(1);
    expect(avg).toBeLessThanOrEqual(2);
  });

  it("MTL with all data beats the supervised baseline by the quoted 3.69 points", () => {
    const o = pub.thesis.overall;
    expect(o.mtl.instruction_tuned.all! - o.stl.baseline_3_base_all_supervised_sota).toBeCloseTo(
      pub.thesis.claims.mtl_all_gain_over_sota_points as number,
      6,
    );
  });

  it("words every claim as a sentence", () => {
    for (const c of publishedSentences(claims)) expect(c).toMatch(/^Published: .+\.$/);
    expect(publishedSentences(claims)).toHaveLength(claims.matching.length + claims.effects.length);
  });
});
