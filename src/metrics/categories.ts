import { open, readdir, readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { UserError } from "../util/errors.js";

/** Enough of a task file to hold its header's Categories in every SuperNI task file. */
const HEAD_BYTES = 64 * 1024;
const CATEGORIES_RE = /"Categories"\s*:\s*\[\s*("(?:[^"\\]|\\.)*")/;

/**
 * Task -> category (the task file's first Categories entry, as written) for every task of a SuperNI
 * checkout (DIR/tasks/*.json, or DIR itself holding the task files). Only each file's head is read.
 */
export async function loadTaskCategories(dir: string): Promise<Map<string, string>> {
  const tasksDir = (await isDirectory(join(dir, "tasks"))) ? join(dir, "tasks") : dir;
  if (!(await isDirectory(tasksDir))) {
    throw new UserError(
      `--superni ${dir}: not a directory`,
      "give a SuperNI checkout (the folder holding tasks/)",
    );
  }
  const files = (await readdir(tasksDir)).filter((f) => /^task.*\.json$/.test(f)).sort();
  if (files.length === 0) {
    throw new UserError(
      `--superni ${dir}: no task files (tasks/task*.json)`,
      "give a SuperNI checkout (the folder holding tasks/)",
    );
  }
  const categories = new Map<string, string>();
  for (const file of files) {
    const category = await readCategory(join(tasksDir, file));
    if (category !== undefined) categories.set(basename(file, ".json"), category);
  }
  return categories;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function readCategory(path: string): Promise<string | undefined> {
  const handle = await open(path, "r");
  let head: string;
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    head = buffer.subarray(0, bytesRead).toString("utf8");
  } finally {
    await handle.close();
  }
  const match = CATEGORIES_RE.exec(head);
  if (match) return JSON.parse(match[1]!) as string;
  // Unusual layout (e.g. Categories after the instances): parse the whole file.
  let task: unknown;
  try {
    task = JSON.parse(await readFile(path, "utf8"));
  } catch (e) {
    throw new UserError(`${path}: invalid JSON: ${(e as Error).message}`);
  }
  const list = (task as { Categories?: unknown }).Categories;
  return Array.isArray(list) && typeof list[0] === "string" ? list[0] : undefined;
}
