import { EngineError } from "./errors.js";
import { enginePython, spawnEngine } from "./process.js";
import type { TRACKERS } from "./spec.js";

/**
 * The engine's preflight (engine/quicklearn_engine/check.py): that the GPUs asked for exist, that each
 * model's config, tokenizer and weight files are whole, read at metadata level, and that the packages the
 * runs' trackers write with are installed. Python does it because the answers are transformers', torch's and
 * the engine's Python's own (AutoConfig, AutoTokenizer, CUDA, importlib), not a guess from here.
 */

/**
 * One finding of a preflight check ("device", "model", "tokenizer", "weights", "template", "tracking"; the
 * runner adds more).
 */
export interface Finding {
  check: string;
  target: string;
  ok: boolean;
  message: string;
}

/** A weights finding also counts the model: what disk-space estimates start from. */
export interface EngineFinding extends Finding {
  parameters?: number;
  weight_bytes?: number;
}

export interface EngineCheckOptions {
  /** Model folders or hub ids. */
  models: string[];
  /** Those of them that runs use with `template: chat`: each must have a chat template. */
  chatModels?: string[];
  /** GPU indices that must exist (physical: each worker gets one as CUDA_VISIBLE_DEVICES). */
  gpus?: readonly number[];
  /** Trackers the runs write to (their `tracking`): each one's package must be installed. */
  trackers?: readonly (typeof TRACKERS)[number][];
  python?: string;
  env?: Record<string, string>;
}

export async function checkEngineInputs(opts: EngineCheckOptions): Promise<EngineFinding[]> {
  const args = ["-m", "quicklearn_engine.check", ...opts.models.flatMap((m) => ["--model", m])];
  for (const m of opts.chatModels ?? []) args.push("--chat-model", m);
  if (opts.gpus?.length) args.push("--gpus", opts.gpus.join(","));
  for (const t of opts.trackers ?? []) args.push("--tracker", t);
  const findings: EngineFinding[] = [];
  const proc = spawnEngine(enginePython(opts.python), args, {
    env: opts.env,
    stdin: "ignore",
    onEvent: (e) => {
      if ((e.type as string) === "finding") findings.push(withoutType(e as unknown as EngineFinding));
    },
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    proc.child.once("error", (e) =>
      reject(new EngineError("worker_start_failed", `cannot start the engine's check: ${e.message}`)),
    );
    proc.child.once("close", resolve);
  });
  if (code !== 0)
    throw new EngineError(
      "internal",
      `the engine's check exited with code ${code}${proc.stderrSummary()}`,
    );
  return findings;
}

function withoutType(e: EngineFinding & { type?: string }): EngineFinding {
  const { type: _type, ...rest } = e;
  return rest;
}
