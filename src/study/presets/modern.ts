import { TRACKING_LINE } from "./tracking.js";

/**
 * The `modern` preset: the thesis's question asked of a model family in use today, a base model against its
 * instruct sibling, each fine-tuned in full and with LoRA. Commented YAML, like every preset (presets.ts).
 */
export const MODERN = `# quicklearn study: how many labels does today's instruct model need to match its base model fine-tuned on more?
# A base model against its instruct sibling, each fine-tuned in full and with LoRA, single- and multi-task,
# at 10, 50, 100, 500 and all training instances per task, plus the instruct model without fine-tuning.
# Reference: docs/studies.md (every field), docs/own-tasks.md (the same study on your own task).
name: modern
description: "Qwen2.5-0.5B against Qwen2.5-0.5B-Instruct (chat template), full fine-tuning and LoRA, STL and MTL."

# SuperNI checkout, or a collection built with \`quicklearn task import\`; \`--superni DIR\` overrides it.
superni: null
# "test": the checkout's default test tasks (the 119 of SuperNI, or every task imported into a collection).
tasks: test
data_seed: 42
seeds: [42]
${TRACKING_LINE}

# Hub ids are unpinned (\`plan\` notes it): pin each to a snapshot with org/name@<commit> for a study that must
# not change under you (docs/studies.md, an arm's \`model\`).
#
# A common recipe for full fine-tuning of a 0.5B causal LM (LoRA arms raise the learning rate below): AdamW,
# lr 2e-5 constant, 3 epochs (a 10-example budget gets a few optimizer steps at all), effective batch 8,
# prompts cut at 1,024 tokens, targets at 128, bf16.
hyperparameters:
  epochs: 3
  learning_rate: 2.0e-5
  lr_schedule: constant
  warmup_steps: 0
  effective_batch_size: 8
  optimizer: adamw
  max_source_length: 1024
  max_target_length: 128
  precision: bf16
  checkpoint_every_steps: 1000

# Greedy decoding up to 128 new tokens; SuperNI's own scoring (the max over all references). The headline
# metric is ROUGE-L; \`metric: exact_match\` suits tasks whose answers are labels (every run also scores
# rouge1 and exact_match, so switching reruns nothing).
evaluation:
  variant: superni
  metric: rougeL
  max_new_tokens: 128
  num_beams: 1

# As in the thesis, the instruct model sees the task's instructions (definition and two positive examples)
# and the base model the input alone; the instruct model's prompt is rendered with its chat template (the
# encoded prompt is the user message, the answer the assistant message), the way it was tuned.
# Base arms are the baselines (10 to 500 per task) and the supervised reference (all data); each is matched
# against the instruct arm trained the same way (full against full, LoRA against LoRA).
arms:
  - name: instruct
    label: Qwen2.5-0.5B-Instruct, full fine-tuning
    role: instruction-tuned
    model: Qwen/Qwen2.5-0.5B-Instruct
    encoding: thesis-def-pos
    template: chat
    settings: [stl, mtl]
    budgets: [10, 50, 100, 500, all]

  # LoRA trains small adapters over frozen weights (r 16, alpha 32, on peft's default modules for the
  # architecture: the query and value projections), at the higher learning rate adapters take.
  - name: instruct-lora
    label: Qwen2.5-0.5B-Instruct, LoRA
    role: instruction-tuned
    model: Qwen/Qwen2.5-0.5B-Instruct
    encoding: thesis-def-pos
    template: chat
    settings: [stl, mtl]
    budgets: [10, 50, 100, 500, all]
    hyperparameters: { learning_rate: 2.0e-4, lora: { r: 16, alpha: 32, dropout: 0.05 } }

  - name: base
    label: Qwen2.5-0.5B, full fine-tuning, no instructions
    role: baseline
    model: Qwen/Qwen2.5-0.5B
    encoding: plain
    settings: [stl, mtl]
    budgets: [10, 50, 100, 500]

  - name: base-lora
    label: Qwen2.5-0.5B, LoRA, no instructions
    role: baseline
    model: Qwen/Qwen2.5-0.5B
    encoding: plain
    settings: [stl, mtl]
    budgets: [10, 50, 100, 500]
    hyperparameters: { learning_rate: 2.0e-4, lora: { r: 16, alpha: 32, dropout: 0.05 } }

  # The supervised reference: the base model on all training data (the thesis's baseline 3).
  - name: supervised
    label: Qwen2.5-0.5B, full fine-tuning, all data (supervised)
    role: supervised
    model: Qwen/Qwen2.5-0.5B
    encoding: plain
    settings: [stl, mtl]
    budgets: [all]

  - name: supervised-lora
    label: Qwen2.5-0.5B, LoRA, all data (supervised)
    role: supervised
    model: Qwen/Qwen2.5-0.5B
    encoding: plain
    settings: [stl, mtl]
    budgets: [all]
    hyperparameters: { learning_rate: 2.0e-4, lora: { r: 16, alpha: 32, dropout: 0.05 } }

  # The instruct model as shipped, no fine-tuning on the study's tasks.
  - name: zero-shot
    label: Qwen2.5-0.5B-Instruct, no fine-tuning
    role: zero-shot
    model: Qwen/Qwen2.5-0.5B-Instruct
    encoding: thesis-def-pos
    template: chat
    settings: [eval]
`;
