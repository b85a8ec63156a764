import type { ScoreReport, Variant } from "../../src/metrics/index.js";
import { readPredictionRows, scoreRows } from "../../src/metrics/index.js";
import type { ReferenceOutput } from "./reference.js";

export interface Comparison {
  instances: number;
  /** Per-instance figures (3 per instance) and report figures that are not bit-identical. */
  differing: string[];
  maxAbsDiff: number;
  tasks: number;
}

/** Scores `file` with quicklearn and compares every per-instance and aggregate figure with the reference's. */
export async function compareWithReference(
  file: string,
  variant: Variant,
  expected: ReferenceOutput,
): Promise<Comparison> {
  const ours: [number, number, number][] = [];
  const report = await scoreRows(readPredictionRows(file), {
    variant,
    onInstance: (_row, s) => ours.push([s.exact_match, s.rouge1, s.rougeL]),
  });
  const differing: string[] = [];
  let maxAbsDiff = 0;
  const check = (where: string, a: number | undefined, b: number | undefined) => {
    if (a === b) return;
    differing.push(`${where}: quicklearn ${a} vs reference ${b}`);
    maxAbsDiff = Math.max(maxAbsDiff, a === undefined || b === undefined ? Infinity : Math.abs(a - b));
  };
  if (ours.length !== expected.instances.length)
    differing.push(`instances: ${ours.length} vs ${expected.instances.length}`);
  const names = ["exact_match", "rouge1", "rougeL"];
  expected.instances.forEach((ref, i) =>
    ref.forEach((v, k) => check(`instance ${i + 1} ${names[k]}`, ours[i]?.[k], v)),
  );
  compareReports(report, expected.report, check);
  return { instances: ours.length, differing, maxAbsDiff, tasks: Object.keys(report.tasks).length };
}

function compareReports(
  ours: ScoreReport,
  ref: ScoreReport,
  check: (where: string, a: number | undefined, b: number | undefined) => void,
): void {
  const keys = ["exact_match", "rouge1", "rougeL", "n"] as const;
  for (const part of ["overall", "overall_macro"] as const)
    for (const k of keys) check(`${part}.${k}`, ours[part][k], ref[part][k]);
  for (const part of ["tasks", "categories"] as const) {
    const names = new Set([...Object.keys(ours[part]), ...Object.keys(ref[part])]);
    for (const name of names)
      for (const k of keys) check(`${part}.${name}.${k}`, ours[part][name]?.[k], ref[part][name]?.[k]);
  }
}
