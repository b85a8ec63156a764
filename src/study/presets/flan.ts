import { TRACKING_LINE } from "./tracking.js";

/**
 * The `flan` preset: the thesis's design with Flan-T5 as the instruction-tuned model and the T5 v1.1 it was
 * trained from as the base. Commented YAML, like every preset (presets.ts).
 */
export const FLAN = `# quicklearn study: the thesis's design (Gupta 2023) with Flan-T5 Large against T5 v1.1 Large, its base model.
# Reference: docs/studies.md (every field; the thesis preset this one mirrors, and what it leaves out).
name: flan
description: "The thesis's design with google/flan-t5-large (instruction-tuned) against google/t5-v1_1-large (base)."

# SuperNI checkout, or a collection built with \`quicklearn task import\`; \`--superni DIR\` overrides it.
superni: null
tasks: test
data_seed: 42
seeds: [42]
${TRACKING_LINE}

# Hub ids are unpinned (\`plan\` notes it): pin each to a snapshot with org/name@<commit> for a study that must
# not change under you (docs/studies.md, an arm's \`model\`).
#
# The thesis recipe, so that the figures compare with the thesis preset's: AdamW, lr 5e-5 constant, no warmup,
# 2 epochs, effective batch 12, sources cut at 1,024 tokens, targets at 128, bf16 (T5 v1.1 overflows in fp16).
hyperparameters:
  epochs: 2
  learning_rate: 5.0e-5
  lr_schedule: constant
  warmup_steps: 0
  effective_batch_size: 12
  optimizer: adamw
  max_source_length: 1024
  max_target_length: 128
  precision: bf16
  checkpoint_every_steps: 1000

# As the thesis: greedy decoding up to 128 new tokens, ROUGE-L against one reference (its own evaluation).
evaluation:
  variant: thesis
  max_new_tokens: 128
  num_beams: 1

# Left out of the thesis's design: its pre-finetune run and baseline 1 (the base model pre-finetuned on the
# SuperNI train tasks without instructions, then 200 instances per task). That control stands for "Tk-Instruct's
# training data, minus the instructions"; Flan-T5 was tuned on the much larger Flan 2022 collection, not on
# the SuperNI train split, so the control would not mirror it, and it would tie the preset to a checkout with
# train tasks where the other arms run on any collection (\`--superni DIR\`). Baseline 2 takes the thesis's
# 200 as a budget instead, without pre-finetuning. The Flan 2022 collection includes SuperNI tasks: Flan-T5
# may have seen some test tasks in its instruction tuning, and the zero-shot arm shows how much it knows.
arms:
  # Flan-T5 Large, prompts with the task definition and two positive examples.
  - name: inst
    label: Flan-T5 Large (instructions)
    role: instruction-tuned
    model: google/flan-t5-large
    encoding: thesis-def-pos
    settings: [stl, mtl]
    budgets: [100, 200, 1000, all]

  # Baseline 2: the base model, 200 and 1,000 instances per task, no instructions.
  - name: B2
    label: "B2: T5 v1.1 Large, 200 and 1000/task, no instructions"
    role: baseline
    model: google/t5-v1_1-large
    encoding: plain
    settings: [stl, mtl]
    budgets: [200, 1000]

  # Baseline 3 ("supervised"): the base model on all training data, single-task only.
  - name: B3
    label: "B3: T5 v1.1 Large, all data, no instructions (supervised)"
    role: supervised
    model: google/t5-v1_1-large
    encoding: plain
    settings: [stl]
    budgets: [all]

  # Flan-T5 without any fine-tuning on the test tasks.
  - name: zero-shot
    label: Flan-T5 Large, no fine-tuning
    role: zero-shot
    model: google/flan-t5-large
    encoding: thesis-def-pos
    settings: [eval]
`;
