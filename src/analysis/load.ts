import { join } from "node:path";
import { openStudy, type RunRecord, type RunStats, type StudyStore } from "../runner/store/index.js";
import type { Metric } from "../study/spec.js";
import { UserError } from "../util/errors.js";
import type { RunResult, StudyArm, StudyResults, StudyRun, Truncation } from "./types.js";

/**
 * A study directory read into the analysis's input, through the study store (src/runner/store), so that a
 * run counts as done here exactly when `quicklearn status` says so. Partial studies are fine.
 */
export async function loadStudy(dir: string): Promise<StudyResults> {
  const store = await openStudy(dir);
  const plan = await store.readPlan();
  const arms: StudyArm[] = plan.arms;
  const armNames = new Set(arms.map((a) => a.name));
  for (const planned of plan.runs) {
    if (!armNames.has(planned.arm)) {
      throw new UserError(
        `${store.planPath}: run ${planned.id} names arm "${planned.arm}", which the plan does not define`,
      );
    }
  }
  const notes: string[] = [];
  // Runs are independent files: read a few at a time (a thesis study has ~1,000 of them).
  const loaded = await mapLimit(plan.runs, 16, (planned) => loadRun(store, planned, plan.metric, notes));
  const runs = loaded.map((l) => l.run);
  const results = loaded.flatMap((l) => (l.result ? [l.result] : []));
  notes.sort();
  const tasks = new Set(results.flatMap((r) => r.scores.map((s) => s.task)));
  const trainAll = meanTrainCountAll(await store.readManifest(), tasks);
  return {
    dir: store.dir,
    name: plan.study.name,
    description: plan.study.description ?? null,
    preset: plan.preset,
    metric: plan.metric,
    arms,
    runs,
    results,
    meanTrainAll: trainAll?.mean ?? null,
    meanTrainAllSource: trainAll?.source ?? "unknown",
    notes,
    search: plan.search ?? null,
  };
}

async function loadRun(
  store: StudyStore,
  planned: RunRecord,
  metric: Metric,
  notes: string[],
): Promise<{ run: StudyRun; result: RunResult | null }> {
  const { status, state } = await store.runStatus(planned.id);
  const run: StudyRun = { ...planned, status };
  if (state.status === "done" && status !== "done")
    notes.push(`run ${planned.id}: its files changed since it finished; counted as not done`);
  if (status !== "done" || !state.hashes?.["instance_scores.jsonl"]) return { run, result: null };
  const scores = await store.readInstanceScores(planned.id);
  const unscored = scores.findIndex((s) => s[metric] === undefined);
  if (unscored !== -1)
    throw new UserError(
      `${join(store.runDir(planned.id), "instance_scores.jsonl")}: instance ${scores[unscored]!.id} has no ${metric} score, the study's evaluation.metric`,
      "rescore the run with `quicklearn score`, or choose a metric its scores have",
    );
  return { run, result: { run, scores, truncation: truncationOf(await store.readStats(planned.id)) } };
}

/** Per task, the truncation counts of each phase the run had (stats.json `train|eval.truncation.tasks`). */
export function truncationOf(stats: RunStats | null): Record<string, Truncation> {
  const out: Record<string, Truncation> = {};
  for (const phase of ["train", "eval"] as const) {
    for (const [task, counts] of Object.entries(stats?.[phase]?.truncation.tasks ?? {}))
      (out[task] ??= { train: null, eval: null })[phase] = counts;
  }
  return out;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Budget "all" needs a position on the log budget axis: the mean per-task number of training instances
 * under "all", from the study's data build manifest (`tasks.<task>.budgets.all`).
 */
function meanTrainCountAll(
  manifest: { tasks: Record<string, { budgets: Record<string, number> }> } | null,
  tasks: Set<string>,
): { mean: number; source: string } | null {
  const counts = Object.entries(manifest?.tasks ?? {})
    .filter(([task, facts]) => tasks.has(task) && facts.budgets.all !== undefined)
    .map(([, facts]) => facts.budgets.all!);
  if (counts.length === 0) return null;
  const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
  return { mean, source: `data/manifest.json (${counts.length} tasks)` };
}
