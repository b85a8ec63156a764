import { existsSync, readdirSync } from "node:fs";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { RunStats } from "../runner/store/stats.js";
import { UserError } from "../util/errors.js";
import { readJsonFile } from "../util/fs.js";
import { sha256File } from "../util/hash.js";
import type {
  InstanceScore,
  RunResult,
  RunStatus,
  StudyArm,
  StudyResults,
  StudyRun,
  Truncation,
} from "./types.js";

const ArmSchema = z.object({
  name: z.string().min(1),
  label: z.string().optional(),
  role: z.enum(["instruction-tuned", "baseline", "supervised", "zero-shot", "prefinetune"]),
  model: z.string().default(""),
  encoding: z.string().default(""),
  prefinetune: z.string().nullable().default(null),
});

const PlannedRunSchema = z.object({
  id: z.string().min(1),
  arm: z.string().min(1),
  setting: z.string().min(1),
  task: z.string().nullable().default(null),
  budget: z.union([z.string(), z.number()]).nullable().default(null),
  seed: z.number().int().optional(),
});

const PlanSchema = z.object({
  study: z.object({ name: z.string().min(1) }),
  preset: z.string().nullable().default(null),
  arms: z.array(ArmSchema),
  runs: z.array(PlannedRunSchema),
});

const StateSchema = z.object({
  status: z.enum(["pending", "running", "done", "failed"]),
  hashes: z.record(z.string(), z.unknown()).optional(),
});

/** Read a study directory (layout in docs/architecture.md) into the analysis's input. Partial studies are fine. */
export async function loadStudy(dir: string): Promise<StudyResults> {
  const planPath = join(dir, "plan.json");
  if (!existsSync(planPath)) {
    throw new UserError(
      `${dir}: not a study directory (no plan.json)`,
      "give the folder that `quicklearn run --out DIR` wrote",
    );
  }
  const plan = parseWith(PlanSchema, await readJsonFile(planPath), planPath);
  const notes: string[] = [];
  const arms: StudyArm[] = plan.arms.map((a) => ({ ...a, label: a.label ?? a.name }));
  const armNames = new Set(arms.map((a) => a.name));

  for (const planned of plan.runs) {
    if (!armNames.has(planned.arm)) {
      throw new UserError(
        `${planPath}: run ${planned.id} names arm "${planned.arm}", which the plan does not define`,
      );
    }
  }
  // Runs are independent files: read a few at a time (a thesis study has ~1,000 of them).
  const loaded = await mapLimit(plan.runs, 16, (planned) => loadRun(dir, planned, notes));
  const runs = loaded.map((l) => l.run);
  const results = loaded.flatMap((l) => (l.result ? [l.result] : []));
  notes.sort();
  const tasks = new Set(results.flatMap((r) => r.scores.map((s) => s.task)));
  const trainAll = await meanTrainCountAll(dir, tasks);
  return {
    dir,
    name: plan.study.name,
    preset: plan.preset,
    arms,
    runs,
    results,
    meanTrainAll: trainAll?.mean ?? null,
    meanTrainAllSource: trainAll?.source ?? "unknown",
    notes,
  };
}

/**
 * instance_scores.jsonl lines: {"task","id","category","rougeL",...}. Checked by hand rather than by a
 * schema: a thesis-size study has ~170,000 lines and this is the report's hot path.
 */
export function parseInstanceScores(text: string, path: string): InstanceScore[] {
  const out: InstanceScore[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(line) as Record<string, unknown>;
    } catch (e) {
      throw new UserError(`${path}:${i + 1}: invalid JSON: ${(e as Error).message}`);
    }
    const bad = (field: string, want: string) =>
      new UserError(
        `${path}:${i + 1}: field ${field}: expected ${want}`,
        "rescore the run with `quicklearn score`",
      );
    if (!v || typeof v !== "object") throw bad("(root)", "an object");
    if (typeof v.task !== "string" || v.task === "") throw bad("task", "a task name");
    if (typeof v.id !== "string" && typeof v.id !== "number") throw bad("id", "an instance id");
    if (typeof v.rougeL !== "number" || !(v.rougeL >= 0 && v.rougeL <= 1))
      throw bad("rougeL", "a number in 0..1");
    out.push({
      task: v.task,
      id: String(v.id),
      category: typeof v.category === "string" ? v.category : "",
      rougeL: v.rougeL,
    });
  }
  return out;
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new UserError(`${where}: field ${issue.path.join(".") || "(root)"}: ${issue.message}`);
}

async function loadRun(
  dir: string,
  planned: z.infer<typeof PlannedRunSchema>,
  notes: string[],
): Promise<{ run: StudyRun; result: RunResult | null }> {
  const runDir = join(dir, "runs", planned.id);
  const runJson = await readOptionalJson(join(runDir, "run.json"));
  const run: StudyRun = {
    id: planned.id,
    arm: planned.arm,
    setting: planned.setting,
    task: planned.task,
    budget: planned.budget === null ? null : String(planned.budget),
    seed: numberField(runJson, "seed") ?? planned.seed ?? 0,
    status: await readStatus(runDir),
  };
  if (run.status !== "done" || run.setting === "prefinetune") return { run, result: null };
  const result = await loadRunResult(run, runDir, notes);
  if (!result) run.status = "failed";
  return { run, result };
}

async function mapLimit<T, R>(items: readonly T[], limit: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

async function readOptionalJson(path: string): Promise<unknown> {
  return existsSync(path) ? readJsonFile(path) : null;
}

function numberField(value: unknown, key: string): number | undefined {
  if (value && typeof value === "object") {
    const v = (value as Record<string, unknown>)[key];
    if (typeof v === "number") return v;
  }
  return undefined;
}

async function readStatus(runDir: string): Promise<RunStatus> {
  const path = join(runDir, "state.json");
  if (!existsSync(path)) return "pending";
  return parseWith(StateSchema, await readJsonFile(path), path).status;
}

/**
 * Scores of a finished run, or null (with a note) when they are missing or no longer match the
 * hash the runner recorded: a run counts as done only when its files are the ones it finished with.
 */
async function loadRunResult(run: StudyRun, runDir: string, notes: string[]): Promise<RunResult | null> {
  const scoresPath = join(runDir, "instance_scores.jsonl");
  if (!existsSync(scoresPath)) {
    notes.push(`run ${run.id} is marked done but has no instance_scores.jsonl; counted as not done`);
    return null;
  }
  const state = (await readJsonFile(join(runDir, "state.json"))) as { hashes?: Record<string, unknown> };
  const recorded = Object.entries(state.hashes ?? {}).find(([file]) =>
    file.endsWith("instance_scores.jsonl"),
  )?.[1];
  if (typeof recorded === "string" && recorded.replace(/^sha256:/, "") !== (await sha256File(scoresPath))) {
    notes.push(`run ${run.id}: instance_scores.jsonl changed since the run finished; counted as not done`);
    return null;
  }
  const scores = parseInstanceScores(await readFile(scoresPath, "utf8"), scoresPath);
  const statsPath = join(runDir, "stats.json");
  const stats = existsSync(statsPath) ? parseWith(RunStats, await readJsonFile(statsPath), statsPath) : null;
  return { run, scores, truncation: truncationOf(stats) };
}

/** Per task, the truncation counts of each phase the run had (stats.json `train|eval.truncation.tasks`). */
export function truncationOf(stats: RunStats | null): Record<string, Truncation> {
  const out: Record<string, Truncation> = {};
  for (const phase of ["train", "eval"] as const) {
    for (const [task, counts] of Object.entries(stats?.[phase]?.truncation.tasks ?? {}))
      (out[task] ??= { train: null, eval: null })[phase] = counts;
  }
  return out;
}

/**
 * Budget "all" needs a position on the log budget axis: the mean per-task number of training
 * instances under "all". Read from the study's data build (manifest counts, else the files).
 */
async function meanTrainCountAll(
  dir: string,
  tasks: Set<string>,
): Promise<{ mean: number; source: string } | null> {
  const dataDir = join(dir, "data");
  const manifestPath = join(dataDir, "manifest.json");
  let counts = new Map<string, number>();
  let source = "";
  if (existsSync(manifestPath)) {
    counts = trainAllCountsInManifest(await readJsonFile(manifestPath));
    source = "data/manifest.json";
  }
  if (counts.size === 0 && existsSync(dataDir)) {
    counts = await trainAllCountsFromFiles(dataDir);
    source = "data/<encoding>/<task>/train.all.jsonl";
  }
  const relevant = [...counts].filter(([task]) => tasks.size === 0 || tasks.has(task)).map(([, n]) => n);
  if (relevant.length === 0) return null;
  const mean = relevant.reduce((a, b) => a + b, 0) / relevant.length;
  return { mean, source: `${source} (${relevant.length} tasks)` };
}

/** Per task, the training instances under budget "all", from the data build's manifest (`tasks.<task>.budgets.all`). */
export function trainAllCountsInManifest(manifest: unknown): Map<string, number> {
  const counts = new Map<string, number>();
  const tasks = (manifest as { tasks?: unknown } | null)?.tasks;
  if (!tasks || typeof tasks !== "object") return counts;
  for (const [task, facts] of Object.entries(tasks as Record<string, unknown>)) {
    const f = facts as { budgets?: Record<string, unknown>; train?: unknown } | null;
    const n = f?.budgets?.all ?? f?.train;
    if (typeof n === "number" && n >= 0) counts.set(task, n);
  }
  return counts;
}

async function trainAllCountsFromFiles(dataDir: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const encoding of readdirSync(dataDir, { withFileTypes: true })) {
    if (!encoding.isDirectory()) continue;
    for (const task of readdirSync(join(dataDir, encoding.name), { withFileTypes: true })) {
      const file = join(dataDir, encoding.name, task.name, "train.all.jsonl");
      if (task.isDirectory() && !counts.has(task.name) && existsSync(file))
        counts.set(task.name, await countLines(file));
    }
  }
  return counts;
}

async function countLines(path: string): Promise<number> {
  let n = 0;
  for await (const chunk of createReadStream(path)) {
    const buf = chunk as Buffer;
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  }
  return n;
}
