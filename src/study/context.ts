import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { downstreamSplit } from "../data/split.js";
import { loadCheckout, readTask, type Checkout } from "../superni/index.js";
import { UserError } from "../util/errors.js";
import { assetsDir } from "../util/paths.js";
import type { PlanContext } from "./plan.js";
import { modelIdentities } from "./model-identity.js";
import { resolveModel, type LoadedStudy, type StudySpec } from "./spec.js";

/**
 * The facts planning needs (task list, split sizes), read from a SuperNI checkout when there is one and
 * estimated from the thesis's published figures when there is not (so `plan --preset thesis` works anywhere).
 */

/** The thesis's training-set total over the 119 test tasks (374,745 instances): 3,149 per task on average. */
const THESIS_TRAIN_INSTANCES = 374745;
const THESIS_TEST_TASKS = 119;
/** SuperNI's training tasks in the thesis's pre-finetuning set. */
const THESIS_PREFINETUNE_TASKS = 757;

export interface ContextOptions {
  /** `--superni` (wins over the spec's `superni` field). */
  superni?: string | null;
  preset: string | null;
  /** Read the checkout's task files for exact split sizes (a few seconds for 119 tasks). */
  exactSizes?: boolean;
  /** A local model directory that does not exist yet: refused (default), or named by its path for now. */
  absentModels?: "refuse" | "provisional";
}

export interface StudyContext {
  plan: PlanContext;
  /** The loaded checkout, when one was given. */
  checkout: Checkout | null;
  /** Train tasks feeding the pre-finetuning set (null without a checkout and an explicit list). */
  prefinetuneTasks: string[] | null;
}

/** The SuperNI checkout a study uses: `--superni`, else the spec's `superni` (relative to the spec file). */
export function superniDir(study: LoadedStudy, flag: string | null | undefined): string | null {
  if (flag) return resolve(flag);
  if (study.spec.superni) return resolve(study.baseDir, study.spec.superni);
  return null;
}

export async function studyContext(study: LoadedStudy, opts: ContextOptions): Promise<StudyContext> {
  const dir = superniDir(study, opts.superni);
  const spec = study.spec;
  if (!dir) {
    const tasks = spec.tasks === "test" ? await shippedTestTasks() : spec.tasks;
    const prefinetuneTasks =
      spec.prefinetune && spec.prefinetune.tasks !== "train" ? spec.prefinetune.tasks : null;
    return {
      checkout: null,
      prefinetuneTasks,
      plan: {
        tasks,
        trainSizes: new Map(),
        testSizes: new Map(),
        prefinetuneTaskCount: prefinetuneTasks?.length ?? THESIS_PREFINETUNE_TASKS,
        estimateTrainSize: Math.round(THESIS_TRAIN_INSTANCES / THESIS_TEST_TASKS),
        estimated: true,
        baseDir: study.baseDir,
        modelIds: await studyModelIds(study, opts.absentModels),
        preset: opts.preset,
      },
    };
  }
  const checkout = await loadCheckout(dir);
  const tasks = spec.tasks === "test" ? checkout.testTasks : spec.tasks;
  if (tasks.length === 0)
    throw new UserError(`${dir}: the checkout's test split is empty`, "list tasks: in the spec");
  const prefinetuneTasks = prefinetuneTaskList(spec, checkout);
  const trainSizes = new Map<string, number>();
  const testSizes = new Map<string, number>();
  if (opts.exactSizes !== false) {
    for (const name of tasks) {
      const split = downstreamSplit(await readTask(checkout, name));
      trainSizes.set(name, split.train.length);
      testSizes.set(name, split.test.length);
    }
  }
  return {
    checkout,
    prefinetuneTasks,
    plan: {
      tasks,
      trainSizes,
      testSizes,
      prefinetuneTaskCount: prefinetuneTasks.length,
      estimateTrainSize: Math.round(THESIS_TRAIN_INSTANCES / THESIS_TEST_TASKS),
      estimated: opts.exactSizes === false,
      baseDir: study.baseDir,
      modelIds: await studyModelIds(study, opts.absentModels),
      preset: opts.preset,
    },
  };
}

/** The identity of every model the study's arms name (local directories are read and hashed). */
function studyModelIds(
  study: LoadedStudy,
  absent: ContextOptions["absentModels"],
): Promise<Map<string, string>> {
  const models = study.spec.arms.flatMap((a) => (a.model ? [resolveModel(a.model, study.baseDir)] : []));
  return modelIdentities(models, absent);
}

function prefinetuneTaskList(spec: StudySpec, checkout: Checkout): string[] {
  if (!spec.prefinetune) return [];
  if (spec.prefinetune.tasks !== "train") return spec.prefinetune.tasks;
  if (spec.arms.some((a) => a.settings.includes("prefinetune")) && checkout.trainTasks.length === 0)
    throw new UserError(
      `${checkout.dir}: no train task files, but the study pre-finetunes on the train split`,
      "add train task files to the checkout, or list prefinetune.tasks in the spec",
    );
  return checkout.trainTasks;
}

/** The 119 SuperNI default test task names shipped with quicklearn (assets/superni/test_tasks.txt). */
export async function shippedTestTasks(): Promise<string[]> {
  const text = await readFile(join(assetsDir, "superni", "test_tasks.txt"), "utf8");
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}
