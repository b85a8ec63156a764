/**
 * Golden test: quicklearn's bounded least-squares fits reach an objective at least as low as scipy's
 * (scipy.optimize.least_squares, trust-region reflective, same bounds, run by
 * scripts/reference-curve-fit.py from the same data-driven starts and from scipy's default start) on
 * synthetic noisy curves of every family, misspecified ones (a curve of another family) and the
 * small-budget halves of real fine-tuning curves when ../shared/curves is present.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  FAMILIES,
  FAMILY_NAMES,
  curveParams,
  fitCurve,
  summarize,
  type CurvePoint,
  type FamilyName,
} from "../src/analysis/curves/index.js";
import { dataShape } from "../src/analysis/curves/fit.js";
import { seededRng } from "../src/analysis/random.js";
import { projectRoot, venvPython } from "../src/util/paths.js";
import { noisyRows, randomParams } from "./helpers/curves.js";
import { runPython } from "./helpers/python.js";

const SCRIPT = join(projectRoot, "scripts", "reference-curve-fit.py");
const REAL = join(projectRoot, "..", "shared", "curves", "finetune-curves-dev.json");

function scipyMissing(): string | undefined {
  const python = venvPython();
  if (!existsSync(python)) return `no Python at ${python} (run scripts/setup.sh --dev)`;
  try {
    execFileSync(python, ["-c", "import scipy"], { stdio: "ignore" });
    return undefined;
  } catch {
    return "scipy not installed in the venv (pip install -r engine/requirements-dev.txt)";
  }
}
const missing = scipyMissing();
if (missing) process.stderr.write(`learning-curve scipy reference test skipped: ${missing}\n`);

interface Problem {
  family: FamilyName;
  rows: CurvePoint[];
}

function problems(): Problem[] {
  const rng = seededRng(1717);
  const out: Problem[] = [];
  for (const family of FAMILY_NAMES)
    for (const source of FAMILY_NAMES) {
      // Each family fitted to noisy curves of its own shape and of every other (misspecified) shape.
      const q = randomParams(source, rng);
      const rows = noisyRows(
        source,
        q,
        rng,
        source === family ? 1 : 2,
        2,
        [20, 50, 100, 200, 500, 1000, 3000],
      );
      out.push({ family, rows });
    }
  if (existsSync(REAL)) {
    const real = JSON.parse(readFileSync(REAL, "utf8")) as { curves: { points: Record<string, number> }[] };
    for (const c of real.curves.slice(0, 15))
      for (const family of FAMILY_NAMES)
        out.push({
          family,
          rows: Object.entries(c.points)
            .map(([b, s]) => ({ budget: Number(b), score: 100 * s }))
            .filter((p) => p.budget <= 1000),
        });
  }
  return out;
}

describe.skipIf(missing !== undefined)("learning-curve fits against scipy.optimize.least_squares", () => {
  it("the least-squares objective is never higher than scipy's on the same points and bounds", async () => {
    const cases = problems();
    const input = cases.map(({ family, rows }) => {
      const s = summarize(rows);
      const scale = s.budgets[s.budgets.length - 1]!;
      const f = FAMILIES[family];
      return {
        family,
        budgets: rows.map((r) => r.budget),
        scores: rows.map((r) => r.score),
        weights: rows.map((r) => r.weight ?? 1),
        max_score: 100,
        starts: f.starts(dataShape(s, scale), 100).map((p) => {
          const q = f.toOriginal(p, scale);
          return f.names.map((n) => q[n]!);
        }),
      };
    });
    const reference = JSON.parse(await runPython([SCRIPT], { input: JSON.stringify(input) })) as ({
      sse: number;
      params: number[];
    } | null)[];
    expect(reference).toHaveLength(cases.length);
    const worse: string[] = [];
    let strictlyBetter = 0;
    cases.forEach(({ family, rows }, i) => {
      const ref = reference[i];
      const fit = fitCurve(rows, { family, maxScore: 100 });
      if (!fit.ok) throw new Error(fit.reason);
      if (ref === null || ref === undefined) return;
      const ours = fit.curve.sse;
      if (ours > ref.sse * (1 + 1e-6) + 1e-9)
        worse.push(
          `#${i} ${family}: ours ${ours} > scipy ${ref.sse} (${JSON.stringify(curveParams(fit.curve))} vs ${ref.params})`,
        );
      if (ours < ref.sse * (1 - 1e-4)) strictlyBetter++;
    });
    expect(worse).toEqual([]);
    process.stderr.write(
      `curve fits: ${cases.length} problems, ${strictlyBetter} strictly lower than scipy\n`,
    );
  });
});
