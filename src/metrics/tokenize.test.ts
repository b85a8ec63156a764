import { describe, expect, it } from "vitest";
import { rougeTokens, TokenCoder } from "./tokenize.js";

describe("rougeTokens (rouge_score's tokenizer with the stemmer)", () => {
  it.each([
    ["İstanbul", ["i", "stanbul"]], // Python and JS lowercase İ to i + U+0307
    ["\u212Aelvin", ["kelvin"]], // the Kelvin sign lowercases to k
    ["café naïve", ["caf", "na", "ve"]],
    ["ＡＢＣ１２３ 東京 😀", []],
    ["ﬁnance", ["nanc"]],
    ["don't 3.14 covid19", ["don", "t", "3", "14", "covid19"]],
    ["yes has was its bus", ["yes", "has", "was", "its", "bus"]],
    ["Days, always!", ["day", "alway"]],
    ["  \u0085 ", []],
  ])("%j -> %j", (text, tokens) => {
    expect(rougeTokens(text)).toEqual(tokens);
  });

  it("TokenCoder gives equal ids exactly for equal stems, across calls and cache growth", () => {
    const coder = new TokenCoder(8);
    const words = Array.from({ length: 500 }, (_, i) => `word${i} runs running`);
    const encoded = words.map((w) => coder.encode(w));
    const again = words.map((w) => coder.encode(w + " "));
    expect(again).toEqual(encoded);
    for (const ids of encoded) expect(ids[1]).toBe(ids[2]); // runs, running -> run
    expect(new Set(encoded.map((ids) => ids[0])).size).toBe(500);
    expect(coder.size).toBe(501);
  });
});
