/**
 * NLTK's PorterStemmer in its default mode, NLTK_EXTENSIONS — the stemmer rouge_score (and so SuperNI's
 * official evaluation) applies with use_stemmer=True.
 *
 * Why hand-written: every npm Porter stemmer implements Martin Porter's reference version
 * (MARTIN_EXTENSIONS) or a buggy variant of it; NLTK_EXTENSIONS differs from it on frequent words
 * (`days` -> `day`, not `dai`; `always` -> `alway`; `ages` -> `age`; `additionally` -> `addit`; the
 * irregular forms `news`, `skies`, `dying`, ...), which changes ROUGE scores in most SuperNI tasks.
 * This is a line-by-line port of nltk/stem/porter.py (3.2.5 .. 3.8.1 behave alike on lowercase
 * input), NLTK_EXTENSIONS branches only. docs/scoring.md has the differences and the parity evidence.
 *
 * Input: a lowercase word (the ROUGE tokenizer only passes [a-z0-9]+ tokens of 4+ characters).
 */

const IRREGULAR_FORMS: ReadonlyMap<string, string> = new Map(
  Object.entries({
    sky: ["sky", "skies"],
    die: ["dying"],
    lie: ["lying"],
    tie: ["tying"],
    news: ["news"],
    inning: ["innings", "inning"],
    outing: ["outings", "outing"],
    canning: ["cannings", "canning"],
    howe: ["howe"],
    proceed: ["proceed"],
    exceed: ["exceed"],
    succeed: ["succeed"],
  }).flatMap(([stem, forms]) => forms.map((form): [string, string] => [form, stem])),
);

function isVowelLetter(c: string): boolean {
  return c === "a" || c === "e" || c === "i" || c === "o" || c === "u";
}

/** A `y` is a consonant at the start of a word or after a vowel; every non-vowel letter or digit is one. */
function isConsonant(word: string, i: number): boolean {
  const c = word[i]!;
  if (isVowelLetter(c)) return false;
  if (c === "y") return i === 0 ? true : !isConsonant(word, i - 1);
  return true;
}

/** Porter's m: the number of vowel-consonant transitions. */
function measure(stem: string): number {
  let m = 0;
  let prevVowel = false;
  for (let i = 0; i < stem.length; i++) {
    const consonant = isConsonant(stem, i);
    if (consonant && prevVowel) m++;
    prevVowel = !consonant;
  }
  return m;
}

const hasPositiveMeasure = (stem: string): boolean => measure(stem) > 0;
const measureGt1 = (stem: string): boolean => measure(stem) > 1;

function containsVowel(stem: string): boolean {
  for (let i = 0; i < stem.length; i++) if (!isConsonant(stem, i)) return true;
  return false;
}

/** Condition *d. */
function endsDoubleConsonant(word: string): boolean {
  const n = word.length;
  return n >= 2 && word[n - 1] === word[n - 2] && isConsonant(word, n - 1);
}

/** Condition *o; NLTK also accepts a two-letter vowel-consonant word (`us`, `ag`, `ax`). */
function endsCvc(word: string): boolean {
  const n = word.length;
  if (n >= 3) {
    return (
      isConsonant(word, n - 3) &&
      !isConsonant(word, n - 2) &&
      isConsonant(word, n - 1) &&
      !"wxy".includes(word[n - 1]!)
    );
  }
  return n === 2 && !isConsonant(word, 0) && isConsonant(word, 1);
}

/** [suffix, replacement, condition on the stem left after removing the suffix]; "*d" = double consonant. */
type Rule = readonly [suffix: string, replacement: string, condition: ((stem: string) => boolean) | null];

/**
 * The first rule whose suffix matches decides: if its condition fails the word comes back unchanged and
 * no later rule is tried (so `falling` keeps its double l).
 */
function applyRuleList(word: string, rules: readonly Rule[]): string {
  for (const [suffix, replacement, condition] of rules) {
    if (suffix === "*d" && endsDoubleConsonant(word)) {
      const stem = word.slice(0, -2);
      return condition === null || condition(stem) ? stem + replacement : word;
    }
    if (word.endsWith(suffix)) {
      const stem = word.slice(0, word.length - suffix.length);
      return condition === null || condition(stem) ? stem + replacement : word;
    }
  }
  return word;
}

const STEP1A_RULES: readonly Rule[] = [
  ["sses", "ss", null],
  ["ies", "i", null],
  ["ss", "ss", null],
  ["s", "", null],
];

function step1a(word: string): string {
  // NLTK: `ties` -> `tie` (not `ti`), while `flies` -> `fli`.
  if (word.length === 4 && word.endsWith("ies")) return word.slice(0, -3) + "ie";
  return applyRuleList(word, STEP1A_RULES);
}

function step1b(word: string): string {
  // NLTK: `died` -> `die`, `spied` -> `spi`.
  if (word.endsWith("ied")) return word.slice(0, -3) + (word.length === 4 ? "ie" : "i");
  if (word.endsWith("eed")) {
    const stem = word.slice(0, -3);
    return measure(stem) > 0 ? stem + "ee" : word;
  }
  let intermediate: string | undefined;
  for (const suffix of ["ed", "ing"]) {
    if (word.endsWith(suffix)) {
      const stem = word.slice(0, word.length - suffix.length);
      if (containsVowel(stem)) {
        intermediate = stem;
        break;
      }
    }
  }
  if (intermediate === undefined) return word;
  const last = intermediate[intermediate.length - 1];
  return applyRuleList(intermediate, [
    ["at", "ate", null],
    ["bl", "ble", null],
    ["iz", "ize", null],
    ["*d", last ?? "", () => last !== "l" && last !== "s" && last !== "z"],
    ["", "e", (stem) => measure(stem) === 1 && endsCvc(stem)],
  ]);
}

/** NLTK: y -> i only after a consonant that is not the word's first letter (`happy` -> `happi`, `enjoy` stays). */
function step1c(word: string): string {
  return applyRuleList(word, [["y", "i", (stem) => stem.length > 1 && isConsonant(stem, stem.length - 1)]]);
}

const STEP2_RULES: readonly Rule[] = [
  ["ational", "ate", hasPositiveMeasure],
  ["tional", "tion", hasPositiveMeasure],
  ["enci", "ence", hasPositiveMeasure],
  ["anci", "ance", hasPositiveMeasure],
  ["izer", "ize", hasPositiveMeasure],
  ["bli", "ble", hasPositiveMeasure],
  ["alli", "al", hasPositiveMeasure],
  ["entli", "ent", hasPositiveMeasure],
  ["eli", "e", hasPositiveMeasure],
  ["ousli", "ous", hasPositiveMeasure],
  ["ization", "ize", hasPositiveMeasure],
  ["ation", "ate", hasPositiveMeasure],
  ["ator", "ate", hasPositiveMeasure],
  ["alism", "al", hasPositiveMeasure],
  ["iveness", "ive", hasPositiveMeasure],
  ["fulness", "ful", hasPositiveMeasure],
  ["ousness", "ous", hasPositiveMeasure],
  ["aliti", "al", hasPositiveMeasure],
  ["iviti", "ive", hasPositiveMeasure],
  ["biliti", "ble", hasPositiveMeasure],
  // NLTK additions, tried last.
  ["fulli", "ful", hasPositiveMeasure],
];

function step2(word: string): string {
  // NLTK: -alli -> -al first, then step 2 again (`additionally` -> `additional` -> `addition`).
  if (word.endsWith("alli") && hasPositiveMeasure(word.slice(0, -4))) return step2(word.slice(0, -4) + "al");
  // NLTK: the `l` of -logi stays with the stem when measuring, so `geology` -> `geolog`.
  return applyRuleList(word, [...STEP2_RULES, ["logi", "log", () => hasPositiveMeasure(word.slice(0, -3))]]);
}

const STEP3_RULES: readonly Rule[] = [
  ["icate", "ic", hasPositiveMeasure],
  ["ative", "", hasPositiveMeasure],
  ["alize", "al", hasPositiveMeasure],
  ["iciti", "ic", hasPositiveMeasure],
  ["ical", "ic", hasPositiveMeasure],
  ["ful", "", hasPositiveMeasure],
  ["ness", "", hasPositiveMeasure],
];

const STEP4_RULES: readonly Rule[] = [
  ["al", "", measureGt1],
  ["ance", "", measureGt1],
  ["ence", "", measureGt1],
  ["er", "", measureGt1],
  ["ic", "", measureGt1],
  ["able", "", measureGt1],
  ["ible", "", measureGt1],
  ["ant", "", measureGt1],
  ["ement", "", measureGt1],
  ["ment", "", measureGt1],
  ["ent", "", measureGt1],
  ["ion", "", (stem) => measure(stem) > 1 && (stem.endsWith("s") || stem.endsWith("t"))],
  ["ou", "", measureGt1],
  ["ism", "", measureGt1],
  ["ate", "", measureGt1],
  ["iti", "", measureGt1],
  ["ous", "", measureGt1],
  ["ive", "", measureGt1],
  ["ize", "", measureGt1],
];

/** Both e-rules are tried here (unlike a rule list): (m>1) E -> ; (m=1 and not *o) E -> . */
function step5a(word: string): string {
  if (!word.endsWith("e")) return word;
  const stem = word.slice(0, -1);
  const m = measure(stem);
  return m > 1 || (m === 1 && !endsCvc(stem)) ? stem : word;
}

function step5b(word: string): string {
  return applyRuleList(word, [["ll", "l", () => measure(word.slice(0, -1)) > 1]]);
}

/** NLTK `PorterStemmer().stem(word)` for a lowercase word. */
export function porterStem(word: string): string {
  const irregular = IRREGULAR_FORMS.get(word);
  if (irregular !== undefined) return irregular;
  if (word.length <= 2) return word;
  let stem = step1a(word);
  stem = step1b(stem);
  stem = step1c(stem);
  stem = step2(stem);
  stem = applyRuleList(stem, STEP3_RULES);
  stem = applyRuleList(stem, STEP4_RULES);
  stem = step5a(stem);
  return step5b(stem);
}
