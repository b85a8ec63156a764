import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "../util/errors.js";
import { readTaskFile, type LoadedTaskFile } from "./read.js";
import type { Task } from "./task.js";

/** A SuperNI checkout: `tasks/<name>.json` plus `splits/default/{test,train,excluded}_tasks.txt`. */
export interface Checkout {
  dir: string;
  /** The default test split, in split-file order; every one has a task file (checked on load). */
  testTasks: string[];
  /** Names in train_tasks.txt whose task file exists (a partial checkout lacks many), in split-file order. */
  trainTasks: string[];
  /** Names in excluded_tasks.txt, as listed (their files are never read). */
  excludedTasks: string[];
}

const SPLIT_DIR = join("splits", "default");
// Task names become folder names in a data build; "_prefinetune" and dot-names are reserved there.
const TASK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Whether a name can be a task's: letters, digits, `_`, `.` and `-`, starting with a letter or digit. */
export function isTaskName(name: string): boolean {
  return TASK_NAME.test(name);
}

/** Read the split files and check every test task has its file. Task files themselves are read lazily. */
export async function loadCheckout(dir: string): Promise<Checkout> {
  await requireDir(
    dir,
    "the SuperNI checkout",
    "point --superni at a folder holding tasks/ and splits/default/",
  );
  const tasksDir = join(dir, "tasks");
  await requireDir(
    tasksDir,
    "the tasks folder",
    "a SuperNI checkout keeps its task files in tasks/<name>.json",
  );
  const present = new Set(
    (await readdir(tasksDir)).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -".json".length)),
  );

  const testFile = join(dir, SPLIT_DIR, "test_tasks.txt");
  const testTasks = await readSplitFile(testFile, true);
  for (const { name, line } of testTasks) {
    if (!present.has(name)) {
      throw new UserError(
        `${testFile}:${line}: task "${name}" is named in the split but ${join(tasksDir, name + ".json")} is absent`,
        "add the task file, or remove the name from the split file",
      );
    }
  }
  const trainTasks = await readSplitFile(join(dir, SPLIT_DIR, "train_tasks.txt"), false);
  const excluded = await readSplitFile(join(dir, SPLIT_DIR, "excluded_tasks.txt"), false);
  return {
    dir,
    testTasks: testTasks.map((t) => t.name),
    trainTasks: trainTasks.map((t) => t.name).filter((n) => present.has(n)),
    excludedTasks: excluded.map((t) => t.name),
  };
}

export function taskFilePath(checkout: Checkout, name: string): string {
  return join(checkout.dir, "tasks", `${name}.json`);
}

/** Read and validate one task (one file in memory at a time: callers process tasks one by one). */
export async function readTask(checkout: Checkout, name: string): Promise<Task> {
  return (await loadTask(checkout, name)).task;
}

/** readTask plus the file's sha256 and size. */
export async function loadTask(checkout: Checkout, name: string): Promise<LoadedTaskFile> {
  if (!TASK_NAME.test(name))
    throw new UserError(`invalid task name "${name}"`, "task names look like task123_name");
  return readTaskFile(taskFilePath(checkout, name));
}

interface SplitEntry {
  name: string;
  line: number;
}

async function readSplitFile(path: string, required: boolean): Promise<SplitEntry[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" && !required) return [];
    throw new UserError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const entries: SplitEntry[] = [];
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const name = raw.trim();
    if (name === "" || name.startsWith("#")) return;
    const line = i + 1;
    if (!TASK_NAME.test(name)) throw new UserError(`${path}:${line}: "${name}" is not a valid task name`);
    const first = seen.get(name);
    if (first !== undefined)
      throw new UserError(`${path}:${line}: task "${name}" is listed twice (first on line ${first})`);
    seen.set(name, line);
    entries.push({ name, line });
  });
  return entries;
}

async function requireDir(path: string, what: string, hint: string): Promise<void> {
  let isDir = false;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new UserError(`${path}: ${what} not found`, hint);
}
