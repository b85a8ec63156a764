import type { TruncationCounts } from "../runner/store/stats.js";
import type { ReportGroup } from "./groups.js";

import type { RunStatus, SearchRecord } from "../runner/store/files.js";
import type { Metric, Role } from "../study/spec.js";

/** The roles and run statuses are declared once (src/study/spec.ts, src/runner/store/files.ts). */
export type ArmRole = Role;
export type { Metric };
export type { RunStatus };

export interface StudyArm {
  name: string;
  label: string;
  role: ArmRole;
  model: string;
  encoding: string;
  prefinetune: string | null;
  /** `lora` for an arm that trains LoRA adapters; absent or `full`: every weight. */
  finetuning?: "full" | "lora";
}

export interface StudyRun {
  id: string;
  arm: string;
  /** stl | mtl | prefinetune | eval */
  setting: string;
  task: string | null;
  /** "100", "1000", "all", "1%"; null for evaluation-only and pre-finetune runs. */
  budget: string | null;
  seed: number;
  /** Data replicate of its training examples (0: the train split's prefix). */
  replicate: number;
  status: RunStatus;
}

export interface InstanceScore {
  task: string;
  id: string;
  category: string;
  rougeL: number;
  rouge1?: number;
  exact_match?: number;
}

/** A task's truncation counts in one run, per phase (null: the run had no such phase for the task). */
export interface Truncation {
  train: TruncationCounts | null;
  eval: TruncationCounts | null;
}

/** A finished run with its per-instance scores. */
export interface RunResult {
  run: StudyRun;
  scores: InstanceScore[];
  /** Per task: how many sources/targets the engine truncated in training and evaluation. */
  truncation: Record<string, Truncation>;
}

/** Everything the analysis needs from a study directory, read once. */
export interface StudyResults {
  dir: string;
  name: string;
  /** The spec's free-text description (null or absent: none). */
  description?: string | null;
  preset: string | null;
  /** The headline metric (the spec's evaluation.metric); absent: ROUGE-L. */
  metric?: Metric;
  arms: StudyArm[];
  /** Every planned run with its current status. */
  runs: StudyRun[];
  /** Finished runs that produce scores (pre-finetune runs have none). */
  results: RunResult[];
  /** Mean per-task count of training instances under budget "all"; null when unknown. */
  meanTrainAll: number | null;
  /** Where meanTrainAll came from, for the report's method notes. */
  meanTrainAllSource: string;
  /** Things the reader should know (skipped runs, missing stats). */
  notes: string[];
  /** plan.json's record of an adaptive budget search (absent or null: a grid study). */
  search?: SearchRecord | null;
}

export type { ReportGroup };
