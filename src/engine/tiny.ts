import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, resolve } from "node:path";
import { engineDir, venvPython } from "../util/paths.js";
import { EngineError } from "./errors.js";

/** Architectures of tiny models: a seq2seq T5 and two causal LMs (Qwen2 is Llama with q/k/v biases). */
export const TINY_ARCHS = ["t5", "llama", "qwen2"] as const;
export type TinyArch = (typeof TINY_ARCHS)[number];

export interface TinyModelOptions {
  arch: TinyArch;
  out: string;
  /** A SuperNI checkout (tasks/*.json) or a `data build` folder (*.jsonl) to train the tokenizer on. */
  corpus?: string;
  vocabSize?: number;
  seed?: number;
  /** Dropout of the tiny model (default 0: memorises faster). */
  dropout?: number;
  /** Replace `out` even when it holds something other than an earlier tiny model. */
  force?: boolean;
  /** Give the tokenizer a ChatML chat template (causal LMs), for `template: chat` runs. */
  chatTemplate?: boolean;
  python?: string;
}

export interface TinyModelInfo {
  out: string;
  arch: TinyArch;
  vocab_size: number;
  parameters: number;
  chat_template: boolean;
}

/** Make a small randomly initialised model + trained tokenizer in Hugging Face layout (no hub needed). */
export async function makeTinyModel(opts: TinyModelOptions): Promise<TinyModelInfo> {
  const python = opts.python ?? venvPython();
  if (!existsSync(python)) {
    throw new EngineError(
      "python_not_found",
      `the engine's Python environment is missing (${python})`,
      "run `bash scripts/setup.sh` to create .venv",
    );
  }
  // Resolved here: `missing/..` names the folder above, although the filesystem cannot walk through `missing`.
  const args = ["-m", "quicklearn_engine.tiny", "--arch", opts.arch, "--out", resolve(opts.out)];
  if (opts.corpus !== undefined) args.push("--corpus", opts.corpus);
  if (opts.vocabSize !== undefined) args.push("--vocab-size", String(opts.vocabSize));
  if (opts.seed !== undefined) args.push("--seed", String(opts.seed));
  if (opts.dropout !== undefined) args.push("--dropout", String(opts.dropout));
  if (opts.force) args.push("--force");
  if (opts.chatTemplate) args.push("--chat-template");
  const env = { ...process.env, PYTHONPATH: [engineDir, process.env.PYTHONPATH].filter(Boolean).join(delimiter) };
  const child = spawn(python, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", resolve);
  });
  const last = stdout.trim().split("\n").pop() ?? "";
  let parsed: { error?: { code: string; message: string } } & Partial<TinyModelInfo>;
  try {
    parsed = JSON.parse(last);
  } catch {
    throw new EngineError("internal", `making the tiny model failed (exit ${code}): ${stderr.trim().split("\n").slice(-5).join(" | ")}`);
  }
  if (parsed.error) throw new EngineError(parsed.error.code, parsed.error.message);
  return parsed as TinyModelInfo;
}
