import { buildData, type DataManifest } from "../data/index.js";
import { studyContext, superniDir, type StudyContext } from "../study/context.js";
import { planStudy, type Plan, type PlanContext, type PlannedRun } from "../study/plan.js";
import type { LoadedStudy, StudySpec } from "../study/spec.js";
import { UserError } from "../util/errors.js";
import type { ExecutionRun } from "./executor.js";
import type { SearchRecord, StudyStore } from "./store/index.js";

/**
 * A study planned round by round (an adaptive budget search): the plan of the rounds so far, the spec its
 * data build needs (budgets the search chose included), and plan.json's record of the search.
 */
export type Design = (
  store: StudyStore,
  ctx: PlanContext,
) => Promise<{ plan: Plan; spec: StudySpec; search: SearchRecord }>;

/**
 * Everything `run` does before executing: plan, record the plan in the store, build the data the plan
 * needs, and bring every run's state back to the truth on disk (a "done" whose files changed, or a
 * "running" nobody is running any more, is pending again). Done under the study lock.
 */

export interface Prepared {
  plan: Plan;
  context: StudyContext;
  /** Runs verified done: skipped. */
  done: Set<string>;
  /** Notes for the user (runs reset, data rebuilt). */
  notes: string[];
}

export async function prepareStudy(
  store: StudyStore,
  study: LoadedStudy,
  opts: {
    superni?: string | null;
    preset: string | null;
    onData?: (done: number, total: number, task: string) => void;
    /** Plans the study instead of planStudy (a searched study's rounds so far). */
    design?: Design;
  },
): Promise<Prepared> {
  if (!superniDir(study, opts.superni))
    throw new UserError(
      "running a study needs a SuperNI checkout",
      "pass --superni DIR (a folder with tasks/ and splits/default/), or set superni: in the spec",
    );
  const context = await studyContext(study, { superni: opts.superni, preset: opts.preset });
  const designed = opts.design
    ? await opts.design(store, context.plan)
    : { plan: planStudy(study.spec, context.plan), spec: study.spec, search: undefined };
  const plan = designed.plan;
  const notes: string[] = [];
  await store.writePlan(plan, study.text, designed.search);
  if (await ensureData(store, designed.spec, context, opts.onData))
    notes.push("built the study's data in data/");
  const done = await reconcileStates(store, plan.runs, notes);
  return { plan, context, done, notes };
}

/** Build STUDY/data unless a build with (at least) the needed inputs is there. Returns whether it built. */
async function ensureData(
  store: StudyStore,
  spec: StudySpec,
  context: StudyContext,
  onProgress?: (done: number, total: number, task: string) => void,
): Promise<boolean> {
  const trainArms = spec.arms.filter((a) => !a.settings.includes("prefinetune"));
  const pftArms = spec.arms.filter((a) => a.settings.includes("prefinetune"));
  // A build needs one budget even when no arm trains on the downstream tasks: "1" is the smallest file.
  const budgets = unique(trainArms.flatMap((a) => a.budgets ?? []));
  const encodings = unique(trainArms.map((a) => a.encoding));
  const prefinetune =
    pftArms.length > 0 && spec.prefinetune
      ? {
          k: spec.prefinetune.per_task,
          encodings: unique(pftArms.map((a) => a.encoding)),
          tasks: context.prefinetuneTasks ?? undefined,
        }
      : null;
  const existing = await store.readManifest().catch(() => null);
  if (
    existing &&
    covers(existing, {
      seed: spec.data_seed,
      replicates: spec.data_replicates,
      tasks: context.plan.tasks,
      budgets,
      encodings,
      prefinetune,
    })
  )
    return false;
  const keep = existing && existing.inputs.seed === spec.data_seed ? existing.inputs : null;
  await buildData({
    superni: context.checkout!.dir,
    out: store.dataDir,
    tasks: context.plan.tasks,
    budgets: unique([...(budgets.length ? budgets : ["1"]), ...(keep?.budgets ?? [])]),
    encodings: unique([
      ...(encodings.length ? encodings : (prefinetune?.encodings ?? [])),
      ...(keep?.encodings ?? []),
    ]),
    seed: spec.data_seed,
    replicates: spec.data_replicates,
    prefinetune,
    onProgress,
  });
  return true;
}

function covers(
  m: DataManifest,
  need: {
    seed: number;
    replicates: number;
    tasks: string[];
    budgets: string[];
    encodings: string[];
    prefinetune: { k: number; encodings: string[]; tasks?: string[] } | null;
  },
): boolean {
  const has = (list: readonly string[], items: string[]) => items.every((x) => list.includes(x));
  if (m.inputs.seed !== need.seed || !has(m.inputs.tasks, need.tasks)) return false;
  if ((m.inputs.replicates ?? 1) < need.replicates) return false;
  if (!has(m.inputs.budgets, need.budgets) || !has(m.inputs.encodings, need.encodings)) return false;
  if (!need.prefinetune) return true;
  const p = m.inputs.prefinetune;
  return (
    !!p &&
    p.k === need.prefinetune.k &&
    has(p.encodings, need.prefinetune.encodings) &&
    (!need.prefinetune.tasks || has(p.tasks, need.prefinetune.tasks))
  );
}

/**
 * Resume semantics: done runs whose files still match their hashes stay done; a done run whose files
 * changed, a running run nobody runs any more (crash, kill) and a failed run (it gets fresh retries) become
 * pending. A run another live process is running stays as it is.
 */
async function reconcileStates(store: StudyStore, runs: PlannedRun[], notes: string[]): Promise<Set<string>> {
  const done = new Set<string>();
  let reset = 0;
  let interrupted = 0;
  for (const run of runs) {
    // A damaged state.json (edited by hand, a foreign tool) says nothing we can trust: the run runs again.
    const state = await store.readState(run.id).catch(() => null);
    if (!state) {
      reset++;
      await store.writeState(run.id, { status: "pending", attempts: 0, error: "state.json was damaged" });
    } else if (state.status === "done") {
      if (await store.verifyHashes(run.id, state.hashes)) {
        done.add(run.id);
        continue;
      }
      reset++;
      await store.writeState(run.id, {
        status: "pending",
        attempts: state.attempts,
        error: "outputs changed after it was done",
      });
    } else if (state.status === "running") {
      if ((await store.effectiveStatus(run.id, state)) === "pending") {
        interrupted++;
        await store.writeState(run.id, { ...state, status: "pending" });
      }
    } else if (state.status === "failed") {
      await store.writeState(run.id, { ...state, status: "pending" });
    }
  }
  if (reset) notes.push(`${reset} done run(s) had changed or missing files: they run again`);
  if (interrupted) notes.push(`${interrupted} interrupted run(s) resume from their checkpoints`);
  return done;
}

/** The scheduler's view of the plan: a run's group is the model it loads (base model + pre-finetune it starts from). */
export function executionRuns(plan: Plan): ExecutionRun[] {
  return plan.runs.map((r) => ({
    id: r.id,
    depends_on: r.depends_on,
    group: `${r.model}\0${r.init_from_run ?? ""}`,
    setting: r.setting,
  }));
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
