import type { SearchRow } from "./search-rows.js";
import type { BootstrapOptions } from "./bootstrap.js";
import type { CurveSection } from "./curve-rows.js";
import type { EffectKind } from "./design.js";
import type { ReportGroup } from "./groups.js";
import { aggregationText } from "./metric.js";
import type { ArmRole, Metric, Truncation } from "./types.js";

/** What the analysis returns: plain rows of numbers that every report format words in its own way. */

export type Interval = [number, number];

/** The aggregation of a ROUGE-L study (aggregationText words it for any metric). */
export const AGGREGATION = aggregationText("rougeL");

export interface ConditionRef {
  arm: string;
  setting: string;
  budget: string | null;
}

export interface OverallRow extends ConditionRef {
  key: string;
  label: string;
  role: ArmRole;
  rougeL: number;
  ci: Interval;
  micro: number;
  n_tasks: number;
  n_instances: number;
  seeds: number;
  /** Draws of the training examples (the study's data_replicates; 1 for `all` and zero-shot). */
  data_replicates: number;
  /** The thesis's figure for this condition (thesis preset only). */
  published: number | null;
}

export interface GroupRow extends ConditionRef {
  key: string;
  group: ReportGroup;
  rougeL: number;
  ci: Interval;
  n_tasks: number;
  published: number | null;
}

export interface TaskCell {
  rougeL: number;
  ci: Interval;
  n_instances: number;
  truncation: Truncation | null;
}

export interface TaskRow {
  task: string;
  category: string;
  group: ReportGroup;
  /** By condition key; absent when the condition has not scored the task. */
  cells: Record<string, TaskCell>;
}

export interface CurvePoint extends ConditionRef {
  key: string;
  label: string;
  role: ArmRole;
  /** Training samples per task (the budget's axis position); null for zero-shot. */
  x: number | null;
  rougeL: number;
  ci: Interval;
}

export interface MatchingRow {
  arm: string;
  setting: string;
  baseline: string;
  baseline_setting: string;
  baseline_budget: string;
  baseline_rougeL: number;
  /** Interpolated training samples per task at which the curve reaches the baseline; null if not reached. */
  budget_per_task: number | null;
  /** budget_per_task / the baseline's budget (its axis position); null if not reached. */
  share_of_baseline: number | null;
  /** The curve is already at the baseline at its smallest measured budget (the match may lie lower). */
  at_first_budget: boolean;
  /** 95 % bootstrap interval of the share; an end is null where the resamples do not reach the baseline. */
  share_ci: [number | null, number | null];
  /** Share of bootstrap resamples in which the curve reaches the baseline within the measured budgets. */
  reached_in: number;
  /** The interval supports the match: reached in at least 97.5 % of resamples. */
  supported: boolean;
}

export interface EffectRow {
  effect: EffectKind;
  title: string;
  a: ConditionRef & { label: string };
  b: ConditionRef & { label: string };
  a_rougeL: number;
  b_rougeL: number;
  diff: number;
  ci: Interval;
  n_tasks: number;
  verdict: "higher" | "lower" | "inconclusive";
}

export interface Analysis {
  study: {
    name: string;
    description: string | null;
    preset: string | null;
    runs_done: number;
    runs_total: number;
    runs_failed: number;
  };
  /**
   * The headline metric (the spec's evaluation.metric): every figure named `rougeL` in these rows holds
   * this metric's value (×100), so that the rows keep one shape whatever the metric.
   */
  metric: Metric;
  aggregation: string;
  bootstrap: BootstrapOptions;
  budget_axis: { all_position: number; all_source: string };
  conditions: (ConditionRef & { key: string; label: string; role: ArmRole })[];
  overall: OverallRow[];
  groups: GroupRow[];
  tasks: TaskRow[];
  curve_points: CurvePoint[];
  matching: MatchingRow[];
  effects: EffectRow[];
  /** Learning-curve fits, queries, bands and worth in examples (null when the analysis was asked without). */
  curves: CurveSection | null;
  /** The thesis's claims recomputed from its published overall figures (thesis preset only). */
  published_claims: PublishedClaims | null;
  notes: string[];
  /** An adaptive budget search's curves (absent: a grid study). */
  search?: SearchRow[];
}

/** A matching budget computed from the thesis's published figures (no intervals: they have none). */
export type PublishedMatch = Pick<
  MatchingRow,
  | "setting"
  | "baseline"
  | "baseline_setting"
  | "baseline_budget"
  | "baseline_rougeL"
  | "budget_per_task"
  | "share_of_baseline"
  | "at_first_budget"
> & { baseline_label: string };

export interface PublishedEffect {
  effect: EffectKind;
  a: ConditionRef & { label: string };
  b: ConditionRef & { label: string };
  diff: number;
}

export interface PublishedClaims {
  matching: PublishedMatch[];
  effects: PublishedEffect[];
}
