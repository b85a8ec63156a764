import { budgetSize } from "../data/budget.js";
import { datasetPath, prefinetunePath } from "../data/layout.js";
import { resultDeterminingSpec, RunSpec, type RunSpecInput } from "../engine/spec.js";
import { canonicalJson, sha256 } from "../util/hash.js";
import {
  resolveModel,
  RUN_LEVEL_KNOBS,
  type ArmSpec,
  type Metric,
  type Role,
  type Setting,
  type StudySpec,
} from "./spec.js";

/**
 * Expanding a study spec into a DAG of runs: pure, no I/O. A run's id is derived from its resolved content
 * (arm, model identity, encoding, task, budget, seed, hyperparameters, data files relative to the study
 * directory, dependency ids), so planning the same spec twice gives the same ids, a changed spec only adds
 * or invalidates the runs it touches, and no path outside the study directory enters an id.
 */

/** Data paths inside a run spec are relative to the study directory (the store resolves them). */
export const DATA_DIR = "data";

export interface PlannedRun {
  id: string;
  arm: string;
  setting: Setting;
  /** The task of an stl run; null for mtl, prefinetune and eval runs (they span many tasks). */
  task: string | null;
  budget: string | null;
  /** The base model (hub id or local dir); a run that starts from a pre-finetune names that run in depends_on. */
  model: string;
  encoding: string;
  depends_on: string[];
  seed: number;
  /** Data replicate of its training examples: 0 is the train split's prefix (docs/data.md). */
  replicate: number;
  /** Scorer variant for this run's predictions. */
  variant: string;
  /** The pre-finetune run whose saved model/ this run starts from. */
  init_from_run: string | null;
  /** Tasks whose test split this run predicts (empty for pre-finetune runs). */
  eval_tasks: string[];
  /** The engine spec, minus run_id/output_dir/device/init_from which the store fills in; paths relative to STUDY. */
  engine: Omit<RunSpecInput, "run_id" | "output_dir" | "device" | "init_from">;
  /** Training instances seen (examples x epochs); estimated when the checkout's sizes are unknown. */
  train_sample_passes: number;
  /** Estimated source tokens of those passes (see estimateSourceTokens). */
  source_tokens: number;
}

export interface PlannedArm {
  name: string;
  label: string;
  role: Role;
  model: string;
  encoding: string;
  prefinetune: string | null;
  /** How the arm trains: every weight (`full`) or LoRA adapters; the analysis pairs arms trained alike. */
  finetuning: "full" | "lora";
}

export interface PlanTotals {
  runs: number;
  by_setting: Record<Setting, number>;
  train_sample_passes: number;
  source_tokens: number;
  eval_instances: number;
  /** True when sizes were estimated (no SuperNI checkout given). */
  estimated: boolean;
}

export interface Plan {
  /** The spec's name, and its description when it has one (shown in the report). */
  study: { name: string; description?: string };
  preset: string | null;
  /** The study's headline metric (evaluation.metric): what the analysis reads from the instance scores. */
  metric: Metric;
  arms: PlannedArm[];
  runs: PlannedRun[];
  totals: PlanTotals;
}

/** What planning needs to know about the tasks; sizes may be estimates. */
export interface PlanContext {
  /** Tasks of the study (stl/mtl/eval), in order. */
  tasks: string[];
  /** Train instances per task (the downstream train split); missing tasks use `estimateTrainSize`. */
  trainSizes: Map<string, number>;
  /** Test instances per task; missing tasks count 100. */
  testSizes: Map<string, number>;
  /** Number of train tasks feeding the pre-finetuning set. */
  prefinetuneTaskCount: number;
  /** Train-split size assumed for a task whose size is unknown. */
  estimateTrainSize: number;
  estimated: boolean;
  /** Folder that relative model paths resolve against. */
  baseDir: string;
  /** What names each resolved model in run ids (model-identity.ts); a model missing here is named as given. */
  modelIds: Map<string, string>;
  preset: string | null;
}

/**
 * Average source tokens per instance, by encoding: the thesis's average word counts (364.97 words with the
 * def-pos instructions, 89.03 without) times 1.3 sentencepiece tokens per English word, capped at the
 * maximum source length. An estimate for sizing a study, not a measurement.
 */
const WORDS_PER_INSTANCE: Record<string, number> = {
  "thesis-def-pos": 364.97,
  "tk-instruct": 364.97,
  plain: 89.03,
};
const TOKENS_PER_WORD = 1.3;

export function estimateSourceTokens(encoding: string, maxSource: number): number {
  return Math.min(maxSource, (WORDS_PER_INSTANCE[encoding] ?? 364.97) * TOKENS_PER_WORD);
}

const SETTING_ORDER: Setting[] = ["prefinetune", "eval", "mtl", "stl"];

export function planStudy(spec: StudySpec, ctx: PlanContext): Plan {
  const arms = spec.arms.map((a) => plannedArm(a, spec));
  const armByName = new Map(spec.arms.map((a) => [a.name, a]));
  const runs: PlannedRun[] = [];
  // Pre-finetune run id per (arm, seed): later runs depend on it.
  const pftRun = new Map<string, PlannedRun>();

  const ordered = [...spec.arms].sort(
    (a, b) => Number(!a.settings.includes("prefinetune")) - Number(!b.settings.includes("prefinetune")),
  );
  for (const arm of ordered) {
    const hyper = { ...spec.hyperparameters, ...arm.hyperparameters };
    const base = arm.from ? armByName.get(arm.from)! : arm;
    const model = resolveModel(base.model!, ctx.baseDir);
    for (const seed of spec.seeds) {
      const parent = arm.from ? pftRun.get(`${arm.from}\0${seed}`)! : null;
      const modelId = ctx.modelIds.get(model) ?? model;
      const common = {
        arm: arm.name,
        model,
        modelId,
        encoding: arm.encoding,
        template: arm.template,
        seed,
        parent,
      };
      for (const setting of SETTING_ORDER.filter((s) => arm.settings.includes(s))) {
        if (setting === "prefinetune") {
          const k = spec.prefinetune!.per_task;
          const n = k * ctx.prefinetuneTaskCount;
          const run = makeRun(spec, hyper, {
            ...common,
            setting,
            task: null,
            budget: null,
            evalTasks: [],
            trainFiles: [prefinetunePath(DATA_DIR, arm.encoding, k)],
            trainSize: n,
          });
          pftRun.set(`${arm.name}\0${seed}`, run);
          runs.push(run);
        } else if (setting === "eval") {
          runs.push(
            makeRun(spec, hyper, {
              ...common,
              setting,
              task: null,
              budget: null,
              evalTasks: ctx.tasks,
              trainFiles: [],
              trainSize: 0,
            }),
          );
        } else if (setting === "mtl") {
          for (const [budget, replicate] of budgetDraws(arm, spec)) {
            runs.push(
              makeRun(spec, hyper, {
                ...common,
                setting,
                task: null,
                budget,
                replicate,
                evalTasks: ctx.tasks,
                trainFiles: ctx.tasks.map((task) => trainFile(arm.encoding, task, budget, replicate)),
                trainSize: ctx.tasks.reduce((sum, t) => sum + trainSize(ctx, t, budget), 0),
              }),
            );
          }
        } else {
          for (const [budget, replicate] of budgetDraws(arm, spec)) {
            for (const task of ctx.tasks) {
              runs.push(
                makeRun(spec, hyper, {
                  ...common,
                  setting,
                  task,
                  budget,
                  replicate,
                  evalTasks: [task],
                  trainFiles: [trainFile(arm.encoding, task, budget, replicate)],
                  trainSize: trainSize(ctx, task, budget),
                }),
              );
            }
          }
        }
      }
    }
  }
  const study = { name: spec.name, ...(spec.description ? { description: spec.description } : {}) };
  return {
    study,
    preset: ctx.preset,
    metric: spec.evaluation.metric,
    arms,
    runs,
    totals: planTotals(runs, ctx),
  };
}

function plannedArm(arm: ArmSpec, spec: StudySpec): PlannedArm {
  const base = arm.from ? spec.arms.find((a) => a.name === arm.from)! : arm;
  return {
    name: arm.name,
    label: arm.label ?? arm.name,
    role: arm.role ?? defaultRole(arm),
    model: base.model!,
    encoding: arm.encoding,
    prefinetune: arm.from ?? null,
    // The arm's hyperparameters over the study's, as its runs take them (an arm may set `lora: null`).
    finetuning: { ...spec.hyperparameters, ...arm.hyperparameters }.lora ? "lora" : "full",
  };
}

function defaultRole(arm: ArmSpec): Role {
  if (arm.settings.includes("prefinetune")) return "prefinetune";
  if (arm.settings.every((s) => s === "eval")) return "zero-shot";
  return "baseline";
}

/** Each budget of an arm with each data replicate of it; `all` is the same examples in every replicate. */
function budgetDraws(arm: ArmSpec, spec: StudySpec): [budget: string, replicate: number][] {
  // A searched arm may have no budgets of its own: src/study/search.ts plans its runs.
  return (arm.budgets ?? []).flatMap((budget) =>
    Array.from({ length: budget === "all" ? 1 : spec.data_replicates }, (_, r): [string, number] => [
      budget,
      r,
    ]),
  );
}

function trainFile(encoding: string, task: string, budget: string, replicate: number): string {
  return datasetPath(DATA_DIR, { encoding, task, split: "train", budget, replicate });
}

function trainSize(ctx: PlanContext, task: string, budget: string): number {
  return budgetSize(budget, ctx.trainSizes.get(task) ?? ctx.estimateTrainSize);
}

/** What makeRun needs to know of a run: the plan's own fields, then where its data and weights come from. */
interface RunShape extends Pick<
  PlannedRun,
  "arm" | "setting" | "task" | "budget" | "model" | "encoding" | "seed"
> {
  /** Data replicate (absent: 0, the prefix). */
  replicate?: number;
  /** The model's identity (a content digest for a local directory): run ids hash it, not its path. */
  modelId: string;
  /** The arm's `template` (absent: the engine's default). */
  template: ArmSpec["template"];
  parent: PlannedRun | null;
  evalTasks: string[];
  trainFiles: string[];
  trainSize: number;
}

function makeRun(spec: StudySpec, hyper: StudySpec["hyperparameters"], r: RunShape): PlannedRun {
  const runLevel = Object.fromEntries(Object.entries(hyper).filter(([k]) => k in RUN_LEVEL_KNOBS));
  const trainHyper = Object.fromEntries(Object.entries(hyper).filter(([k]) => !(k in RUN_LEVEL_KNOBS)));
  // The scorer variant and the headline metric are the study's, not the engine's: neither enters an id.
  const { variant: _variant, metric: _metric, ...evalKnobs } = spec.evaluation;
  const engine: PlannedRun["engine"] = {
    model: r.model,
    encoding: r.encoding,
    ...(r.template === undefined ? {} : { template: r.template }),
    ...runLevel,
    seed: r.seed,
    train: r.trainFiles.length > 0 ? { files: r.trainFiles, ...trainHyper } : null,
    eval:
      r.evalTasks.length > 0
        ? {
            files: r.evalTasks.map((task) =>
              datasetPath(DATA_DIR, { encoding: r.encoding, task, split: "test" }),
            ),
            ...evalKnobs,
          }
        : null,
    save_model: r.setting === "prefinetune",
    // Left out of the id below (resultDeterminingSpec); spelled out only when on, so spec.json stays as it was.
    ...(spec.tracking?.length ? { tracking: spec.tracking } : {}),
  };
  const depends_on = r.parent ? [r.parent.id] : [];
  // Hash the engine spec with its defaults applied, so spelling out a default does not change the id.
  const resolved = RunSpec.parse({ ...engine, run_id: "-", output_dir: "-" });
  const content = {
    arm: r.arm,
    setting: r.setting,
    task: r.task,
    budget: r.budget,
    seed: r.seed,
    // Only a replicate above 0 enters the id, so studies without replicates keep their run ids.
    ...(r.replicate ? { replicate: r.replicate } : {}),
    data_seed: spec.data_seed,
    variant: spec.evaluation.variant,
    depends_on,
    engine: resultDeterminingSpec({ ...resolved, model: r.modelId }),
  };
  const epochs = resolved.train?.epochs ?? 0;
  const passes = Math.round(r.trainSize * epochs);
  return {
    id: runId(r, sha256(canonicalJson(content)).slice(0, 8)),
    arm: r.arm,
    setting: r.setting,
    task: r.task,
    budget: r.budget,
    model: r.model,
    encoding: r.encoding,
    depends_on,
    seed: r.seed,
    replicate: r.replicate ?? 0,
    variant: spec.evaluation.variant,
    init_from_run: r.parent?.id ?? null,
    eval_tasks: r.evalTasks,
    engine,
    train_sample_passes: passes,
    source_tokens: Math.round(passes * estimateSourceTokens(r.encoding, resolved.max_source_length)),
  };
}

/** `stl-inst-100-task1356_xlsum_title_generation-3f9a2c1b`: readable prefix, content hash suffix. */
function runId(r: RunShape, hash: string): string {
  const replicate = r.replicate ? `r${r.replicate}` : null;
  const parts = [r.setting, r.arm, r.budget, replicate, r.task].filter((p): p is string => p !== null);
  const prefix = parts
    .join("-")
    .replace(/%/g, "pct")
    .replace(/[^A-Za-z0-9_.-]/g, "_");
  return `${prefix}-${hash}`;
}

/** Counts and volumes of some planned runs (a plan's totals; a searched plan's after it keeps some runs). */
export function planTotals(runs: readonly PlannedRun[], ctx: PlanContext): PlanTotals {
  const by_setting: Record<Setting, number> = { stl: 0, mtl: 0, prefinetune: 0, eval: 0 };
  let passes = 0;
  let tokens = 0;
  let evalInstances = 0;
  for (const r of runs) {
    by_setting[r.setting]++;
    passes += r.train_sample_passes;
    tokens += r.source_tokens;
    for (const t of r.eval_tasks) evalInstances += ctx.testSizes.get(t) ?? 100;
  }
  return {
    runs: runs.length,
    by_setting,
    train_sample_passes: passes,
    source_tokens: tokens,
    eval_instances: evalInstances,
    estimated: ctx.estimated,
  };
}
