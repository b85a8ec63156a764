import type { Plan } from "./plan.js";
import type { MeasuredThroughput } from "./throughput.js";

/**
 * Training throughput assumed for the cost estimate when the user gives no `--samples-per-s`: training
 * samples per second on one GPU for a 3B T5 in bf16 with thesis-length prompts. It is an assumption
 * (docs/studies.md, "Cost estimate"), printed beside every estimate so nobody mistakes it for a measurement.
 */
export const DEFAULT_SAMPLES_PER_S = 20;
/** Generation is slower per instance than a training step (up to 128 decoding steps, greedy). */
export const GENERATION_COST_FACTOR = 2;

export interface CostEstimate {
  samples_per_s: number;
  train_gpu_hours: number;
  eval_gpu_hours: number;
  gpu_hours: number;
}

/** GPU-hours; with a measured generation rate (prompts/s) it replaces the GENERATION_COST_FACTOR guess. */
export function estimateCost(
  plan: Plan,
  samplesPerS = DEFAULT_SAMPLES_PER_S,
  genPerS?: number,
): CostEstimate {
  const train = plan.totals.train_sample_passes / samplesPerS / 3600;
  const evalH =
    genPerS === undefined
      ? (plan.totals.eval_instances * GENERATION_COST_FACTOR) / samplesPerS / 3600
      : plan.totals.eval_instances / genPerS / 3600;
  return {
    samples_per_s: samplesPerS,
    train_gpu_hours: train,
    eval_gpu_hours: evalH,
    gpu_hours: train + evalH,
  };
}

/** The human `quicklearn plan` output: the grid (arm x setting x budget) with counts and volumes, then the cost. */
export function planSummary(plan: Plan, samplesPerS?: number, measured?: MeasuredThroughput | null): string {
  const rows = new Map<
    string,
    { arm: string; setting: string; budget: string; runs: number; passes: number; tokens: number }
  >();
  for (const r of plan.runs) {
    const key = `${r.arm}\0${r.setting}\0${r.budget ?? "-"}`;
    const row = rows.get(key) ?? {
      arm: r.arm,
      setting: r.setting,
      budget: r.budget ?? "-",
      runs: 0,
      passes: 0,
      tokens: 0,
    };
    row.runs++;
    row.passes += r.train_sample_passes;
    row.tokens += r.source_tokens;
    rows.set(key, row);
  }
  const roles = new Map(plan.arms.map((a) => [a.name, a.role]));
  const header = ["arm", "role", "setting", "budget", "runs", "train sample passes", "source tokens"];
  const body = [...rows.values()].map((r) => [
    r.arm,
    roles.get(r.arm) ?? "",
    r.setting,
    r.budget,
    fmt(r.runs),
    fmt(r.passes),
    human(r.tokens),
  ]);
  const t = plan.totals;
  body.push(["total", "", "", "", fmt(t.runs), fmt(t.train_sample_passes), human(t.source_tokens)]);
  // --samples-per-s wins; else the engine's measured figures (bench file); else the stated assumption.
  const useMeasured = samplesPerS === undefined && measured ? measured : undefined;
  const cost = useMeasured
    ? estimateCost(plan, useMeasured.samples_per_s, useMeasured.gen_prompts_per_s)
    : estimateCost(plan, samplesPerS);
  const basis = useMeasured
    ? ` (${useMeasured.source}; generation at ${useMeasured.gen_prompts_per_s} prompts/s)`
    : samplesPerS === undefined
      ? " (assumed; set --samples-per-s to your measured figure)"
      : "";
  const lines = [
    `study ${plan.study.name}${plan.preset ? ` (preset ${plan.preset})` : ""}: ${plan.arms.length} arms, ${t.runs} runs`,
    "",
    table(header, body),
    "",
    `runs by setting: stl ${t.by_setting.stl}, mtl ${t.by_setting.mtl}, prefinetune ${t.by_setting.prefinetune}, eval ${t.by_setting.eval}`,
    `headline metric: ${plan.metric} (evaluation.metric; every run scores rougeL, rouge1 and exact_match)`,
    `training: ${fmt(t.train_sample_passes)} sample passes, ~${human(t.source_tokens)} source tokens; evaluation: ${fmt(t.eval_instances)} generated instances`,
    `cost: ~${cost.gpu_hours.toFixed(1)} GPU-hours (${cost.train_gpu_hours.toFixed(1)} training + ${cost.eval_gpu_hours.toFixed(1)} generation) at ${cost.samples_per_s} samples/s per GPU` +
      basis,
  ];
  if (t.estimated)
    lines.push(
      // The pre-finetuning task count is part of the estimate only for a study that pre-finetunes.
      `sizes estimated from the thesis's figures (3,149 train instances per task on average${t.by_setting.prefinetune > 0 ? ", 757 pre-finetuning tasks" : ""}); pass --superni DIR for exact counts`,
    );
  return lines.join("\n");
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i < 4 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function fmt(n: number): string {
  return n.toLocaleString("en-US");
}

function human(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}
