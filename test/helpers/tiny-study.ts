// The tiny two-task study that the real-engine end-to-end tests share (study-e2e, slurm-study, study-mtl): two
// test tasks of the bundled SuperNI subset, sizes small enough for CPU, and checkpoints every 2 steps so that
// resuming is exercised.
import { DEMO_TEST_TASKS, DEMO_TRAIN_TASKS } from "./superni.js";

/** Study YAML: `name`, the shared tasks/seeds/hyperparameters/evaluation, then the test's own `rest`. */
export function tinyStudyYaml(name: string, rest: string): string {
  return `name: ${name}
tasks: [${DEMO_TEST_TASKS.join(", ")}]
data_seed: 42
seeds: [7]
hyperparameters:
  epochs: 2
  learning_rate: 1.0e-3
  effective_batch_size: 4
  max_source_length: 96
  max_target_length: 16
  precision: fp32
  checkpoint_every_steps: 2
evaluation: {variant: superni, max_new_tokens: 8, num_beams: 1}
${rest}`;
}

/**
 * The pre-finetune block and the first two arms every such study has: `pft` (pre-finetunes `model` on
 * `perTask` instances of two train tasks) and the baseline `B1` that starts from it with `baseline`
 * settings. The test appends its own arms (indented as list items under `arms:`).
 */
export function pftAndBaseline(model: string, perTask: number, baseline: string): string {
  return `prefinetune:
  per_task: ${perTask}
  tasks: [${DEMO_TRAIN_TASKS.join(", ")}]
arms:
  - name: pft
    model: ${model}
    encoding: plain
    settings: [prefinetune]
  - name: B1
    role: baseline
    from: pft
    encoding: plain
    settings: ${baseline}
    budgets: [8]
`;
}

/**
 * A searched study on one task (issue 17): a supervised `B3` at `all` and the instruction-tuned `inst`, whose
 * STL budgets are searched against 90 % of B3's score from min_budget 4 in at most 3 rounds. One epoch,
 * short generations: the search's rounds, not the model, are what such tests look at.
 */
export function searchStudyYaml(model: string): string {
  return `name: search-e2e
tasks: [${DEMO_TEST_TASKS[1]}]
seeds: [7]
hyperparameters:
  epochs: 1
  learning_rate: 1.0e-3
  effective_batch_size: 4
  max_source_length: 64
  max_target_length: 8
  precision: fp32
evaluation: {variant: superni, max_new_tokens: 4, num_beams: 1}
arms:
  - name: B3
    role: supervised
    model: ${model}
    encoding: plain
    settings: [stl]
    budgets: [all]
  - name: inst
    role: instruction-tuned
    model: ${model}
    encoding: plain
    settings: [stl]
search:
  target: { share_of: { arm: B3, setting: stl, budget: all }, share: 0.9 }
  arms: [inst]
  settings: [stl]
  min_budget: 4
  tolerance: 0.25
  max_rounds: 3
`;
}
