import { describe, expect, it } from "vitest";
import { scoreInstance, scoreRows, type PredictionRow } from "./index.js";

const rows: PredictionRow[] = [
  { task: "t1", id: "1", prediction: "Yes", references: ["yes"], category: "Textual Entailment" },
  { task: "t1", id: "2", prediction: "no", references: ["yes"], category: "Textual Entailment" },
  { task: "t1", id: "3", prediction: "the cat sat", references: ["cat sat down", "The cat sat."] },
  { task: "t2", id: "1", prediction: "an apple", references: ["apple", "an orange"] },
];

describe("scoreInstance", () => {
  it("takes each metric's max over references independently", () => {
    const s = scoreInstance("a b c d", ["a b c d e f g h", "a x", "A B, C D!"]);
    expect(s).toEqual({ exact_match: 1, rouge1: 1, rougeL: 1 });
    // ROUGE-L best on the first reference, ROUGE-1 best on the second.
    const t = scoreInstance("c a b", ["a b", "b c a x"]);
    expect(t.rougeL).toBe(0.8);
    expect(t.rouge1).toBeCloseTo(6 / 7, 15);
  });

  it("empty prediction against an empty reference: ROUGE 0, exact match 1", () => {
    expect(scoreInstance("", [""])).toEqual({ exact_match: 1, rouge1: 0, rougeL: 0 });
    expect(scoreInstance(" ... ", ["!"])).toEqual({ exact_match: 1, rouge1: 0, rougeL: 0 });
  });

  it("thesis variant: the first reference only, SQuAD exact match without articles", () => {
    expect(scoreInstance("an apple", ["apple", "an apple"], "superni").exact_match).toBe(1);
    expect(scoreInstance("an apple", ["the apple", "x"], "superni").exact_match).toBe(0);
    expect(scoreInstance("an apple", ["the apple", "x"], "thesis").exact_match).toBe(1);
    expect(scoreInstance("x", ["the apple", "x"], "thesis")).toEqual({
      exact_match: 0,
      rouge1: 0,
      rougeL: 0,
    });
  });

  it("rejects an empty reference list", () => {
    expect(() => scoreInstance("a", [])).toThrow(/at least one reference/);
  });
});

describe("scoreRows", () => {
  it("aggregates micro, macro, per task and per category in percent, calling onInstance in order", async () => {
    const seen: string[] = [];
    const report = await scoreRows(rows, {
      categoryOf: (task) => (task === "t2" ? "Word Analogy" : undefined),
      onInstance: (row, s, category) => seen.push(`${row.task}/${row.id}:${s.exact_match}:${category}`),
    });
    expect(seen).toEqual([
      "t1/1:1:Textual Entailment",
      "t1/2:0:Textual Entailment",
      "t1/3:1:unknown",
      "t2/1:0:Word Analogy",
    ]);
    expect(report.overall).toMatchObject({ exact_match: 50, n: 4 });
    expect(report.tasks.t1).toMatchObject({ exact_match: (100 * 2) / 3, n: 3 });
    expect(report.tasks.t2).toMatchObject({ exact_match: 0, n: 1 });
    expect(report.overall_macro.exact_match).toBe(((100 * 2) / 3 + 0) / 2);
    expect(report.overall_macro.n).toBe(4);
    expect(Object.keys(report.categories)).toEqual(["Textual Entailment", "unknown", "Word Analogy"]);
    const r1 = [1, 0, 1, scoreInstance("an apple", ["apple", "an orange"]).rouge1];
    expect(report.overall.rouge1).toBe((100 * (r1[0]! + r1[1]! + r1[2]! + r1[3]!)) / 4);
  });

  it("accepts async iterables; an empty stream gives n = 0", async () => {
    async function* gen() {
      yield* rows;
    }
    expect((await scoreRows(gen(), { variant: "thesis" })).overall.n).toBe(4);
    expect((await scoreRows([])).overall).toEqual({ exact_match: 0, rouge1: 0, rougeL: 0, n: 0 });
  });
});
