import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "../../util/errors.js";
import { writeFileAtomic } from "../../util/fs.js";
import { isTaskName } from "../checkout.js";

const SPLITS = join("splits", "default");
// A task file's name is <name>.json: keep it within the 255 bytes most filesystems allow.
const MAX_NAME_LENGTH = 200;

export function taskPath(dir: string, name: string): string {
  return join(dir, "tasks", `${name}.json`);
}

export function testSplitPath(dir: string): string {
  return join(dir, SPLITS, "test_tasks.txt");
}

/** Fail on a name that cannot be a task file's name (it becomes tasks/<name>.json and a data folder). */
export function checkTaskName(name: string): void {
  if (!isTaskName(name) || name.length > MAX_NAME_LENGTH)
    throw new UserError(
      `--name ${JSON.stringify(name)}: not a valid task file name`,
      `use letters, digits, "_", "." and "-", starting with a letter or digit, at most ${MAX_NAME_LENGTH} characters (e.g. task9001_tickets)`,
    );
}

/**
 * Check that the task can be written into the collection folder: DIR is a folder (or absent), and
 * tasks/<name>.json is absent unless `force`. Returns whether the task replaces an existing one.
 */
export async function checkTarget(dir: string, name: string, force: boolean): Promise<boolean> {
  for (const folder of [dir, join(dir, "tasks"), join(dir, SPLITS)]) {
    const s = await stat(folder).catch(() => null);
    if (s !== null && !s.isDirectory())
      throw new UserError(
        `--out ${dir}: ${folder} is a file, not a folder`,
        "give --out a folder (new or a collection)",
      );
  }
  const exists = (await stat(taskPath(dir, name)).catch(() => null)) !== null;
  if (exists && !force)
    throw new UserError(
      `${taskPath(dir, name)}: task "${name}" already exists`,
      "pass --force to replace it, or choose another --name",
    );
  return exists;
}

/**
 * Write the task file, then list the task once in splits/default/test_tasks.txt (creating the layout and
 * empty train and excluded splits). Each file is replaced atomically.
 */
export async function writeToCollection(dir: string, name: string, taskFile: string): Promise<string[]> {
  await writeFileAtomic(taskPath(dir, name), taskFile);
  const testTasks = await addToSplit(testSplitPath(dir), name);
  for (const split of ["train_tasks.txt", "excluded_tasks.txt"]) {
    const path = join(dir, SPLITS, split);
    if ((await stat(path).catch(() => null)) === null) await writeFileAtomic(path, "");
  }
  return testTasks;
}

/** Append the name unless the split already lists it; returns the names it lists afterwards. */
async function addToSplit(path: string, name: string): Promise<string[]> {
  const text = await readFile(path, "utf8").catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return "";
    throw new UserError(`${path}: cannot read (${e.code ?? String(e)})`);
  });
  const names = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  if (names.includes(name)) return names;
  const sep = text === "" || text.endsWith("\n") ? "" : "\n";
  await writeFileAtomic(path, `${text}${sep}${name}\n`);
  return [...names, name];
}
