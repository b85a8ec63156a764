import { UserError } from "../../util/errors.js";

/** A line of runs/<id>/instance_scores.jsonl, as far as the analysis reads it (scores are fractions, 0..1). */
export interface InstanceScoreLine {
  task: string;
  id: string;
  category: string;
  rougeL: number;
  /** Also scored by every run (src/metrics/instance.ts); absent in lines written by other tools. */
  rouge1?: number;
  exact_match?: number;
}

/**
 * instance_scores.jsonl lines: {"task","id","category","rougeL",...}. Checked by hand rather than by a
 * schema: a thesis-size study has ~170,000 lines and this is the report's hot path.
 */
export function parseInstanceScores(text: string, path: string): InstanceScoreLine[] {
  const out: InstanceScoreLine[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(line) as Record<string, unknown>;
    } catch (e) {
      throw new UserError(`${path}:${i + 1}: invalid JSON: ${(e as Error).message}`);
    }
    const bad = (field: string, want: string) =>
      new UserError(
        `${path}:${i + 1}: field ${field}: expected ${want}`,
        "rescore the run with `quicklearn score`",
      );
    if (!v || typeof v !== "object") throw bad("(root)", "an object");
    if (typeof v.task !== "string" || v.task === "") throw bad("task", "a task name");
    if (typeof v.id !== "string" && typeof v.id !== "number") throw bad("id", "an instance id");
    if (typeof v.rougeL !== "number" || !(v.rougeL >= 0 && v.rougeL <= 1))
      throw bad("rougeL", "a number in 0..1");
    const score: InstanceScoreLine = {
      task: v.task,
      id: String(v.id),
      category: typeof v.category === "string" ? v.category : "",
      rougeL: v.rougeL,
    };
    for (const metric of ["rouge1", "exact_match"] as const) {
      const value = v[metric];
      if (value === undefined) continue;
      if (typeof value !== "number" || !(value >= 0 && value <= 1)) throw bad(metric, "a number in 0..1");
      score[metric] = value;
    }
    out.push(score);
  }
  return out;
}
