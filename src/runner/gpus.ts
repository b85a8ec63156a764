import { execFileSync } from "node:child_process";

/**
 * The GPUs this machine shows, for spreading a study's runs one worker per GPU when `--gpus` is not given.
 *
 * CUDA_VISIBLE_DEVICES, when set, is the user's choice and names physical GPUs; each worker gets one of its
 * entries as its own CUDA_VISIBLE_DEVICES. Else nvidia-smi lists the GPUs (NVIDIA's own tool: torch is not
 * loaded in this process). Returns the indices, [] for none, or null when they cannot be told apart by index
 * (UUIDs or MIG names in CUDA_VISIBLE_DEVICES): then one worker sees them all, as before.
 */
export function detectGpus(env: NodeJS.ProcessEnv = process.env): number[] | null {
  const visible = env.CUDA_VISIBLE_DEVICES;
  if (visible !== undefined) {
    const entries = visible
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    return entries.every((s) => /^\d+$/.test(s)) ? entries.map(Number) : null;
  }
  let listing: string;
  try {
    listing = execFileSync("nvidia-smi", ["--query-gpu=index", "--format=csv,noheader"], {
      env,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 15_000,
    });
  } catch {
    return []; // no nvidia-smi, or no driver: no NVIDIA GPU to spread over
  }
  return listing
    .split("\n")
    .map((s) => s.trim())
    .filter((s) => /^\d+$/.test(s))
    .map(Number);
}
