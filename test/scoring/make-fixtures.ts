/**
 * Regenerates the committed scoring fixtures (run from the repo root with ../shared/superni and the venv):
 *   npx tsx test/scoring/make-fixtures.ts
 * test/fixtures/scoring-corpus.jsonl   a small adversarial corpus (3 instances per task)
 * test/fixtures/scoring-golden.json    the official evaluation's figures for it, both variants
 * test/fixtures/porter-nltk.json       [word, NLTK stem] pairs: a seeded sample of real tokens + suffix-heavy ones
 */
import { join } from "node:path";
import { format, resolveConfig } from "prettier";
import { VARIANTS } from "../../src/metrics/index.js";
import { writeFileAtomic } from "../../src/util/fs.js";
import { toJsonl } from "../../src/util/jsonl.js";
import { projectRoot } from "../../src/util/paths.js";
import { adversarialCorpus, distinctTokens, loadSourceInstances, seededRandom } from "./corpus.js";
import { referenceScores, referenceStems } from "./reference.js";

const superni = join(projectRoot, "..", "shared", "superni");
const fixtures = join(projectRoot, "test", "fixtures");

const corpusFile = join(fixtures, "scoring-corpus.jsonl");
const rows = adversarialCorpus(loadSourceInstances(superni, 3), 400, 7);
await writeFileAtomic(corpusFile, toJsonl(rows));
const expected = Object.fromEntries(
  await Promise.all(VARIANTS.map(async (v) => [v, await referenceScores(corpusFile, v)] as const)),
);
await writeFileAtomic(
  join(fixtures, "scoring-golden.json"),
  await format(JSON.stringify(expected), { parser: "json" }),
);

const words = [...distinctTokens(superni)];
const rng = seededRandom(3);
const sample = words.filter(() => rng() < 4000 / words.length);
const stems = await referenceStems(sample);
await writeJson(
  join(fixtures, "porter-nltk.json"),
  sample.map((w, i) => [w, stems[i]]),
);
/** Written as the repository's prettier would format it, so `prettier --check .` stays clean. */
async function writeJson(path: string, value: unknown): Promise<void> {
  const options = { ...(await resolveConfig(path)), filepath: path };
  await writeFileAtomic(path, await format(JSON.stringify(value), options));
}

console.log(`${rows.length} corpus rows, ${sample.length} stems`);
