import { describe, expect, it } from "vitest";
import { seededRandom } from "../../test/scoring/corpus.js";
import { fmeasure, lcsLength, rouge1F, rougeLF, unigramOverlap } from "./rouge.js";

function lcsTable(a: number[], b: number[]): number {
  const t = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      t[i]![j] = a[i - 1] === b[j - 1] ? t[i - 1]![j - 1]! + 1 : Math.max(t[i - 1]![j]!, t[i]![j - 1]!);
  return t[a.length]![b.length]!;
}

describe("ROUGE over token ids", () => {
  it("bit-parallel LCS equals the full table on random sequences across word boundaries", () => {
    const rng = seededRandom(11);
    for (let trial = 0; trial < 3000; trial++) {
      const alphabet = 1 + Math.floor(rng() * 12);
      const len = () => Math.floor(rng() * [5, 33, 70, 140][trial % 4]!);
      const a = Array.from({ length: len() }, () => Math.floor(rng() * alphabet) * 7919);
      const b = Array.from({ length: len() }, () => Math.floor(rng() * alphabet) * 7919);
      expect(lcsLength(a, b)).toBe(lcsTable(a, b));
    }
  });

  it("handles exact word sizes (32, 64) and identical sequences", () => {
    for (const n of [31, 32, 33, 63, 64, 65, 1000]) {
      const a = Array.from({ length: n }, (_, i) => i % 5);
      expect(lcsLength(a, a)).toBe(n);
      expect(lcsLength(a, [...a].reverse())).toBe(lcsTable(a, [...a].reverse()));
    }
  });

  it("scores as rouge_score: 0 with an empty side, F from P and R, clipped unigram counts", () => {
    expect(rougeLF([], [])).toBe(0);
    expect(rougeLF([1], [])).toBe(0);
    expect(rouge1F([], [1])).toBe(0);
    expect(rougeLF([1, 2, 3], [1, 3])).toBe(fmeasure(2 / 3, 1));
    expect(unigramOverlap([1, 1, 1, 2], [1, 1, 3])).toBe(2);
    expect(rouge1F([1, 1, 1, 2], [1, 1, 3])).toBe(fmeasure(2 / 4, 2 / 3));
    // 2PR/(P+R), not 2L/(lp+lr): they differ in the last bit here.
    expect(fmeasure(7 / 9, 7 / 11)).toBe((2 * (7 / 9) * (7 / 11)) / (7 / 9 + 7 / 11));
  });
});
