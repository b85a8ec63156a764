/**
 * Golden test: quicklearn's scorer against the official Python evaluation (rouge-score + nltk, run by
 * scripts/reference-score.py), figure by figure, both variants. The generated corpus needs
 * ../shared/superni and the venv; the committed corpus and its committed reference figures always run.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VARIANTS } from "../src/metrics/index.js";
import { toJsonl } from "../src/util/jsonl.js";
import { projectRoot } from "../src/util/paths.js";
import { compareWithReference } from "./scoring/compare.js";
import { adversarialCorpus, loadSourceInstances } from "./scoring/corpus.js";
import { referenceScores, referenceUnavailable, type ReferenceOutput } from "./scoring/reference.js";

const SHARED_SUPERNI = join(projectRoot, "..", "shared", "superni");
const FIXTURE_CORPUS = join(projectRoot, "test", "fixtures", "scoring-corpus.jsonl");
const FIXTURE_EXPECTED = join(projectRoot, "test", "fixtures", "scoring-golden.json");
const GENERATED_INSTANCES = 6000;

const pythonMissing = referenceUnavailable();
const sharedMissing = existsSync(join(SHARED_SUPERNI, "tasks")) ? undefined : `${SHARED_SUPERNI} is absent`;

if (pythonMissing ?? sharedMissing) {
  process.stderr.write(`scoring golden test: generated corpus skipped: ${pythonMissing ?? sharedMissing}\n`);
}

async function committedExpected(): Promise<Record<string, ReferenceOutput>> {
  return JSON.parse(await readFile(FIXTURE_EXPECTED, "utf8")) as Record<string, ReferenceOutput>;
}

describe("scorer parity with SuperNI's official evaluation", () => {
  it("matches the committed reference figures on the committed corpus, both variants", async () => {
    const expected = await committedExpected();
    for (const variant of VARIANTS) {
      const c = await compareWithReference(FIXTURE_CORPUS, variant, expected[variant]!);
      expect(c.instances).toBeGreaterThanOrEqual(300);
      expect(c.differing.slice(0, 10)).toEqual([]);
    }
  });

  it.skipIf(pythonMissing !== undefined)(
    "the committed reference figures are what rouge-score + nltk give now",
    async () => {
      const expected = await committedExpected();
      for (const variant of VARIANTS) {
        expect(await referenceScores(FIXTURE_CORPUS, variant)).toEqual(expected[variant]);
      }
    },
  );

  describe.skipIf(pythonMissing !== undefined || sharedMissing !== undefined)(
    `generated adversarial corpus of ${GENERATED_INSTANCES} real SuperNI instances`,
    () => {
      let dir: string;
      let file: string;
      beforeAll(async () => {
        dir = await mkdtemp(join(tmpdir(), "quicklearn-golden-"));
        file = join(dir, "predictions.jsonl");
        const rows = adversarialCorpus(
          loadSourceInstances(SHARED_SUPERNI, 40),
          GENERATED_INSTANCES,
          20260101,
        );
        await writeFile(file, toJsonl(rows));
      });
      afterAll(async () => {
        await rm(dir, { recursive: true, force: true });
      });

      it("every per-instance, per-task, per-category and overall figure is bit-identical, both variants", async () => {
        const references = await Promise.all(VARIANTS.map((v) => referenceScores(file, v)));
        for (const [i, variant] of VARIANTS.entries()) {
          const c = await compareWithReference(file, variant, references[i]!);
          expect(c.instances).toBe(GENERATED_INSTANCES);
          expect(c.tasks).toBeGreaterThan(100);
          expect(c.maxAbsDiff).toBeLessThanOrEqual(1e-9);
          expect(c.differing.slice(0, 10)).toEqual([]);
        }
      });
    },
  );
});
