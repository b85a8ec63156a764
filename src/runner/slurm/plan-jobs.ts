import { UserError } from "../../util/errors.js";

/**
 * Turning a study's DAG into SLURM array jobs: pure, no I/O.
 *
 * Runs are grouped by dependency level (a run's level is one more than its deepest unfinished dependency).
 * A run that others depend on gets an array task of its own, so its dependants wait for exactly that task
 * (`--dependency=afterok:<job>_<task>`) and not for a whole level of unrelated runs. The other runs of a level
 * share array jobs by the set of tasks they wait for, `runsPerTask` runs per task, runs of the same base
 * model side by side so a worker that runs several of them reuses what it loaded.
 *
 * Runs marked `mtl` (mtl and prefinetune runs under --mtl-processes) go into arrays of their own, one run per
 * task, since their tasks ask for other resources (several GPUs, maybe several nodes): key `L<level>-mtl`,
 * listed before the level's other arrays. Dependencies work across both kinds alike.
 */

/** What the SLURM executor needs to know about a planned run (a subset of plan.json's run records). */
export interface SlurmRunRef {
  id: string;
  depends_on: readonly string[];
  model?: string;
  /** Trained by several processes (--mtl-processes): its own array, one run per task. */
  mtl?: boolean;
}

/** One array task that a job waits for, named by the job's key in the same submission. */
export interface TaskRef {
  job: string;
  task: number;
}

export interface ArrayJobPlan {
  /** Stable name within a submission: "L0", "L1", or "L1-b", "L0-2" when a level needs several jobs. */
  key: string;
  level: number;
  /** Run ids per array task: tasks[i] runs in SLURM_ARRAY_TASK_ID=i, in order. */
  tasks: string[][];
  /** Array tasks of earlier jobs that must finish successfully first. */
  after: TaskRef[];
  /** An array of mtl runs: its tasks get the mtl resources and start torchrun. */
  mtl?: boolean;
}

export interface PlanJobsOptions {
  /** Runs per array task for runs nobody depends on (default 1). */
  runsPerTask?: number;
  /** Largest array a job may have (SLURM's MaxArraySize is 1001 by default: indices 0..1000). */
  maxArraySize?: number;
  /** Runs already finished: not submitted, and a dependency on them counts as met. */
  done?: ReadonlySet<string>;
}

export function planArrayJobs(runs: readonly SlurmRunRef[], opts: PlanJobsOptions = {}): ArrayJobPlan[] {
  const runsPerTask = opts.runsPerTask ?? 1;
  const maxArraySize = opts.maxArraySize ?? 1000;
  if (!Number.isInteger(runsPerTask) || runsPerTask < 1)
    throw new UserError(`runs per task must be a positive integer (got ${runsPerTask})`);
  const done = opts.done ?? new Set<string>();
  const byId = new Map(runs.map((r) => [r.id, r]));
  const pending = runs.filter((r) => !done.has(r.id));

  for (const r of pending) {
    for (const d of r.depends_on) {
      if (!byId.has(d)) throw new UserError(`plan: run ${r.id} depends on ${d}, which is not in the plan`);
    }
  }
  const level = levels(pending, done);
  const providers = new Set(pending.flatMap((r) => r.depends_on.filter((d) => !done.has(d))));

  const jobs: ArrayJobPlan[] = [];
  /** Where each submitted run ends up, so dependants can name its task. */
  const placed = new Map<string, TaskRef>();
  const maxLevel = Math.max(-1, ...level.values());
  for (let lv = 0; lv <= maxLevel; lv++) {
    const atLevel = pending.filter((r) => level.get(r.id) === lv);
    for (const mtl of [true, false]) {
      // Group by the exact set of tasks waited for; Map keeps first-seen order, so plan order decides names.
      const groups = new Map<string, { after: TaskRef[]; runs: SlurmRunRef[] }>();
      for (const r of atLevel.filter((r) => Boolean(r.mtl) === mtl)) {
        const after = uniqueRefs(r.depends_on.filter((d) => !done.has(d)).map((d) => placed.get(d)!));
        const sig = after.map((t) => `${t.job}_${t.task}`).join(",");
        const g = groups.get(sig) ?? { after, runs: [] };
        g.runs.push(r);
        groups.set(sig, g);
      }
      const groupList = [...groups.values()];
      groupList.forEach((g, gi) => {
        const tasks = packTasks(g.runs, providers, mtl ? 1 : runsPerTask);
        const chunks = chunk(tasks, maxArraySize);
        chunks.forEach((taskChunk, ci) => {
          let key = mtl ? `L${lv}-mtl` : `L${lv}`;
          if (groupList.length > 1) key += `-${letter(gi)}`;
          if (chunks.length > 1) key += `-${ci + 1}`;
          jobs.push({ key, level: lv, tasks: taskChunk, after: g.after, ...(mtl ? { mtl } : {}) });
          taskChunk.forEach((ids, ti) => ids.forEach((id) => placed.set(id, { job: key, task: ti })));
        });
      });
    }
  }
  return jobs;
}

/** Dependency level of every pending run; finished dependencies do not count. Rejects cycles. */
function levels(pending: readonly SlurmRunRef[], done: ReadonlySet<string>): Map<string, number> {
  const byId = new Map(pending.map((r) => [r.id, r]));
  const level = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (r: SlurmRunRef): number => {
    const known = level.get(r.id);
    if (known !== undefined) return known;
    if (visiting.has(r.id)) throw new UserError(`plan: dependency cycle through run ${r.id}`);
    visiting.add(r.id);
    let lv = 0;
    for (const d of r.depends_on) {
      if (done.has(d)) continue;
      lv = Math.max(lv, visit(byId.get(d)!) + 1);
    }
    visiting.delete(r.id);
    level.set(r.id, lv);
    return lv;
  };
  for (const r of pending) visit(r);
  return level;
}

/** Providers first, one per task; then the rest grouped by model, runsPerTask at a time. */
function packTasks(
  runs: readonly SlurmRunRef[],
  providers: ReadonlySet<string>,
  runsPerTask: number,
): string[][] {
  const tasks: string[][] = runs.filter((r) => providers.has(r.id)).map((r) => [r.id]);
  const rest = runs.filter((r) => !providers.has(r.id));
  const models = [...new Set(rest.map((r) => r.model ?? ""))];
  for (const m of models) {
    const ids = rest.filter((r) => (r.model ?? "") === m).map((r) => r.id);
    tasks.push(...chunk(ids, runsPerTask));
  }
  return tasks;
}

function chunk<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

function uniqueRefs(refs: TaskRef[]): TaskRef[] {
  const seen = new Map(refs.map((t) => [`${t.job}_${t.task}`, t]));
  return [...seen.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, t]) => t);
}

function letter(i: number): string {
  return i < 26 ? String.fromCharCode(97 + i) : `g${i + 1}`;
}
