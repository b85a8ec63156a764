import { z } from "zod";
import type { Plan, PlannedRun } from "../../study/plan.js";
import { METRICS, ROLES, SETTINGS } from "../../study/spec.js";

/**
 * The files of a study directory that are JSON documents, as typed schemas (docs/architecture.md, "Study
 * directory"). Only src/runner/store reads or writes them; everything else asks the store.
 */

/** A planned run's public record: an entry of plan.json's "runs" (and of `quicklearn plan --json`). */
export const RunRecord = z.object({
  id: z.string().min(1),
  arm: z.string().min(1),
  setting: z.enum(SETTINGS),
  task: z.string().nullable(),
  budget: z.string().nullable(),
  model: z.string().min(1),
  encoding: z.string().min(1),
  depends_on: z.array(z.string()),
  seed: z.number().int(),
  /** Data replicate (docs/data.md); plans written before replicates existed have none: 0. */
  replicate: z.number().int().min(0).default(0),
});
export type RunRecord = z.infer<typeof RunRecord>;

/** runs/<id>/run.json: the public record plus what a worker needs beside the engine spec. */
export const RunFile = RunRecord.extend({
  /** Scorer variant for this run's predictions. */
  variant: z.string().min(1),
  /** Tasks whose test split this run predicts (empty for pre-finetune runs). */
  eval_tasks: z.array(z.string()),
});
export type RunFile = z.infer<typeof RunFile>;

export const PlanArm = z.object({
  name: z.string().min(1),
  label: z.string().min(1),
  role: z.enum(ROLES),
  model: z.string().min(1),
  encoding: z.string().min(1),
  prefinetune: z.string().nullable(),
  /** `full` or `lora`; plans written before it existed have none, and every arm there trained in full. */
  finetuning: z.enum(["full", "lora"]).optional(),
});

/** Where a searched curve stands: still searching, or why it stopped (src/analysis/search, decide). */
export const SEARCH_STATES = ["running", "converged", "max_rounds", "unreachable", "at_min_budget"] as const;

/** A budget a search ran, in the round that chose it, and why. */
export const SearchRound = z.object({
  round: z.number().int().min(0),
  /** The curve's key: `arm/setting`, or `arm/setting/task` for a per-task search. */
  curve: z.string().min(1),
  budget: z.string().min(1),
  reason: z.string(),
});

/** A searched curve: its state, its answer so far, and what it cost beside the dense grid. */
export const SearchCurve = z.object({
  curve: z.string().min(1),
  arm: z.string().min(1),
  setting: z.enum(["stl", "mtl"]),
  task: z.string().nullable(),
  state: z.enum(SEARCH_STATES),
  /** The curve's latest round (0: the starting design). */
  round: z.number().int().min(0),
  /** The budget at which the curve reaches the target, once stopped (null: not reached or not fitted). */
  budget: z.number().nullable(),
  /** Its interval; a null end: beyond every resample (the target never reached there). */
  ci: z.tuple([z.number().nullable(), z.number().nullable()]).nullable(),
  reason: z.string(),
  runs: z.number().int().min(0),
  train_sample_passes: z.number().min(0),
  /** What the dense grid (10, 20, 50, 100, 200, 500, 1000, all) of this curve costs on the same data. */
  grid_train_sample_passes: z.number().min(0),
});

/** What a search's target names: an absolute score, or a share (1: all of it) of a run's measured score. */
export const SearchTargetRef = z.union([
  z.strictObject({ score: z.number() }),
  z.strictObject({
    arm: z.string().min(1),
    setting: z.enum(["stl", "mtl", "eval"]),
    /** null: an eval (zero-shot) run. */
    budget: z.string().nullable(),
    share: z.number().gt(0).max(1),
  }),
]);
export type SearchTargetRef = z.infer<typeof SearchTargetRef>;

/** plan.json's record of an adaptive budget search (issue 17): its rounds so far and every curve's state. */
export const SearchRecord = z.object({
  /** The target in words, e.g. "B3 stl at all" or "95 % of B3 stl at all". */
  target: z.string(),
  /** The same target as data (records written before it existed have only the words). */
  target_ref: SearchTargetRef.optional(),
  max_rounds: z.number().int().min(1),
  curves: z.array(SearchCurve),
  rounds: z.array(SearchRound),
  /** The most the search can cost (every round to max_rounds at max_budget): what `plan` shows. */
  worst_case: z.object({ runs: z.number().int().min(0), train_sample_passes: z.number().min(0) }),
});
export type SearchRecord = z.infer<typeof SearchRecord>;

/** plan.json: the expanded DAG, the same document as `quicklearn plan --json`. */
export const PlanFile = z.object({
  study: z.object({ name: z.string().min(1), description: z.string().optional() }),
  preset: z.string().nullable(),
  /** The study's headline metric (evaluation.metric); plans written before it existed took ROUGE-L. */
  metric: z.enum(METRICS).default("rougeL"),
  arms: z.array(PlanArm),
  runs: z.array(RunRecord),
  totals: z.looseObject({ runs: z.number().int().min(0) }),
  /** Only a study with a search block has one (a grid study's plan.json is as before). */
  search: SearchRecord.optional(),
});
export type PlanFile = z.infer<typeof PlanFile>;

export const RUN_STATUSES = ["pending", "running", "done", "failed"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** runs/<id>/state.json: where a run stands. */
export const RunState = z.object({
  status: z.enum(RUN_STATUSES),
  /** Executions started (a crash or Ctrl-C in the middle counts too). */
  attempts: z.number().int().min(0),
  error: z.string().optional(),
  /** sha256 of every output file (relative path -> hash), recorded when the run is done. */
  hashes: z.record(z.string(), z.string()).optional(),
  /** sha256 of the engine's outputs, recorded once the engine finished: a crash before scoring skips the engine. */
  engine_outputs: z.record(z.string(), z.string()).optional(),
  worker: z.object({ host: z.string(), pid: z.number().int(), device: z.string() }).optional(),
  updated: z.string(),
});
export type RunState = z.infer<typeof RunState>;

/** plan.json's document for a plan (internal fields such as engine specs and volumes per run left out). */
export function planFile(plan: Plan, search?: SearchRecord): PlanFile {
  return {
    study: plan.study,
    preset: plan.preset,
    metric: plan.metric,
    arms: plan.arms,
    runs: plan.runs.map(runRecord),
    totals: { ...plan.totals },
    ...(search ? { search } : {}),
  };
}

/** A planned run's public record: its fields of RunRecord (zod's object drops the planner's own). */
export function runRecord(r: PlannedRun): RunRecord {
  return RunRecord.parse(r);
}

export function runFile(r: PlannedRun): RunFile {
  return RunFile.parse(r);
}
