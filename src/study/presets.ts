import { UserError } from "../util/errors.js";
import { FLAN } from "./presets/flan.js";
import { MODERN } from "./presets/modern.js";
import { TRACKING_LINE } from "./presets/tracking.js";
import { parseStudyYaml, type LoadedStudy } from "./spec.js";

/**
 * Presets are commented YAML: `quicklearn init --preset NAME` writes exactly this text, and
 * `--preset NAME` parses it, so the example a user edits is the spec that runs.
 * Every choice where the thesis is ambiguous is explained in docs/studies.md ("Thesis ambiguities").
 */

const THESIS = `# quicklearn study: the design of Gupta (2023), "Instruction Tuned Models Are Quick Learners".
# Reference: docs/studies.md (every field; where the thesis is ambiguous and what this preset chose).
name: thesis

# SuperNI checkout (relative to this file); \`--superni DIR\` overrides it.
superni: null
# "test": the checkout's 119 default test tasks; or a list of task names.
tasks: test
# Seed of the data build (which reference is the training target, budget prefixes are fixed by file order).
data_seed: 42
# Training seeds: every run is repeated once per seed (the thesis reports one run).
seeds: [42]
${TRACKING_LINE}

# The thesis recipe: AdamW, lr 5e-5 constant, no warmup, 2 epochs, effective batch 12 (6 GPUs x 1 x 2 accumulation),
# sources cut at 1,024 tokens, targets at 128, bf16.
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
  # Resumable checkpoints every 1,000 optimizer steps (12,000 samples): only long MTL runs reach one mid-run.
  checkpoint_every_steps: 1000

# Greedy decoding up to 128 new tokens; ROUGE-L per task and category as the thesis's own evaluation computes it
# (one reference; \`superni\` would take SuperNI's compute_metrics.py, the max over all references).
evaluation:
  variant: thesis
  max_new_tokens: 128
  num_beams: 1

# The pre-finetuning set: the first 100 instances of every SuperNI train task (757 tasks in the thesis).
prefinetune:
  per_task: 100
  tasks: train

arms:
  # Tk-Instruct 3B, prompts with the task definition and two positive examples.
  - name: inst
    label: Tk-Instruct 3B (instructions)
    role: instruction-tuned
    model: allenai/tk-instruct-3b-def-pos
    encoding: thesis-def-pos
    settings: [stl, mtl]
    budgets: [100, 200, 1000, all]

  # The base model (T5-XL LM-adapted, the checkpoint Tk-Instruct 3B was trained from) fine-tuned on the
  # pre-finetuning set without instructions: one run whose saved model B1 starts from.
  - name: prefinetune-noinst
    label: T5-3B pre-finetuned without instructions
    role: prefinetune
    model: google/t5-xl-lm-adapt
    encoding: plain
    settings: [prefinetune]

  # Baseline 1: the pre-finetuned model, 200 instances per task, no instructions.
  - name: B1
    label: "B1: pre-finetuned T5-3B, 200/task, no instructions"
    role: baseline
    from: prefinetune-noinst
    encoding: plain
    settings: [stl, mtl]
    budgets: [200]

  # Baseline 2: the base model, 1,000 instances per task, no instructions.
  - name: B2
    label: "B2: T5-3B, 1000/task, no instructions"
    role: baseline
    model: google/t5-xl-lm-adapt
    encoding: plain
    settings: [stl, mtl]
    budgets: [1000]

  # Baseline 3, the "supervised SOTA": the base model on all training data, single-task only.
  - name: B3
    label: "B3: T5-3B, all data, no instructions (supervised)"
    role: supervised
    model: google/t5-xl-lm-adapt
    encoding: plain
    settings: [stl]
    budgets: [all]

  # Tk-Instruct without any fine-tuning (the thesis's 54.30 ROUGE-L point).
  - name: zero-shot
    label: Tk-Instruct 3B, no fine-tuning
    role: zero-shot
    model: allenai/tk-instruct-3b-def-pos
    encoding: thesis-def-pos
    settings: [eval]
`;

/**
 * The demo preset's values that its comments quote, in one place, so that a changed value (the quick demo,
 * src/demo/study.ts) changes its comment too.
 */
export interface DemoKnobs {
  name: string;
  description: string;
  tasks: "test" | readonly string[];
  epochs: number;
  learningRate: number;
  effectiveBatchSize: number;
  maxSourceLength: number;
  maxNewTokens: number;
  prefinetunePerTask: number;
}

export const DEMO_KNOBS: Readonly<DemoKnobs> = {
  name: "demo",
  description:
    "A miniature of the thesis's design on SuperNI tasks bundled with quicklearn, with a tiny T5 trained " +
    "from scratch on CPU: it shows the method at work, not the thesis's effect sizes.",
  tasks: "test",
  epochs: 3,
  learningRate: 3e-3,
  effectiveBatchSize: 4,
  maxSourceLength: 512,
  maxNewTokens: 32,
  prefinetunePerTask: 100,
};

/** The study spec field each knob sets (for saying what a variant of the demo changed). */
export const DEMO_KNOB_FIELDS: Readonly<Record<keyof DemoKnobs, string>> = {
  name: "name",
  description: "description",
  tasks: "tasks",
  epochs: "hyperparameters.epochs",
  learningRate: "hyperparameters.learning_rate",
  effectiveBatchSize: "hyperparameters.effective_batch_size",
  maxSourceLength: "hyperparameters.max_source_length",
  maxNewTokens: "evaluation.max_new_tokens",
  prefinetunePerTask: "prefinetune.per_task",
};

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** The demo preset's YAML for the given knobs: values and the comments that quote them from one source. */
export function demoPresetText(k: Readonly<DemoKnobs> = DEMO_KNOBS): string {
  return `# quicklearn study: a miniature of the thesis's design that runs on a laptop CPU in minutes.
# \`quicklearn demo\` creates the tiny base model at ./base-model (relative to the study directory)
# and points --superni at the SuperNI subset bundled with quicklearn (7 test tasks, 28 train tasks).
# Reference: docs/demo.md (what it shows and what it cannot), docs/studies.md (every field).
name: ${k.name}
description: ${JSON.stringify(k.description)}

superni: null
tasks: ${k.tasks === "test" ? "test" : `[${k.tasks.join(", ")}]`}
data_seed: 42
seeds: [42]
${TRACKING_LINE}

# A 0.5M-parameter model trained from scratch learns nothing at the thesis's lr 5e-5 and batch 12 in a few
# hundred samples: the demo takes more, smaller steps (batch ${k.effectiveBatchSize}, lr ${k.learningRate}, ${plural(k.epochs, "epoch")}; see docs/demo.md for the
# measurements behind these). Sources are cut at ${k.maxSourceLength} tokens (the def-pos prompts are 100-700 words).
hyperparameters:
  epochs: ${k.epochs}
  learning_rate: ${k.learningRate}
  lr_schedule: constant
  warmup_steps: 0
  effective_batch_size: ${k.effectiveBatchSize}
  max_source_length: ${k.maxSourceLength}
  max_target_length: 64
  precision: fp32
  # Runs take seconds: checkpoint only at epoch ends.
  checkpoint_every_steps: 0

# Greedy decoding, at most ${k.maxNewTokens} new tokens per prediction${k.maxNewTokens >= 32 ? ": enough for every label and most titles of the demo's tasks" : " (longer titles are cut)"}.
evaluation:
  variant: superni
  max_new_tokens: ${k.maxNewTokens}
  num_beams: 1

# Up to ${k.prefinetunePerTask} instances of each of the 28 bundled train tasks (they have 10-81 each, 1,144 in all).
prefinetune:
  per_task: ${k.prefinetunePerTask}
  tasks: train

arms:
  # The demo's "instruction-tuned" model: the base pre-finetuned on the train tasks WITH instructions.
  - name: prefinetune-inst
    label: tiny T5 pre-finetuned with instructions
    role: prefinetune
    model: ./base-model
    encoding: thesis-def-pos
    settings: [prefinetune]
    hyperparameters: { epochs: 2 }

  # ... and WITHOUT instructions (the thesis's prefinetune-noinst): where baseline 1 starts.
  - name: prefinetune-noinst
    label: tiny T5 pre-finetuned without instructions
    role: prefinetune
    model: ./base-model
    encoding: plain
    settings: [prefinetune]
    hyperparameters: { epochs: 2 }

  # The thesis's 100 / 200 / 1000 per task, scaled to the demo's 200 training instances per task.
  - name: inst
    label: instruction-tuned (instructions)
    role: instruction-tuned
    from: prefinetune-inst
    encoding: thesis-def-pos
    settings: [stl, mtl]
    budgets: [10, 20, 50]

  # Baseline 1: pre-finetuned without instructions, at the instruction-tuned arm's second budget (as 200 is in the thesis).
  - name: B1
    label: "B1: pre-finetuned without instructions, 20/task"
    role: baseline
    from: prefinetune-noinst
    encoding: plain
    settings: [stl, mtl]
    budgets: [20]

  # Baseline 2: the base model at the largest budget, no instructions.
  - name: B2
    label: "B2: base, 50/task"
    role: baseline
    model: ./base-model
    encoding: plain
    settings: [stl, mtl]
    budgets: [50]

  # Baseline 3 ("supervised"): the base model on all 200 training instances per task, single-task only.
  - name: B3
    label: "B3: base, all data (supervised)"
    role: supervised
    model: ./base-model
    encoding: plain
    settings: [stl]
    budgets: [all]

  # The instruction-tuned model without any fine-tuning on the test tasks.
  - name: zero-shot
    label: instruction-tuned, no fine-tuning
    role: zero-shot
    from: prefinetune-inst
    encoding: thesis-def-pos
    settings: [eval]
`;
}

const DEMO = demoPresetText();

export const PRESETS: Readonly<Record<string, string>> = {
  thesis: THESIS,
  demo: DEMO,
  modern: MODERN,
  flan: FLAN,
};
export type PresetName = "thesis" | "demo" | "modern" | "flan";

/** The commented YAML of a preset (what `quicklearn init --preset NAME` writes). */
export function presetText(name: string): string {
  const text = PRESETS[name];
  if (text === undefined)
    throw new UserError(`unknown preset "${name}"`, `presets: ${Object.keys(PRESETS).join(", ")}`);
  return text;
}

/** A preset as a loaded study; relative model paths resolve against `baseDir` (the study directory for `run`). */
export function loadPreset(name: string, baseDir: string): LoadedStudy {
  const text = presetText(name);
  return { spec: parseStudyYaml(text, `preset ${name}`), text, baseDir, source: `preset ${name}` };
}
