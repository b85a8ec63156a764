/**
 * `npm run bench:data`: time a full `data build` of the shared SuperNI checkout (issue 2's target:
 * under 20 s on a 2-core machine with bounded memory): encodings thesis-def-pos and plain, budgets
 * 100, 200, 1000, all, plus the pre-finetuning set (k = 100). Prints wall seconds, peak RSS and the output
 * size; as a reference measured in the same run it also times reading and validating every task file
 * (the floor any build pays), and reports the ratio.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildData } from "../src/data/index.js";
import { loadCheckout, readTask } from "../src/superni/index.js";
import { projectRoot } from "../src/util/paths.js";

const superni = process.env.QUICKLEARN_SUPERNI ?? resolve(projectRoot, "..", "shared", "superni");
if (!existsSync(superni)) {
  console.error(`bench:data: no SuperNI checkout at ${superni} (set QUICKLEARN_SUPERNI)`);
  process.exit(2);
}

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 20);

const work = await mkdtemp(join(tmpdir(), "quicklearn-bench-data-"));
try {
  let t = performance.now();
  const checkout = await loadCheckout(superni);
  for (const name of [...checkout.testTasks, ...checkout.trainTasks]) await readTask(checkout, name);
  const readSeconds = (performance.now() - t) / 1000;

  t = performance.now();
  const manifest = await buildData({
    superni,
    out: join(work, "data"),
    budgets: ["100", "200", "1000", "all"],
    encodings: ["thesis-def-pos", "plain"],
    seed: 42,
    prefinetune: { k: 100, encodings: ["thesis-def-pos", "plain"] },
  });
  const buildSeconds = (performance.now() - t) / 1000;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage.rss(), process.resourceUsage().maxRSS * 1024);

  const files = Object.values(manifest.files);
  const bytes = files.reduce((a, f) => a + f.bytes, 0);
  const lines = files.reduce((a, f) => a + f.lines, 0);
  console.log(`checkout            ${superni}`);
  console.log(
    `tasks               ${Object.keys(manifest.tasks).length} test + ${manifest.inputs.prefinetune?.tasks.length ?? 0} train`,
  );
  console.log(
    `output              ${files.length} files, ${lines} lines, ${(bytes / 2 ** 20).toFixed(1)} MiB`,
  );
  console.log(`read+validate only  ${readSeconds.toFixed(2)} s (reference)`);
  console.log(
    `data build          ${buildSeconds.toFixed(2)} s (${(buildSeconds / readSeconds).toFixed(1)}x the reference; target < 20 s)`,
  );
  console.log(`throughput          ${(bytes / 2 ** 20 / buildSeconds).toFixed(0)} MiB/s written`);
  console.log(`peak RSS            ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
} finally {
  clearInterval(sampler);
  await rm(work, { recursive: true, force: true });
}
