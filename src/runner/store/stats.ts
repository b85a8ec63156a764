import { z } from "zod";

/**
 * runs/<id>/stats.json as the engine writes it (engine/quicklearn_engine/run.py). Only the fields that
 * TypeScript reads are typed; the rest (timings, throughput, distributed) passes through untouched.
 */

/** One task's (or the phase total's) counts (engine/quicklearn_engine/data.py `Truncation`). */
export const TruncationCounts = z.object({
  rows: z.number().int().min(0),
  truncated_sources: z.number().int().min(0),
  truncated_targets: z.number().int().min(0),
  dropped_examples: z.number().int().min(0).default(0),
});
export type TruncationCounts = z.infer<typeof TruncationCounts>;

/** `train.truncation` / `eval.truncation`: the phase's total and every task's counts. */
export const PhaseTruncation = z.object({
  total: TruncationCounts,
  tasks: z.record(z.string(), TruncationCounts),
});
export type PhaseTruncation = z.infer<typeof PhaseTruncation>;

const Phase = z.looseObject({ truncation: PhaseTruncation });

export const RunStats = z.looseObject({
  train: Phase.optional(),
  eval: Phase.optional(),
});
export type RunStats = z.infer<typeof RunStats>;

/** A phase's truncation from per-task counts, with the total the engine adds (for writers other than the engine). */
export function phaseTruncation(tasks: Record<string, TruncationCounts>): PhaseTruncation {
  const total = { rows: 0, truncated_sources: 0, truncated_targets: 0, dropped_examples: 0 };
  for (const c of Object.values(tasks))
    for (const k of Object.keys(total) as (keyof TruncationCounts)[]) total[k] += c[k];
  return { total, tasks };
}
