import { z } from "zod";

/**
 * The run spec: everything the Python engine needs for one run (train and/or generate).
 * Validated here before the worker sees it, and again in engine/quicklearn_engine/spec.py.
 * Defaults are the thesis recipe (lr 5e-5 constant, no warmup, 2 epochs, effective batch 12, bf16 on GPU).
 */
export const LoraSpec = z.strictObject({
  r: z.number().int().positive().default(16),
  alpha: z.number().positive().default(32),
  dropout: z.number().min(0).max(1).default(0.05),
  /** Module names to adapt; null lets the engine pick the architecture's attention projections. */
  target_modules: z.array(z.string()).nullable().default(null),
});

/**
 * The most epochs a run may train. Fine-tuning recipes take 1 to a few hundred passes; far beyond that a
 * value is a typo, and one like 1e12 would be planned as millions of GPU-hours and never end. Mirrored in
 * engine/quicklearn_engine/spec.py.
 */
export const MAX_EPOCHS = 10_000;

/** The training fields, before the cross-field rule (study specs derive their knobs from these). */
export const TrainFields = z.strictObject({
  /** JSONL files written by `data build` ({"id","task","category","source","target","references"}). */
  files: z.array(z.string()).min(1),
  epochs: z
    .number()
    .positive()
    .max(MAX_EPOCHS, {
      error: (issue) =>
        `at most ${MAX_EPOCHS.toLocaleString("en-US")} epochs (got ${Number(issue.input).toLocaleString("en-US")}): ` +
        "more passes over the same examples than any fine-tuning recipe takes, and a run that would not end",
    })
    .default(2),
  learning_rate: z.number().positive().default(5e-5),
  lr_schedule: z.enum(["constant", "linear", "cosine"]).default("constant"),
  warmup_steps: z.number().int().min(0).default(0),
  effective_batch_size: z.number().int().positive().default(12),
  /** Padded tokens (source + target) per micro-batch; batches are grouped by length under it. */
  max_tokens_per_batch: z.number().int().positive().default(16384),
  optimizer: z.enum(["adamw", "adafactor"]).default("adamw"),
  weight_decay: z.number().min(0).default(0),
  max_grad_norm: z.number().positive().nullable().default(1.0),
  lora: LoraSpec.nullable().default(null),
  /** Save a resumable checkpoint every N optimizer steps, and then not at epoch ends (0: at epoch ends). */
  checkpoint_every_steps: z.number().int().min(0).default(0),
  /** Write resumable checkpoints at all (false: a killed run restarts from step 0; saves disk time). */
  checkpoints: z.boolean().default(true),
  /** Recompute activations in the backward pass: less memory for large models, about a third slower. */
  gradient_checkpointing: z.boolean().default(false),
  /**
   * How several processes (torchrun) share the run: `ddp` keeps a full copy of weights, gradients and
   * optimizer state per process; `fsdp` shards them (FSDP2), for a model whose training state does not fit
   * one GPU. One process ignores it. Not part of the checkpoint fingerprint: it does not change the update.
   */
  parallel: z.enum(["ddp", "fsdp"]).default("ddp"),
});

export const TrainSpec = TrainFields.refine((t) => !(t.parallel === "fsdp" && t.lora), {
  path: ["parallel"],
  message: "'fsdp' with lora: LoRA trains a small adapter over a frozen base, so there is little to shard; use 'ddp'",
});

export const EvalSpec = z.strictObject({
  files: z.array(z.string()).min(1),
  max_new_tokens: z.number().int().positive().default(128),
  num_beams: z.number().int().positive().default(1),
  /** Prompts per generation batch (batches are sorted by length; predictions keep input order). */
  batch_size: z.number().int().positive().default(32),
  /** Decode with a preallocated (static) KV cache: the same tokens; pays only with compile / CUDA graphs. */
  static_cache: z.boolean().default(false),
});

/**
 * Where a run's train log also goes while it trains (docs/engine.md, "Experiment tracking"). MLflow is not
 * one: its file store is in maintenance mode (mlflow 3 refuses it without an opt-out) and its database
 * store wants one SQLite file shared by every run of a study, which concurrent workers on a network
 * filesystem do not share well; `tensorboard --logdir STUDY/runs` reads every run's own folder.
 */
export const TRACKERS = ["tensorboard"] as const;
export const Tracker = z.enum(TRACKERS);

export const RunSpec = z.strictObject({
  run_id: z.string().min(1),
  /** Hugging Face hub id or local directory of the base model. */
  model: z.string().min(1),
  /** A model directory saved by an earlier run (e.g. a pre-finetune) to start from instead of `model`. */
  init_from: z.string().nullable().default(null),
  /** Encoding the data files were built with; `tk-instruct` lets the engine drop overflowing examples. */
  encoding: z.string().default("thesis-def-pos"),
  max_source_length: z.number().int().positive().default(1024),
  max_target_length: z.number().int().positive().default(128),
  precision: z.enum(["auto", "bf16", "fp32"]).default("auto"),
  /**
   * Attention kernel (transformers' attn_implementation): `sdpa` (default; T5's relative position bias goes
   * in as an additive mask), `eager` (the matmul-softmax of older transformers), `flex_attention` (CUDA only,
   * and not for training a model with attention dropout: flex has none). docs/engine.md, "Attention kernels".
   */
  attention: z.enum(["sdpa", "eager", "flex_attention"]).default("sdpa"),
  /**
   * How a source and its target reach the model: `none` feeds the encoded text as is (the thesis); `chat`
   * (causal LMs whose tokenizer has a chat template) makes the source the user message and the target the
   * assistant message, rendered with the tokenizer's own template. A run-level field: training and generation
   * must see the same rendering. docs/engine.md, "Chat template".
   */
  template: z.enum(["none", "chat"]).default("none"),
  /** torch.compile the model (in place, dynamic shapes). Off by default: unmeasured on GPU so far. */
  compile: z.boolean().default(false),
  device: z.enum(["auto", "cpu", "cuda"]).default("auto"),
  seed: z.number().int().default(42),
  train: TrainSpec.nullable().default(null),
  eval: EvalSpec.nullable().default(null),
  output_dir: z.string().min(1),
  save_model: z.boolean().default(false),
  /**
   * Also write the train log, step by step, as TensorBoard event files (`output_dir/tensorboard/`). Off by
   * default; never part of a run's identity.
   */
  tracking: z
    .array(Tracker)
    .refine((t) => new Set(t).size === t.length, { message: "lists a tracker twice" })
    .default([]),
});

export type RunSpec = z.infer<typeof RunSpec>;
export type RunSpecInput = z.input<typeof RunSpec>;
export type TrainSpec = z.infer<typeof TrainSpec>;
export type EvalSpec = z.infer<typeof EvalSpec>;

/**
 * Fields that change how fast a run goes or how much memory it takes, not what it produces (recomputed
 * activations replay the same dropout masks): left out of a run's identity, so turning such a lever on for a
 * finished study reruns nothing. The attention kernel stays in: kernels sum in different orders.
 */
export function resultDeterminingSpec(spec: RunSpec): unknown {
  return {
    ...spec,
    // `none` is what every run did before the field existed: left out, so those runs keep their ids.
    template: spec.template === "none" ? undefined : spec.template,
    run_id: null,
    output_dir: null,
    device: null,
    compile: null,
    // Where the log is copied to, not what is trained: turning tracking on for a finished study reruns nothing.
    tracking: undefined,
    train: spec.train && { ...spec.train, parallel: null, gradient_checkpointing: null },
    eval: spec.eval && { ...spec.eval, static_cache: null },
  };
}
