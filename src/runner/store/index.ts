import { readdir, readFile, stat } from "node:fs/promises";
import { hostname } from "node:os";
import { isAbsolute, join, relative, resolve } from "node:path";
import type { RunSpecInput } from "../../engine/spec.js";
import { planJson, runFile, type Plan, type PlannedRun } from "../../study/plan.js";
import { UserError } from "../../util/errors.js";
import { writeFileAtomic, writeJsonAtomic } from "../../util/fs.js";
import { sha256File } from "../../util/hash.js";
import { isHeld } from "../lock.js";

/**
 * The study directory (docs/architecture.md, "Study directory"): the one source of truth. Every file is
 * written atomically (temp + rename); a run is done only when state.json says so AND the hashes recorded
 * there match its files. Nothing here needs file locks or a database, so it works on network filesystems.
 */

export type RunStatus = "pending" | "running" | "done" | "failed";

export interface RunState {
  status: RunStatus;
  /** Executions started (a crash or Ctrl-C in the middle counts too). */
  attempts: number;
  error?: string;
  /** sha256 of every output file (relative path -> hash), recorded when the run is done. */
  hashes?: Record<string, string>;
  /** sha256 of the engine's outputs, recorded once the engine finished: a crash before scoring skips the engine. */
  engine_outputs?: Record<string, string>;
  worker?: { host: string; pid: number; device: string };
  updated: string;
}

/** runs/<id>/run.json. */
export type RunFile = ReturnType<typeof runFile>;

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
  async writePlan(plan: Plan, studyYaml: string): Promise<void> {
    await writeFileIfChanged(join(this.dir, "study.yaml"), studyYaml);
    await writeJsonAtomic(this.planPath, planJson(plan));
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

  /** The run ids of plan.json, in plan order. */
  async planRunIds(): Promise<string[]> {
    const plan = (await this.readJson(this.planPath)) as { runs?: { id: string }[] };
    if (!Array.isArray(plan.runs)) throw new UserError(`${this.planPath}: no "runs" list`);
    return plan.runs.map((r) => r.id);
  }

  async readRun(id: string): Promise<RunFile> {
    return (await this.readJson(join(this.runDir(id), "run.json"))) as RunFile;
  }

  /** The engine spec ready to run: paths made absolute, device filled in. */
  async engineSpec(id: string, device: "auto" | "cpu" | "cuda"): Promise<RunSpecInput> {
    const spec = (await this.readJson(join(this.runDir(id), "spec.json"))) as RunSpecInput;
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

  async readState(id: string): Promise<RunState> {
    try {
      return JSON.parse(await readFile(join(this.runDir(id), "state.json"), "utf8")) as RunState;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT")
        return { status: "pending", attempts: 0, updated: "" };
      throw e;
    }
  }

  async writeState(id: string, state: Omit<RunState, "updated">): Promise<RunState> {
    const full: RunState = { ...state, updated: new Date().toISOString() };
    await writeJsonAtomic(join(this.runDir(id), "state.json"), full);
    return full;
  }

  /** Hash the given files of a run (those absent are left out); `model/` expands to every file under it. */
  async hashOutputs(id: string, names: string[]): Promise<Record<string, string>> {
    const dir = this.runDir(id);
    const out: Record<string, string> = {};
    for (const name of names) {
      for (const rel of await expandFiles(dir, name)) out[rel] = await sha256File(join(dir, rel));
    }
    return out;
  }

  /** Whether every recorded hash still matches its file (a missing or changed file fails). */
  async verifyHashes(id: string, hashes: Record<string, string> | undefined): Promise<boolean> {
    if (!hashes || Object.keys(hashes).length === 0) return false;
    const dir = this.runDir(id);
    for (const [rel, hash] of Object.entries(hashes)) {
      try {
        if ((await sha256File(join(dir, rel))) !== hash) return false;
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

  /** The `quicklearn status --json` object, from the run folders alone. */
  async summary(): Promise<StatusSummary> {
    const ids = await this.planRunIds();
    const s: StatusSummary = { total: ids.length, done: 0, failed: 0, running: 0, pending: 0, failures: [] };
    for (const id of ids) {
      const state = await this.readState(id);
      const status = await this.effectiveStatus(id, state);
      s[status]++;
      if (status === "failed") s.failures.push({ id, error: state.error ?? "unknown error" });
    }
    return s;
  }

  async readJson(path: string): Promise<unknown> {
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
      "create one with quicklearn run STUDY.yaml --out DIR",
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
