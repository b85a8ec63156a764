import { describe, expect, it } from "vitest";
import { normalizeSquad, normalizeSuperNI } from "./exact-match.js";

describe("exact-match normalizations (Python semantics)", () => {
  it("SuperNI: lower, drop ASCII punctuation only, collapse Python whitespace, keep articles", () => {
    expect(normalizeSuperNI("  The Answer: YES!! ")).toBe("the answer yes");
    expect(normalizeSuperNI("“Yes” — ok…")).toBe("“yes” — ok…");
    expect(normalizeSuperNI("a\u001cb\u001fc\u0085d\u3000e")).toBe("a b c d e"); // Python whitespace, not JS \s
    expect(normalizeSuperNI("a\ufeffb\u200bc")).toBe("a\ufeffb\u200bc"); // JS \s has U+FEFF; Python does not
    expect(normalizeSuperNI("İ")).toBe("i\u0307");
  });

  it("thesis (SQuAD): also removes a/an/the at Unicode word boundaries", () => {
    expect(normalizeSquad("The answer is a cat, an owl.")).toBe("answer is cat owl");
    // Python: "théthe éthe \u0301 a٣ ʰthe" ("the_" loses its "_" first, then is an article).
    expect(normalizeSquad("théthe the_ éthe the\u0301 a٣ ʰthe")).toBe("théthe éthe \u0301 a٣ ʰthe");
    expect(normalizeSquad("the-cat")).toBe("thecat"); // punctuation goes first
    expect(normalizeSquad("THE\u0085an")).toBe("");
  });
});
