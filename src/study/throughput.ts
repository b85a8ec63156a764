import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { UserError } from "../util/errors.js";
import { assetsDir } from "../util/paths.js";

/**
 * Measured engine throughput for the cost estimate: the JSON that
 * `python -m quicklearn_engine.bench --model t5-xl-shape --out FILE` writes on a GPU (docs/performance.md).
 * The shipped file, once a GPU run has produced it, lives at DEFAULT_BENCH_FILE.
 */
export const DEFAULT_BENCH_FILE = join(assetsDir, "performance", "engine-bench.json");

const Side = z.object({
  train_samples_per_s: z.number().positive(),
  gen_prompts_per_s: z.number().positive(),
});
const BenchFile = z.object({
  device: z.string(),
  engine: Side,
  meta: z.object({ date: z.string(), model: z.string() }).loose(),
});

export interface MeasuredThroughput {
  samples_per_s: number;
  gen_prompts_per_s: number;
  /** Where the figures come from, printed beside the estimate: file, model shape, device, date. */
  source: string;
}

/**
 * The engine's measured figures from a bench file; null when `file` is omitted and no shipped measurement
 * exists. Only GPU measurements count: CPU figures would put a study at thousands of GPU-hours.
 */
export async function readMeasuredThroughput(file?: string): Promise<MeasuredThroughput | null> {
  const path = file ?? DEFAULT_BENCH_FILE;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if (file === undefined && (e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new UserError(`${path}: cannot read the bench file (${(e as Error).message})`);
  }
  let parsed: z.infer<typeof BenchFile>;
  try {
    parsed = BenchFile.parse(JSON.parse(text));
  } catch (e) {
    const why =
      e instanceof z.ZodError ? (e.issues[0]?.path.join(".") ?? "") + ": " + e.issues[0]?.message : String(e);
    throw new UserError(
      `${path}: not a bench result (${why})`,
      "write one with: python -m quicklearn_engine.bench --model t5-xl-shape --out FILE",
    );
  }
  if (!parsed.device.startsWith("cuda")) {
    throw new UserError(
      `${path}: measured on ${parsed.device}, not a GPU; the cost estimate needs GPU figures`,
      "run the bench on a CUDA GPU, or give --samples-per-s",
    );
  }
  return {
    samples_per_s: parsed.engine.train_samples_per_s,
    gen_prompts_per_s: parsed.engine.gen_prompts_per_s,
    source: `measured: ${parsed.meta.model} on ${parsed.device.replace(/^cuda: /, "")}, ${parsed.meta.date}`,
  };
}
