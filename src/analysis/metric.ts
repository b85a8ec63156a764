import type { Metric } from "../study/spec.js";

/**
 * The headline metric's name as reports write it: the one place that names it, so that a study scored by
 * exact match never shows a "ROUGE-L" header (issue 15).
 */
const LABELS: Record<Metric, string> = {
  rougeL: "ROUGE-L",
  rouge1: "ROUGE-1",
  exact_match: "exact match",
};

export function metricLabel(metric: Metric): string {
  return LABELS[metric];
}

/** How the overall figures are aggregated, for the report's method notes. */
export function aggregationText(metric: Metric): string {
  return `${metricLabel(metric)} × 100, macro-averaged: the mean over tasks of each task's mean over its test instances (the thesis's aggregation); micro = mean over all instances.`;
}

/** The label at the start of a title or caption ("Exact match per condition"). */
export function metricTitle(metric: Metric): string {
  const label = metricLabel(metric);
  return label.charAt(0).toUpperCase() + label.slice(1);
}
