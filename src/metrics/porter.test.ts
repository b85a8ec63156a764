import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../util/paths.js";
import { porterStem } from "./porter.js";
import { distinctTokens } from "../../test/scoring/corpus.js";
import { referenceStems, referenceUnavailable } from "../../test/scoring/reference.js";
import { existsSync } from "node:fs";

describe("porterStem (NLTK PorterStemmer, NLTK_EXTENSIONS)", () => {
  // NLTK's output for the rules where NLTK_EXTENSIONS differs from Martin Porter's version and the paper.
  it.each([
    ["skies", "sky"],
    ["dying", "die"],
    ["lying", "lie"],
    ["tying", "tie"],
    ["news", "news"],
    ["innings", "inning"],
    ["outings", "outing"],
    ["cannings", "canning"],
    ["howe", "howe"],
    ["proceed", "proceed"],
    ["exceed", "exceed"],
    ["succeed", "succeed"],
    ["ties", "tie"],
    ["dies", "die"],
    ["died", "die"],
    ["spied", "spi"],
    ["uses", "use"],
    ["used", "use"],
    ["eyed", "eye"],
    ["ating", "ate"],
    ["aged", "age"],
    ["axes", "axe"],
    ["enjoy", "enjoy"],
    ["toys", "toy"],
    ["days", "day"],
    ["always", "alway"],
    ["304y", "304i"],
    ["hopefully", "hope"],
    ["carefully", "care"],
    ["additionally", "addit"],
    ["geology", "geolog"],
    ["theology", "theolog"],
    ["trilogy", "trilog"],
    ["possibly", "possibl"],
    ["visibly", "visibl"],
    ["9ies", "9ie"],
    ["1990s", "1990"],
    ["abc1ness", "abc1"],
    ["a1ing", "a1e"],
    ["x11ing", "x11ing"],
    ["12ing", "12ing"],
    ["falling", "fall"],
    ["hopping", "hop"],
    ["filing", "file"],
    ["controlling", "control"],
    ["relational", "relat"],
    ["generalization", "gener"],
    ["mice", "mice"],
    ["went", "went"],
  ])("%s -> %s", (word, stem) => {
    expect(porterStem(word)).toBe(stem);
  });

  it("agrees with NLTK on the committed sample of real SuperNI tokens", () => {
    const pairs = JSON.parse(readFileSync(join(projectRoot, "test/fixtures/porter-nltk.json"), "utf8")) as [
      string,
      string,
    ][];
    expect(pairs.length).toBeGreaterThan(3000);
    expect(pairs.filter(([word, stem]) => porterStem(word) !== stem)).toEqual([]);
  });

  const shared = join(projectRoot, "..", "shared", "superni");
  it.skipIf(referenceUnavailable() !== undefined || !existsSync(join(shared, "tasks")))(
    "agrees with NLTK on every distinct token (>3 characters) of ../shared/superni and on suffix-heavy synthetic tokens",
    async () => {
      const words = [...distinctTokens(shared)];
      const bases = [
        "ab",
        "ag",
        "ax",
        "us",
        "ey",
        "tr",
        "sk",
        "h0",
        "9",
        "1a",
        "yy",
        "oy",
        "geo",
        "hope",
        "x11",
        "sp",
        "d",
      ];
      const suffixes = [
        "ies",
        "ied",
        "ing",
        "ed",
        "eed",
        "y",
        "s",
        "sses",
        "alli",
        "fulli",
        "logi",
        "bli",
        "ational",
        "izer",
        "ization",
        "ness",
        "ful",
        "ement",
        "ion",
        "tion",
        "e",
        "ll",
        "ate",
        "ize",
        "iti",
        "ous",
        "ive",
        "at",
        "bl",
        "iz",
        "ousli",
        "entli",
        "eli",
        "aliti",
        "biliti",
        "iviti",
        "icate",
        "ative",
        "alize",
        "iciti",
        "ical",
      ];
      for (const b of bases)
        for (const s1 of suffixes) for (const s2 of ["", ...suffixes.slice(0, 12)]) words.push(b + s1 + s2);
      expect(words.length).toBeGreaterThan(100_000);
      const nltk = await referenceStems(words);
      expect(words.filter((w, i) => porterStem(w) !== nltk[i]).slice(0, 20)).toEqual([]);
    },
  );
});
