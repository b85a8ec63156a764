import { readdir, readFile, stat } from "node:fs/promises";
import { hostname } from "node:os";
import { isAbsolute, join, relative, resolve } from "node:path";
import type { z } from "zod";
import { readManifest, type DataManifest } from "../../data/index.js";
import { RunSpec, type RunSpecInput } from "../../engine/spec.js";
import type { ScoreReport } from "../../metrics/index.js";
import type { Plan, PlannedRun } from "../../study/plan.js";
import { UserError } from "../../util/errors.js";
import { writeFileAtomic, writeJsonAtomic } from "../../util/fs.js";
import { FileDigestCache } from "../../util/digest-cache.js";
import { isHeld } from "../lock.js";
import {
  PlanFile,
  planFile,
  RunFile,
  runFile,
  RunState,
  type RunStatus,
  type SearchRecord,
} from "./files.js";
import { parseInstanceScores, type InstanceScoreLine } from "./instance-scores.js";
import { RunStats } from "./stats.js";

export {
  PlanFile,
  RunFile,
  RunState,
  RunRecord,
  RUN_STATUSES,
  SEARCH_STATES,
  SearchRecord,
  planFile,
  type RunStatus,
  type SearchTargetRef,
} from "./files.js";
export { RunStats, phaseTruncation, type PhaseTruncation, type TruncationCounts } from "./stats.js";
export type { InstanceScoreLine } from "./instance-scores.js";

/**
 * The study directory (docs/architecture.md, "Study directory"): the one source of truth. Every file is
 * written atomically (temp + rename); a run is done only when state.json says so AND the hashes recorded
 * there match its files. Nothing here needs file locks or a database, so it works on network filesystems.
 */

export interface StatusSummary {
  total: number;
  done: number;
  failed: number;
  running: number;
  pending: number;
  failures: { id: string; error: string }[];
}

export const ENGINE_OUTPUTS = ["predictions.jsonl", "stats.json", "train_log.jsonl"];
export const SCORE_OUTPUTS = ["scores.json", "instance_scores.jsonl"];

export class StudyStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  get planPath(): string {
    return join(this.dir, "plan.json");
  }
  get lockPath(): string {
    return join(this.dir, ".lock");
  }
  get dataDir(): string {
    return join(this.dir, "data");
  }
  runDir(id: string): string {
    return join(this.dir, "runs", id);
  }
  claimPath(id: string): string {
    return join(this.runDir(id), ".claim");
  }

  /**
   * Record a plan: study.yaml, plan.json, and for every run its run.json + spec.json and a pending
   * state.json when it has none. A run's id fixes everything that determines its result, so its files
   * change only where a model outside the study directory now lies elsewhere. Runs of an older plan stay
   * on disk but leave plan.json, so status and results ignore them.
   */
  async writePlan(plan: Plan, studyYaml: string, search?: SearchRecord): Promise<void> {
    await writeFileIfChanged(join(this.dir, "study.yaml"), studyYaml);
    await writeJsonAtomic(this.planPath, planFile(plan, search));
    for (const run of plan.runs) {
      const dir = this.runDir(run.id);
      await writeFileIfChanged(join(dir, "run.json"), jsonText(runFile(run)));
      await writeFileIfChanged(join(dir, "spec.json"), jsonText(this.engineSpecOf(run)));
      if (!(await exists(join(dir, "state.json"))))
        await this.writeState(run.id, { status: "pending", attempts: 0 });
    }
  }

  /**
   * The engine spec stored in runs/<id>/spec.json: paths relative to the study directory (a model inside it
   * as `./<path>`), so the directory can move; the device is left to the executor.
   */
  private engineSpecOf(run: PlannedRun): RunSpecInput {
    const inside = isAbsolute(run.engine.model) ? relative(this.dir, run.engine.model) : null;
    const model =
      inside !== null && inside !== "" && !inside.startsWith("..") && !isAbsolute(inside)
        ? `./${inside}`
        : run.engine.model;
    return {
      run_id: run.id,
      ...run.engine,
      model,
      init_from: run.init_from_run ? join("runs", run.init_from_run, "model") : null,
      output_dir: join("runs", run.id),
      device: "auto",
    };
  }

  async readPlan(): Promise<PlanFile> {
    return this.readValid(this.planPath, PlanFile);
  }

  /** The run ids of plan.json, in plan order. */
  async planRunIds(): Promise<string[]> {
    return (await this.readPlan()).runs.map((r) => r.id);
  }

  async readRun(id: string): Promise<RunFile> {
    return this.readValid(join(this.runDir(id), "run.json"), RunFile);
  }

  /** The engine's stats.json of a run, or null when it wrote none. */
  async readStats(id: string): Promise<RunStats | null> {
    const path = join(this.runDir(id), "stats.json");
    return (await exists(path)) ? this.readValid(path, RunStats) : null;
  }

  /** The study's data build manifest (STUDY/data/manifest.json), or null before the data is built. */
  readManifest(): Promise<DataManifest | null> {
    return readManifest(this.dataDir);
  }

  /** scores.json of a scored run (the `quicklearn score --json` object). */
  async readScores(id: string): Promise<ScoreReport> {
    return (await this.readJson(join(this.runDir(id), "scores.json"))) as ScoreReport;
  }

  /** instance_scores.jsonl of a scored run. */
  async readInstanceScores(id: string): Promise<InstanceScoreLine[]> {
    const path = join(this.runDir(id), "instance_scores.jsonl");
    return parseInstanceScores(await readFile(path, "utf8"), path);
  }

  /** The engine spec ready to run: paths made absolute, device filled in. */
  async engineSpec(id: string, device: "auto" | "cpu" | "cuda"): Promise<RunSpecInput> {
    const spec = await this.readValid(join(this.runDir(id), "spec.json"), RunSpec);
    const abs = (p: string) => (isAbsolute(p) ? p : join(this.dir, p));
    return {
      ...spec,
      device,
      model: spec.model.startsWith("./") ? join(this.dir, spec.model) : spec.model,
      output_dir: abs(spec.output_dir),
      init_from: spec.init_from ? abs(spec.init_from) : null,
      train: spec.train ? { ...spec.train, files: spec.train.files.map(abs) } : null,
      eval: spec.eval ? { ...spec.eval, files: spec.eval.files.map(abs) } : null,
    };
  }

  /** state.json (a run without one is pending); a damaged one is a UserError naming the file. */
  async readState(id: string): Promise<RunState> {
    const path = join(this.runDir(id), "state.json");
    if (!(await exists(path))) return { status: "pending", attempts: 0, updated: "" };
    return this.readValid(path, RunState);
  }

  async writeState(id: string, state: Omit<RunState, "updated">): Promise<RunState> {
    const full: RunState = { ...state, updated: new Date().toISOString() };
    await writeJsonAtomic(join(this.runDir(id), "state.json"), full);
    return full;
  }

  /** Hash the given files of a run (those absent are left out); `model/` expands to every file under it. */
  async hashOutputs(id: string, names: string[]): Promise<Record<string, string>> {
    const dir = this.runDir(id);
    const digests = await FileDigestCache.shared();
    const out: Record<string, string> = {};
    for (const name of names) {
      for (const rel of await expandFiles(dir, name)) out[rel] = await digests.digest(join(dir, rel));
    }
    return out;
  }

  /**
   * Whether every recorded hash still matches its file (a missing or changed file fails). Digests come from
   * the file digest cache while a file is unchanged, so verifying a study of 3B models costs stats, not reads.
   */
  async verifyHashes(id: string, hashes: Record<string, string> | undefined): Promise<boolean> {
    if (!hashes || Object.keys(hashes).length === 0) return false;
    const dir = this.runDir(id);
    const digests = await FileDigestCache.shared();
    for (const [rel, hash] of Object.entries(hashes)) {
      try {
        if ((await digests.digest(join(dir, rel))) !== hash) return false;
      } catch {
        return false;
      }
    }
    return true;
  }

  /** A run marked running whose claim has no live owner was interrupted (crash, kill): it is pending again. */
  async effectiveStatus(id: string, state: RunState): Promise<RunStatus> {
    if (state.status !== "running") return state.status;
    return (await isHeld(this.claimPath(id))) ? "running" : "pending";
  }

  /**
   * Where a run stands, by the one validity rule that status, results and reports share: done only when
   * state.json says so and every file it recorded still has its hash (a changed or deleted output makes it
   * pending again); running only while a live process holds its claim.
   */
  async runStatus(id: string): Promise<{ status: RunStatus; state: RunState }> {
    const state = await this.readState(id);
    if (state.status === "done")
      return { status: (await this.verifyHashes(id, state.hashes)) ? "done" : "pending", state };
    return { status: await this.effectiveStatus(id, state), state };
  }

  /** The `quicklearn status --json` object, from the run folders alone. */
  async summary(): Promise<StatusSummary> {
    const ids = await this.planRunIds();
    const s: StatusSummary = { total: ids.length, done: 0, failed: 0, running: 0, pending: 0, failures: [] };
    for (const id of ids) {
      const { status, state } = await this.runStatus(id);
      s[status]++;
      if (status === "failed") s.failures.push({ id, error: state.error ?? "unknown error" });
    }
    return s;
  }

  /** plan.json from a plan document (planning writes it with writePlan; imports and test fixtures with this). */
  async writePlanFile(plan: z.input<typeof PlanFile>): Promise<void> {
    await writeJsonAtomic(this.planPath, PlanFile.parse(plan));
  }

  /**
   * A run executed elsewhere (imports, test fixtures): its run.json, its score lines (none for a
   * pre-finetune) and engine stats, done
   * with their hashes, exactly as the runner leaves a run it scored.
   */
  async recordFinishedRun(
    run: z.input<typeof RunFile>,
    outputs: { instanceScores: InstanceScoreLine[] | null; stats: RunStats },
  ): Promise<void> {
    const dir = this.runDir(run.id);
    await writeJsonAtomic(join(dir, "run.json"), RunFile.parse(run));
    if (outputs.instanceScores)
      await writeFileAtomic(
        join(dir, "instance_scores.jsonl"),
        outputs.instanceScores.map((line) => JSON.stringify(line) + "\n").join(""),
      );
    await writeJsonAtomic(join(dir, "stats.json"), RunStats.parse(outputs.stats));
    await this.markDone(run.id, 1);
  }

  /** Hash a run's outputs and mark it done: the last step of executing it. */
  async markDone(id: string, attempts: number): Promise<void> {
    const hashes = await this.hashOutputs(id, [...ENGINE_OUTPUTS, ...SCORE_OUTPUTS, "model"]);
    await this.writeState(id, { status: "done", attempts, hashes });
  }

  private async readValid<T>(path: string, schema: z.ZodType<T>): Promise<T> {
    const parsed = schema.safeParse(await this.readJson(path));
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0]!;
    throw new UserError(
      `${path}: ${issue.path.length ? `field ${issue.path.join(".")}: ` : ""}${issue.message}`,
      "this file of the study directory was changed or damaged; rerun quicklearn run on it to redo the run",
    );
  }

  private async readJson(path: string): Promise<unknown> {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT")
        throw new UserError(
          `${path}: not found`,
          `is ${this.dir} a study directory (made by quicklearn run)?`,
        );
      throw e;
    }
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new UserError(`${path}: invalid JSON: ${(e as Error).message}`);
    }
  }
}

/** Open an existing study directory (it must hold plan.json). */
export async function openStudy(dir: string): Promise<StudyStore> {
  const store = new StudyStore(dir);
  if (!(await exists(store.planPath)))
    throw new UserError(
      `${dir}: not a study directory (no plan.json)`,
      "create one with quicklearn run STUDY.yaml DIR",
    );
  return store;
}

export function workerInfo(device: string): RunState["worker"] {
  return { host: hostname(), pid: process.pid, device };
}

function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2) + "\n";
}

async function writeFileIfChanged(path: string, text: string): Promise<void> {
  try {
    if ((await readFile(path, "utf8")) === text) return;
  } catch {
    // absent: write it
  }
  await writeFileAtomic(path, text);
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** `name` if it is a file, every file under it (relative, sorted) if it is a folder, nothing if absent. */
async function expandFiles(root: string, name: string): Promise<string[]> {
  let st;
  try {
    st = await stat(join(root, name));
  } catch {
    return [];
  }
  if (!st.isDirectory()) return [name];
  const out: string[] = [];
  for (const entry of (await readdir(join(root, name), { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    out.push(...(await expandFiles(root, join(name, entry.name))));
  }
  return out;
}
