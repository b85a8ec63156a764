import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../util/errors.js";
import type { Plan } from "./plan.js";
import { estimateCost } from "./summary.js";
import { readMeasuredThroughput } from "./throughput.js";

const bench = (device: string) => ({
  device,
  reference: { train_samples_per_s: 1.8, mfu: 0.006, peak_mem_gb: 59, gen_prompts_per_s: 3 },
  engine: {
    train_samples_per_s: 40,
    mfu: 0.4,
    peak_mem_gb: 70,
    gen_prompts_per_s: 90,
    per_run_overhead_s: 1.2,
  },
  ratios: { train: 22, gen: 30 },
  meta: { date: "2026-12-01", model: "t5-xl-shape", steps: 8 },
});

async function file(value: unknown): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), "ql-bench-")), "bench.json");
  await writeFile(path, typeof value === "string" ? value : JSON.stringify(value));
  return path;
}

describe("measured throughput for the cost estimate", () => {
  it("reads a GPU bench file and names its source", async () => {
    const m = await readMeasuredThroughput(await file(bench("cuda: NVIDIA H100 80GB HBM3")));
    expect(m).toEqual({
      samples_per_s: 40,
      gen_prompts_per_s: 90,
      source: "measured: t5-xl-shape on NVIDIA H100 80GB HBM3, 2026-12-01",
    });
  });

  it("refuses CPU figures, malformed files and a missing explicit file", async () => {
    await expect(readMeasuredThroughput(await file(bench("cpu: 2 cores")))).rejects.toThrow(/not a GPU/);
    await expect(readMeasuredThroughput(await file({ device: "cuda" }))).rejects.toThrow(UserError);
    await expect(readMeasuredThroughput(await file("{oops"))).rejects.toThrow(/not a bench result/);
    await expect(readMeasuredThroughput("/nonexistent/bench.json")).rejects.toThrow(/cannot read/);
  });

  it("uses the measured generation rate instead of the factor guess", () => {
    const plan = { totals: { train_sample_passes: 144_000, eval_instances: 36_000 } } as Plan;
    expect(estimateCost(plan, 40, 90)).toEqual({
      samples_per_s: 40,
      train_gpu_hours: 1,
      eval_gpu_hours: 36_000 / 90 / 3600,
      gpu_hours: 1 + 36_000 / 90 / 3600,
    });
    expect(estimateCost(plan, 40).eval_gpu_hours).toBeCloseTo((36_000 * 2) / 40 / 3600);
  });
});
