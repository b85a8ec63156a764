/**
 * npm run bench:report [-- --repeats N --resamples N]
 *
 * The whole `quicklearn report` at thesis scale (issue 21's speed check): writes the thesis-shaped synthetic
 * study (test/fixtures/thesis-study.ts: 841 runs, 119 tasks, 100 test instances each) to a temporary folder,
 * then times writeReport, the function the CLI calls (analysis, charts, HTML, Markdown, CSV, LaTeX) plus the
 * --json document, with the learning-curve fits and without them (`curves: false`), alternating so that a
 * busy machine disturbs both alike. Prints wall and CPU time per run, the medians and the ratio.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_BOOTSTRAP } from "../src/analysis/index.js";
import { formatTable } from "../src/cli/output.js";
import { reportJson, writeReport } from "../src/report/index.js";
import { writeThesisStudy } from "../test/fixtures/thesis-study.js";

const { values } = parseArgs({
  options: {
    repeats: { type: "string", default: "3" },
    resamples: { type: "string", default: String(DEFAULT_BOOTSTRAP.resamples) },
  },
});
const repeats = Number(values.repeats);
const resamples = Number(values.resamples);

interface Timing {
  wall: number;
  cpu: number;
  fits: number;
}

async function timeReport(study: string, out: string, curves: boolean): Promise<Timing> {
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const { analysis } = await writeReport(study, {
    out: join(out, "report.html"),
    md: join(out, "report.md"),
    csvDir: join(out, "csv"),
    latexDir: join(out, "tex"),
    bootstrap: { resamples, seed: DEFAULT_BOOTSTRAP.seed },
    ...(curves ? {} : { curves: false as const }),
  });
  JSON.stringify(reportJson(analysis));
  const used = process.cpuUsage(cpu);
  return {
    wall: Number(process.hrtime.bigint() - start) / 1e9,
    cpu: (used.user + used.system) / 1e6,
    fits: analysis.curves?.fits.length ?? 0,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const dir = await mkdtemp(join(tmpdir(), "ql-bench-report-"));
try {
  const study = join(dir, "study");
  const { runs: planned } = await writeThesisStudy(study);
  console.log(
    `thesis-scale synthetic study (${planned} runs); ${resamples} bootstrap resamples; ${repeats} runs each`,
  );
  const runs: Record<"with" | "without", Timing[]> = { with: [], without: [] };
  // One untimed run first: module loading and JIT warm-up would otherwise count against the first case.
  await timeReport(study, join(dir, "warm"), false);
  for (let i = 0; i < repeats; i++) {
    for (const curves of [true, false]) {
      const t = await timeReport(study, join(dir, `out-${i}-${curves}`), curves);
      runs[curves ? "with" : "without"].push(t);
      console.log(
        `run ${i + 1} ${curves ? "with fits   " : "without fits"}: ${t.wall.toFixed(2)} s wall, ${t.cpu.toFixed(2)} s CPU, ${t.fits} fits`,
      );
    }
  }
  const row = (name: string, ts: Timing[]) => [
    name,
    median(ts.map((t) => t.wall)).toFixed(2),
    median(ts.map((t) => t.cpu)).toFixed(2),
    String(ts[0]!.fits),
  ];
  console.log("");
  console.log(
    formatTable(
      ["report", "median wall (s)", "median CPU (s)", "fits"],
      [row("with learning-curve fits", runs.with), row("without (curves: false)", runs.without)],
    ),
  );
  const ratio = (k: "wall" | "cpu") =>
    median(runs.with.map((t) => t[k])) / median(runs.without.map((t) => t[k]));
  console.log(
    `ratio with / without: ${ratio("wall").toFixed(2)}x wall, ${ratio("cpu").toFixed(2)}x CPU (goal: within 2x)`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
