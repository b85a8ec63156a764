/** Runs scripts/reference-score.py (rouge-score + nltk, the official evaluations) from the project venv. */
import { execFile, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { ScoreReport, Variant } from "../../src/metrics/index.js";
import { projectRoot, venvPython } from "../../src/util/paths.js";

const SCRIPT = join(projectRoot, "scripts", "reference-score.py");
const run = promisify(execFile);

export interface ReferenceOutput {
  /** [exact_match, rouge1, rougeL] per instance, fractions. */
  instances: [number, number, number][];
  report: ScoreReport;
}

/** Whether the venv has rouge-score and nltk; the reason when not. */
export function referenceUnavailable(): string | undefined {
  const python = venvPython();
  if (!existsSync(python)) return `no Python at ${python} (run scripts/setup.sh --dev)`;
  try {
    execFileSync(python, ["-c", "import rouge_score, nltk"], { stdio: "ignore" });
    return undefined;
  } catch {
    return "rouge-score / nltk not installed in the venv (pip install -r engine/requirements-dev.txt)";
  }
}

export async function referenceScores(file: string, variant: Variant): Promise<ReferenceOutput> {
  const { stdout } = await run(venvPython(), [SCRIPT, "score", file, "--variant", variant], {
    maxBuffer: 1 << 30,
  });
  return JSON.parse(stdout) as ReferenceOutput;
}

export async function referenceStems(words: string[]): Promise<string[]> {
  const child = run(venvPython(), [SCRIPT, "stem"], { maxBuffer: 1 << 30 });
  child.child.stdin!.end(JSON.stringify(words));
  return JSON.parse((await child).stdout) as string[];
}

export interface ReferenceTiming {
  instances: number;
  seconds: number;
  cpu_seconds: number;
}

export async function referenceBench(file: string, limit: number): Promise<ReferenceTiming> {
  const { stdout } = await run(venvPython(), [SCRIPT, "bench", file, "--limit", String(limit)]);
  return JSON.parse(stdout) as ReferenceTiming;
}
