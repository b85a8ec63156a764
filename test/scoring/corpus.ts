/**
 * Deterministic prediction corpora for the scorer's golden test and benchmark, built from real SuperNI
 * instances: an adversarial mix (every way Python and JavaScript text handling or a stemmer port could
 * disagree) and a model-like mix (mostly right or wrong answers, near misses, cut at 128 words).
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { mulberry32 } from "../../src/data/prng.js";
import type { PredictionRow } from "../../src/metrics/index.js";

export interface SourceInstance {
  task: string;
  category: string;
  id: string;
  input: string;
  outputs: string[];
}

/** The data build's seeded generator (mulberry32), so corpora are the same on every machine. */
export const seededRandom = mulberry32;

export type Rng = () => number;
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

/** Up to `perTask` instances from each task file of a SuperNI checkout, evenly spread over the file. */
export function loadSourceInstances(superniDir: string, perTask: number): SourceInstance[] {
  const tasksDir = join(superniDir, "tasks");
  const out: SourceInstance[] = [];
  for (const file of readdirSync(tasksDir).sort()) {
    if (!file.endsWith(".json")) continue;
    const data = JSON.parse(readFileSync(join(tasksDir, file), "utf8")) as {
      Categories?: string[];
      Instances?: { id: string; input: string; output: string[] }[];
    };
    const instances = data.Instances ?? [];
    const step = Math.max(1, Math.floor(instances.length / perTask));
    for (let i = 0; i < instances.length && i / step < perTask; i += step) {
      const inst = instances[i]!;
      out.push({
        task: file.replace(/\.json$/, ""),
        category: data.Categories?.[0] ?? "unknown",
        id: inst.id,
        input: inst.input,
        outputs: inst.output,
      });
    }
  }
  return out;
}

const words = (s: string): string[] => s.split(/ +/).filter((w) => w !== "");

/** Text on which Python and JavaScript differ or which a stemmer port could get wrong. */
const UNICODE_SNIPPETS = [
  "café",
  "naïve",
  "e\u0301te\u0301",
  "İstanbul",
  "ıstanbul",
  "\u212Aelvin",
  "ΟΔΟΣ",
  "ΣΊΣΥΦΟΣ",
  "ﬁnance",
  "ﬂow",
  "東京タワー",
  "日本語のテキスト",
  "😀👍",
  "ＡＢＣ１２３",
  "Straße",
  "Ǆemal",
  "ǅ",
  "ＴＨＥ",
  "Ⅻ",
  "٣٤٥",
  "x²",
  "½",
  "the\u0301",
  "éthe",
  "the_",
  "_the",
  "a٣",
  "theé",
  "Ｔhe",
  "ʰthe",
  "ª",
  "\u0130",
  "ǈ",
];
const STEMMER_WORDS = [
  "skies",
  "dying",
  "lying",
  "tying",
  "news",
  "innings",
  "outings",
  "cannings",
  "howe",
  "proceed",
  "exceed",
  "succeed",
  "ties",
  "dies",
  "lies",
  "pies",
  "died",
  "spied",
  "lied",
  "vied",
  "uses",
  "used",
  "eyed",
  "ating",
  "aged",
  "axes",
  "ages",
  "ageing",
  "eying",
  "enjoy",
  "toys",
  "days",
  "always",
  "2days",
  "304y",
  "attorneys",
  "hopefully",
  "carefully",
  "additionally",
  "traditionally",
  "beautifully",
  "geology",
  "theology",
  "trilogy",
  "eulogy",
  "zoology",
  "possibly",
  "visibly",
  "falling",
  "hopping",
  "filing",
  "controlling",
  "relational",
  "conditional",
  "digitizer",
  "vietnamization",
  "operator",
  "feudalism",
  "decisiveness",
  "hopefulness",
  "callousness",
  "formality",
  "sensitivity",
  "sensibility",
  "triplicate",
  "formative",
  "formalize",
  "electricity",
  "electrical",
  "goodness",
  "revival",
  "allowance",
  "inference",
  "airliner",
  "gyroscopic",
  "adjustable",
  "defensible",
  "irritant",
  "replacement",
  "adjustment",
  "dependent",
  "adoption",
  "communism",
  "activate",
  "angularity",
  "homologous",
  "effective",
  "bowdlerize",
  "probate",
  "rate",
  "cease",
  "roll",
  "9ies",
  "1990s",
  "abc1ness",
  "a1ing",
  "x11ing",
  "12ing",
  "covid19",
  "mice",
  "went",
  "yes",
  "has",
  "was",
  "its",
  "bus",
  "happy",
  "sky",
  "flies",
  "spy",
  "syzygy",
  "agreed",
  "feed",
  "need",
  "speed",
  "bled",
  "sing",
];
/** Python whitespace that JavaScript's \s lacks, JavaScript whitespace that Python lacks, and shared ones. */
const SEPARATORS = [
  " ",
  "  ",
  "\t",
  "\n",
  "\r\n",
  "\u001c",
  "\u001d",
  "\u001e",
  "\u001f",
  "\u0085",
  "\ufeff",
  "\u200b",
  "\u00a0",
  "\u3000",
  "\u2028",
  "\u2029",
  "\u000b",
  "\u000c",
  "\u1680",
  "\u202f",
  "\u205f",
  "\u180e",
];
const PUNCTUATION = [
  ".",
  ",",
  "!",
  "?",
  "'",
  '"',
  "-",
  "(",
  ")",
  ":",
  ";",
  "…",
  "“",
  "”",
  "’",
  "—",
  "！",
  "_",
  "`",
  "~",
];
const ARTICLES = ["a", "an", "the", "A", "An", "The", "THE"];

function applyCase(rng: Rng, s: string): string {
  const r = rng();
  if (r < 0.33) return s.toUpperCase();
  if (r < 0.66) return s.toLowerCase();
  return s.replace(/\b\w/g, (c) => c.toUpperCase());
}

function joinWith(rng: Rng, ws: string[]): string {
  return ws.map((w, i) => (i === 0 ? w : pick(rng, SEPARATORS) + w)).join("");
}

function sprinkle(rng: Rng, ws: string[], pool: readonly string[], rate: number): string[] {
  const out: string[] = [];
  for (const w of ws) {
    if (rng() < rate) out.push(pick(rng, pool));
    out.push(w);
  }
  if (rng() < rate) out.push(pick(rng, pool));
  return out;
}

function inflect(rng: Rng, w: string): string {
  if (w.length < 3) return w;
  return (
    w + pick(rng, ["s", "es", "ies", "ied", "ing", "ed", "ly", "fully", "ally", "logy", "ness", "ation", "y"])
  );
}

function shuffle<T>(rng: Rng, xs: T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** One adversarial prediction for `inst`, given other instances of the corpus to borrow from. */
function adversarialPrediction(
  rng: Rng,
  inst: SourceInstance,
  other: SourceInstance,
  veryLong: () => string,
): string {
  const ref = pick(rng, inst.outputs);
  const ws = words(ref);
  switch (Math.floor(rng() * 20)) {
    case 0:
      return ref;
    case 1:
      return applyCase(rng, ref);
    case 2:
      return sprinkle(rng, ws, PUNCTUATION, 0.4).join(" ");
    case 3:
      return joinWith(rng, ws);
    case 4:
      return ws.slice(0, Math.max(0, Math.floor(rng() * ws.length))).join(" ");
    case 5:
      return (
        ref +
        " " +
        words(other.input)
          .slice(0, 1 + Math.floor(rng() * 30))
          .join(" ")
      );
    case 6:
      return shuffle(rng, ws).join(" ");
    case 7:
      return Array.from({ length: 2 + Math.floor(rng() * 4) }, () => ref).join(" ");
    case 8:
      return ws.map((w) => (rng() < 0.5 ? inflect(rng, w) : w)).join(" ");
    case 9:
      return sprinkle(rng, ws, STEMMER_WORDS, 0.5).join(" ");
    case 10:
      return sprinkle(rng, ws, UNICODE_SNIPPETS, 0.5).join(pick(rng, [" ", ""]));
    case 11:
      return (
        ws.map((w) => (rng() < 0.3 ? `${w}${Math.floor(rng() * 2000)}` : w)).join(" ") + " 3.14 1990s 304y"
      );
    case 12:
      return pick(rng, [
        "",
        " ",
        "\t\n",
        "\u0085",
        "\u001c\u001f",
        "\ufeff",
        "\u200b",
        "\u00a0\u3000",
        "?!...",
        "—…“”",
        "_",
      ]);
    case 13:
      return pick(rng, other.outputs);
    case 14:
      return rng() < 0.15
        ? veryLong()
        : words(inst.input)
            .slice(0, 60 + Math.floor(rng() * 200))
            .join(" ");
    case 15:
      return sprinkle(rng, ws, ARTICLES, 0.5).join(pick(rng, [" ", " ", "\u0085", "\u00a0"]));
    case 16:
      return pick(rng, ARTICLES) + pick(rng, PUNCTUATION) + " " + ref;
    case 17:
      return joinWith(rng, sprinkle(rng, ws, [...UNICODE_SNIPPETS, ...ARTICLES, ...PUNCTUATION], 0.3));
    case 18:
      return ws.map((w) => (rng() < 0.5 ? pick(rng, STEMMER_WORDS) : w)).join(" ");
    default:
      return applyCase(rng, pick(rng, STEMMER_WORDS) + " " + ref + pick(rng, PUNCTUATION));
  }
}

/** Extra references: several, including an empty or punctuation-only one, so each metric's max is exercised. */
function adversarialReferences(rng: Rng, inst: SourceInstance, other: SourceInstance): string[] {
  const refs = [...inst.outputs];
  if (rng() < 0.35) {
    const extra = 1 + Math.floor(rng() * 3);
    for (let i = 0; i < extra; i++) {
      refs.push(
        pick(rng, [
          "",
          " ",
          "...",
          pick(rng, other.outputs),
          applyCase(rng, pick(rng, inst.outputs)),
          pick(rng, STEMMER_WORDS) + " " + pick(rng, inst.outputs),
          "the " + pick(rng, inst.outputs),
          pick(rng, UNICODE_SNIPPETS),
        ]),
      );
    }
    return rng() < 0.5 ? shuffle(rng, refs) : refs;
  }
  return refs;
}

function groupByTask(source: readonly SourceInstance[]): Map<string, SourceInstance[]> {
  const byTask = new Map<string, SourceInstance[]>();
  for (const s of source) {
    const list = byTask.get(s.task);
    if (list) list.push(s);
    else byTask.set(s.task, [s]);
  }
  return byTask;
}

/** `n` adversarial prediction rows; about one in ten carries no category (scored as "unknown"). */
export function adversarialCorpus(
  source: readonly SourceInstance[],
  n: number,
  seed: number,
): PredictionRow[] {
  const rng = seededRandom(seed);
  let longBudget = Math.max(2, Math.floor(n / 400));
  const veryLong = (): string => {
    if (longBudget-- <= 0) return pick(rng, source).input.slice(0, 300);
    const parts: string[] = [];
    while (parts.join(" ").split(" ").length < 2000) parts.push(pick(rng, source).input);
    return parts.join(" ");
  };
  const byTask = groupByTask(source);
  const rows: PredictionRow[] = [];
  for (let i = 0; i < n; i++) {
    const inst = source[i % source.length]!;
    const other = pick(rng, byTask.get(inst.task)!);
    const references = adversarialReferences(rng, inst, other);
    // A few long-against-long pairs (the costly case for an LCS).
    if (i % 997 === 0 && longBudget > 0) references.push(veryLong());
    const row: PredictionRow = {
      task: inst.task,
      id: `${inst.id}#${i}`,
      prediction: adversarialPrediction(rng, inst, other, veryLong),
      references,
    };
    if (rng() >= 0.1) row.category = inst.category;
    rows.push(row);
  }
  return rows;
}

/**
 * Model-like predictions, one at a time (for streaming): mostly right answers (sometimes with another
 * case or punctuation), plainly wrong answers from the same task, near misses; cut at 128 words as a
 * generation limit would.
 */
export function* modelLikeRows(
  source: readonly SourceInstance[],
  n: number,
  seed: number,
): Generator<PredictionRow> {
  const rng = seededRandom(seed);
  const byTask = groupByTask(source);
  for (let i = 0; i < n; i++) {
    const inst = pick(rng, source);
    const ref = pick(rng, inst.outputs);
    const r = rng();
    let prediction: string;
    if (r < 0.45) prediction = rng() < 0.8 ? ref : applyCase(rng, ref) + pick(rng, PUNCTUATION);
    else if (r < 0.8) prediction = pick(rng, pick(rng, byTask.get(inst.task)!).outputs);
    else {
      const ws = words(ref);
      const k = Math.floor(rng() * ws.length);
      prediction = [
        ...ws.slice(0, k),
        ...(rng() < 0.5 ? [inflect(rng, ws[k] ?? "the")] : []),
        ...ws.slice(k + 1),
      ].join(" ");
    }
    yield {
      task: inst.task,
      id: `${inst.id}#${i}`,
      prediction: words(prediction).slice(0, 128).join(" "),
      references: inst.outputs,
      category: inst.category,
    };
  }
}

/** Every distinct token longer than 3 characters of a checkout's task files, as the ROUGE tokenizer splits text. */
export function distinctTokens(superniDir: string): Set<string> {
  const out = new Set<string>();
  for (const file of readdirSync(join(superniDir, "tasks")).sort()) {
    const text = readFileSync(join(superniDir, "tasks", file), "utf8").toLowerCase();
    for (const [token] of text.matchAll(/[a-z0-9]+/g)) if (token.length > 3) out.add(token);
  }
  return out;
}
