/**
 * npm run bench:curves [-- --file PATH --resamples N]
 *
 * The real-curve protocol of issue 21 on ../shared/curves/finetune-curves-dev.json (see its PROVENANCE.md):
 * for every measured fine-tuning curve, fit on the budgets <= 1000, predict each held-out budget >= 2500,
 * and compare with the measurement (accuracy 0-1 read as points 0-100, maximum 100). Prints, for `auto`,
 * each family and the last-value baseline (the score stays at its last measured value), the median and
 * 90th-percentile absolute error at each held-out budget, at each curve's largest budget (the issue's
 * figure) and over all held-out measurements; for `auto` the share of held-out measurements inside the
 * 90 % prediction interval (residual bootstrap of the fitted points) and its median width; and the speed
 * of fresh fits and of warm-started refits (the bootstrap's case).
 */
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import {
  CURVE_FAMILIES,
  FAMILY_NAMES,
  fitCurve,
  residualBootstrap,
  scoreAt,
  scoreBand,
  summarize,
  type CurveFamily,
  type CurvePoint,
  type FamilyName,
} from "../src/analysis/curves/index.js";
import { quantileSorted } from "../src/analysis/stats.js";
import { formatTable } from "../src/cli/output.js";
import { projectRoot } from "../src/util/paths.js";

const FIT_UP_TO = 1000;
/** CPU seconds since `start`: a busy machine disturbs it less than wall time. */
const cpuSeconds = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};
const HELD_OUT_FROM = 2500;
const LEVEL = 0.9;

const { values } = parseArgs({
  options: {
    file: {
      type: "string",
      default: join(projectRoot, "..", "shared", "curves", "finetune-curves-dev.json"),
    },
    resamples: { type: "string", default: "1000" },
  },
});
const file = values.file;
const resamples = Number(values.resamples);

const CurvesFile = z.object({
  source: z.string().optional(),
  model: z.string().optional(),
  curves: z.array(
    z.object({
      task: z.string(),
      points: z.record(z.string(), z.number()),
    }),
  ),
});

if (!existsSync(file)) {
  console.error(
    `bench:curves: ${relative(process.cwd(), file) || file} is missing: the real-curve benchmark needs the ` +
      "measured curves (../shared/curves/finetune-curves-dev.json beside the project; see its PROVENANCE.md), " +
      "or give one with --file PATH",
  );
  process.exit(2);
}
const parsed = CurvesFile.safeParse(JSON.parse(readFileSync(file, "utf8")));
if (!parsed.success) {
  console.error(`bench:curves: ${file}: not a curves file: ${parsed.error.issues[0]?.message ?? ""}`);
  process.exit(2);
}

interface Case {
  task: string;
  fitPoints: CurvePoint[];
  heldOut: CurvePoint[];
}

const cases: Case[] = [];
let skipped = 0;
for (const c of parsed.data.curves) {
  const points = Object.entries(c.points)
    .map(([b, s]) => ({ budget: Number(b), score: 100 * s }))
    .sort((a, b) => a.budget - b.budget);
  const heldOut = points.filter((p) => p.budget >= HELD_OUT_FROM);
  if (heldOut.length === 0) skipped++;
  else cases.push({ task: c.task, fitPoints: points.filter((p) => p.budget <= FIT_UP_TO), heldOut });
}

type Method = CurveFamily | "last value";
const METHODS: Method[] = [...CURVE_FAMILIES, "last value"];

/** One absolute error per held-out measurement, tagged with its column. */
interface Error {
  method: Method;
  budget: number;
  largest: boolean;
  error: number;
}

const errors: Error[] = [];
const t0 = process.cpuUsage();
let freshFits = 0;
for (const c of cases) {
  const last = summarize(c.fitPoints);
  const lastScore = last.means[last.means.length - 1]!;
  for (const method of METHODS) {
    let predict: (budget: number) => number;
    if (method === "last value") predict = () => lastScore;
    else {
      const fit = fitCurve(c.fitPoints, { family: method, maxScore: 100 });
      freshFits++;
      if (!fit.ok) throw new Error(`${c.task}: ${fit.reason}`);
      predict = (b) => scoreAt(fit.curve, b);
    }
    c.heldOut.forEach((p, i) =>
      errors.push({
        method,
        budget: p.budget,
        largest: i === c.heldOut.length - 1,
        error: Math.abs(predict(p.budget) - p.score),
      }),
    );
  }
}
const freshSeconds = cpuSeconds(t0);

// Columns: every held-out budget at least 5 curves share, each curve's largest budget, and all.
const budgetCounts = new Map<number, number>();
for (const c of cases)
  for (const p of c.heldOut) budgetCounts.set(p.budget, (budgetCounts.get(p.budget) ?? 0) + 1);
const shared = [...budgetCounts].filter(([, n]) => n >= 5).map(([b]) => b);
shared.sort((a, b) => a - b);
const columns: { name: string; keep: (e: { budget: number; largest: boolean }) => boolean }[] = [
  ...shared.map((b) => ({ name: String(b), keep: (e: { budget: number }) => e.budget === b })),
  { name: "largest", keep: (e: { largest: boolean }) => e.largest },
  { name: "all", keep: () => true },
];

function medianP90(values: number[]): string {
  const sorted = Float64Array.from(values).sort();
  return `${quantileSorted(sorted, 0.5).toFixed(2)} / ${quantileSorted(sorted, 0.9).toFixed(2)}`;
}

console.log(
  `${cases.length} curves from ${relative(projectRoot, file)} (${skipped} without a budget >= ${HELD_OUT_FROM} skipped); ` +
    `fit on budgets <= ${FIT_UP_TO}, predict each budget >= ${HELD_OUT_FROM}; absolute error in points`,
);
const counts = columns.map((col) => errors.filter((e) => e.method === "auto" && col.keep(e)).length);
console.log("");
console.log("median / p90 absolute error (n = held-out measurements per column)");
console.log(
  formatTable(
    ["method", ...columns.map((c, i) => `${c.name} (n=${counts[i]})`)],
    METHODS.map((m) => [
      m,
      ...columns.map((col) =>
        medianP90(errors.filter((e) => e.method === m && col.keep(e)).map((e) => e.error)),
      ),
    ]),
  ),
);

// The candidate rules for auto that issue 21 lists, on the same held-out measurements: how auto was chosen.
type Predictor = (budget: number) => number;
function familyPredictor(points: CurvePoint[], family: FamilyName): Predictor {
  const fit = fitCurve(points, { family, maxScore: 100 });
  if (!fit.ok) throw new Error(fit.reason);
  return (b) => scoreAt(fit.curve, b);
}
/** Mean squared error of each family predicting each budget after the first two from the others. */
function leaveOneBudgetOut(points: CurvePoint[]): Map<FamilyName, number> {
  const budgets = [...new Set(points.map((p) => p.budget))];
  const out = new Map<FamilyName, number>();
  for (const family of FAMILY_NAMES) {
    let sum = 0;
    for (const b of budgets.slice(2)) {
      const rest = points.filter((p) => p.budget !== b);
      const measured = points.filter((p) => p.budget === b);
      const predicted = familyPredictor(rest, family)(b);
      for (const p of measured) sum += (predicted - p.score) ** 2 / measured.length;
    }
    out.set(family, sum / (budgets.length - 2));
  }
  return out;
}
const CANDIDATES: { name: string; make: (points: CurvePoint[]) => Predictor }[] = [
  { name: "last value", make: (pts) => lastValue(pts) },
  { name: "bounded pow3", make: (pts) => familyPredictor(pts, "pow3") },
  {
    name: "family chosen by leave-one-budget-out error",
    make: (pts) => {
      const errors = leaveOneBudgetOut(pts);
      const best = FAMILY_NAMES.reduce((a, b) => (errors.get(b)! < errors.get(a)! ? b : a));
      return familyPredictor(pts, best);
    },
  },
  {
    name: "families averaged, weights 1 / leave-one-budget-out error",
    make: (pts) => {
      const errors = leaveOneBudgetOut(pts);
      const parts = FAMILY_NAMES.map((f) => ({
        w: 1 / (errors.get(f)! + 1e-9),
        predict: familyPredictor(pts, f),
      }));
      const total = parts.reduce((a, p) => a + p.w, 0);
      return (b) => parts.reduce((a, p) => a + p.w * p.predict(b), 0) / total;
    },
  },
  {
    name: "mean of bounded pow3 and last value",
    make: (pts) => {
      const [pow3, last] = [familyPredictor(pts, "pow3"), lastValue(pts)];
      return (b) => (pow3(b) + last(b)) / 2;
    },
  },
  ...[0.25, 0.5, 0.75, 1].map((share) => ({
    name: `last value + ${share} x pow3's gain beyond it${share === 0.5 ? " (auto)" : ""}`,
    make: (pts: CurvePoint[]) => {
      const [pow3, last] = [familyPredictor(pts, "pow3"), lastValue(pts)];
      const top = Math.max(...pts.map((p) => p.budget));
      return (b: number) => last(b) + share * (pow3(b) - pow3(top));
    },
  })),
];
function lastValue(points: CurvePoint[]): Predictor {
  const s = summarize(points);
  const last = s.means[s.means.length - 1]!;
  return () => last;
}
const candidateRows = CANDIDATES.map(({ name, make }) => {
  const errs: { budget: number; largest: boolean; error: number }[] = [];
  for (const c of cases) {
    const predict = make(c.fitPoints);
    c.heldOut.forEach((p, i) =>
      errs.push({
        budget: p.budget,
        largest: i === c.heldOut.length - 1,
        error: Math.abs(predict(p.budget) - p.score),
      }),
    );
  }
  return [name, ...columns.map((col) => medianP90(errs.filter((e) => col.keep(e)).map((e) => e.error)))];
});
console.log("");
console.log("candidate rules for auto (issue 21), median / p90 absolute error");
console.log(formatTable(["rule", ...columns.map((c) => c.name)], candidateRows));

// Prediction intervals of auto: residual bootstrap of the fitted points.
const t1 = process.cpuUsage();
const coverage = columns.map(() => ({ inside: 0, n: 0, widths: [] as number[] }));
for (const [k, c] of cases.entries()) {
  const boot = residualBootstrap(c.fitPoints, { family: "auto", maxScore: 100, resamples, seed: k + 1 });
  if (!boot.ok) throw new Error(`${c.task}: ${boot.reason}`);
  const { curve, resamples: curves, noise } = boot.value;
  c.heldOut.forEach((p, i) => {
    const band = scoreBand(curve, curves, p.budget, LEVEL, noise, k + 1);
    const [lo, hi] = band.pi!;
    columns.forEach((col, j) => {
      if (!col.keep({ budget: p.budget, largest: i === c.heldOut.length - 1 })) return;
      coverage[j]!.n++;
      if (p.score >= lo && p.score <= hi) coverage[j]!.inside++;
      coverage[j]!.widths.push(hi - lo);
    });
  });
}
const bootSeconds = cpuSeconds(t1);
console.log("");
console.log(`auto: ${LEVEL * 100} % prediction intervals (residual bootstrap, ${resamples} resamples)`);
console.log(
  formatTable(
    ["", ...columns.map((c) => c.name)],
    [
      ["coverage", ...coverage.map((c) => `${((100 * c.inside) / c.n).toFixed(1)} %`)],
      [
        "median width",
        ...coverage.map((c) => quantileSorted(Float64Array.from(c.widths).sort(), 0.5).toFixed(2)),
      ],
    ],
  ),
);

const goal = (col: string) => {
  const j = columns.findIndex((c) => c.name === col);
  const q = (m: Method, p: number) =>
    quantileSorted(
      Float64Array.from(
        errors.filter((e) => e.method === m && columns[j]!.keep(e)).map((e) => e.error),
      ).sort(),
      p,
    );
  return [0.5, 0.9].every((p) => q("auto", p) <= q("last value", p) && q("auto", p) <= q("pow3", p));
};
const all = coverage[columns.length - 1]!;
console.log("");
console.log(
  `goal (auto <= last value and <= pow3 on median and p90): largest ${goal("largest") ? "met" : "NOT met"}, ` +
    `all ${goal("all") ? "met" : "NOT met"}; prediction intervals cover >= 80 % of all held-out measurements: ` +
    `${all.inside / all.n >= 0.8 ? "met" : "NOT met"}`,
);
const refits = cases.length * resamples;
console.log(
  `speed: ${freshFits} fresh fits (all families, several starts each) in ${freshSeconds.toFixed(2)} s = ` +
    `${Math.round(freshFits / freshSeconds)} fits/s; ${refits} warm-started auto refits with their bands in ` +
    `${bootSeconds.toFixed(2)} s = ${Math.round(refits / bootSeconds)} refits/s (CPU time, one core)`,
);
