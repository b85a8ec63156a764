/**
 * npm run bench:score [-- --instances N --python-instances N]
 *
 * Draws N (default 200,000) model-like predictions from ../shared/superni (deterministic: mostly right or
 * plainly wrong answers, near misses, cut at 128 words), writes them to a temp JSONL file, scores the file
 * with quicklearn (streaming: read, validate, score, aggregate) and with the official evaluation
 * (SuperNI's compute_metrics.py semantics on rouge-score + nltk, scripts/reference-score.py) on the same
 * file, and prints both instance rates and their ratio. The Python reference is slow, so it scores the
 * first --python-instances rows (default 20,000) of the same file and only its rate is compared.
 * Both run on one core (Node's main thread; one Python process). Rates use CPU time, which a busy
 * machine disturbs less than wall time (both are printed), best of 3 runs each.
 */
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { parseArgs } from "node:util";
import { readPredictionRows, scoreRows } from "../src/metrics/index.js";
import { projectRoot } from "../src/util/paths.js";
import { loadSourceInstances, modelLikeRows } from "../test/scoring/corpus.js";
import { referenceBench, referenceUnavailable } from "../test/scoring/reference.js";

const { values } = parseArgs({
  options: {
    instances: { type: "string", default: "200000" },
    "python-instances": { type: "string", default: "20000" },
  },
});
const n = Number(values.instances);
const pythonN = Math.min(n, Number(values["python-instances"]));
const superni = join(projectRoot, "..", "shared", "superni");

const dir = await mkdtemp(join(tmpdir(), "quicklearn-bench-score-"));
try {
  const file = join(dir, "predictions.jsonl");
  const source = loadSourceInstances(superni, Infinity);
  const out = createWriteStream(file);
  for (const row of modelLikeRows(source, n, 858)) {
    if (!out.write(JSON.stringify(row) + "\n")) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  source.length = 0;
  console.error(`wrote ${n} model-like predictions to ${file}`);

  // Best of 3 runs on each side (a busy machine only ever slows a run down); each quicklearn run starts
  // with empty stem caches, and the first, cold run is printed too.
  const runs: { n: number; cpu: number; wall: number; rougeL: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const startWall = process.hrtime.bigint();
    const startCpu = process.cpuUsage();
    const report = await scoreRows(readPredictionRows(file));
    const cpu = process.cpuUsage(startCpu);
    runs.push({
      n: report.overall.n,
      cpu: (cpu.user + cpu.system) / 1e6,
      wall: Number(process.hrtime.bigint() - startWall) / 1e9,
      rougeL: report.overall.rougeL,
    });
  }
  const best = runs.reduce((a, b) => (b.cpu < a.cpu ? b : a));
  const ours = best.n / best.cpu;
  const rssMiB = process.resourceUsage().maxRSS / 1024;
  console.log(
    `quicklearn: ${best.n} instances (read + validate + score + aggregate), best of 3: ` +
      `${best.cpu.toFixed(2)} s CPU (${best.wall.toFixed(2)} s wall) = ${Math.round(ours)} instances/s ` +
      `(first run ${Math.round(best.n / runs[0]!.cpu)}/s); overall rougeL ${best.rougeL.toFixed(4)}; ` +
      `peak RSS ${rssMiB.toFixed(0)} MiB, mostly the source data held to generate the file`,
  );

  const missing = referenceUnavailable();
  if (missing !== undefined) {
    console.log(`Python reference: not run (${missing})`);
  } else {
    const timings = [];
    for (let i = 0; i < 3; i++) timings.push(await referenceBench(file, pythonN));
    const ref = timings.reduce((a, b) => (b.cpu_seconds < a.cpu_seconds ? b : a));
    const theirs = ref.instances / ref.cpu_seconds;
    console.log(
      `Python reference (compute_metrics.py semantics on rouge-score + nltk): first ${ref.instances} instances ` +
        `of the same file, best of 3: ${ref.cpu_seconds.toFixed(2)} s CPU (${ref.seconds.toFixed(2)} s wall) = ` +
        `${Math.round(theirs)} instances/s`,
    );
    console.log(
      `ratio: ${(ours / theirs).toFixed(1)}x the Python reference's instances/s ` +
        `(CPU time, one core each; wall-clock ratio ${(best.n / best.wall / (ref.instances / ref.seconds)).toFixed(1)}x)`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
