import { randomBytes } from "node:crypto";
import { readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, relative, sep } from "node:path";
import { z } from "zod";
import { UserError } from "../util/errors.js";
import { writeJsonAtomic } from "../util/fs.js";
import { loadCheckout, loadTask, type Checkout, type Instance, type Task } from "../superni/index.js";
import { budgetSize, parseBudget } from "./budget.js";
import { DEFAULT_POSITIVE_EXAMPLES, encoder, parseEncoding, type EncodingName } from "./encodings.js";
import { reportGroup, type ReportGroup } from "./groups.js";
import { datasetPath, manifestPath, MANIFEST_FILE, prefinetunePath } from "./layout.js";
import { drawTarget, replicateOrder } from "./prng.js";
import { downstreamSplit } from "./split.js";
import { JsonlFileWriter, type FileFacts } from "./writer.js";

/** One line of a dataset file. `target` is the drawn training reference; `references` keeps them all. */
export interface DataRecord {
  id: string;
  task: string;
  category: string;
  source: string;
  target: string;
  references: string[];
}

export interface PrefinetuneOptions {
  /** First k instances of every train task (default 100). */
  k: number;
  /** Encodings of the set: thesis-def-pos is "with instructions", plain "without". */
  encodings: string[];
  /** Default: every train task present in the checkout. */
  tasks?: string[];
}

export interface BuildOptions {
  superni: string;
  out: string;
  /** Default: every test task of the checkout. */
  tasks?: string[];
  budgets: string[];
  encodings: string[];
  seed: number;
  /** Positive examples in the encodings that show them (default 2). */
  positiveExamples?: number;
  /**
   * Data replicates (default 1): replicate r > 0 trains each budget on another seeded draw of the task's
   * train split. "all" is the whole split in every replicate, so only replicate 0 writes it.
   */
  replicates?: number;
  prefinetune?: PrefinetuneOptions | null;
  onProgress?: (done: number, total: number, task: string) => void;
}

export const MANIFEST_FORMAT = "quicklearn-data/1";
/** More replicates than this buys little: the bootstrap's interval narrows as 1/sqrt(k). */
export const MAX_REPLICATES = 100;

export interface ManifestTask {
  category: string;
  report_group: ReportGroup;
  small: boolean;
  instances: number;
  test: number;
  validation: number;
  train: number;
  /** Train instances per budget (a prefix of the train split). */
  budgets: Record<string, number>;
}

export interface DataManifest {
  format: typeof MANIFEST_FORMAT;
  /** Everything the content depends on: equal inputs give byte-identical files (and manifest). */
  inputs: {
    seed: number;
    budgets: string[];
    encodings: EncodingName[];
    positive_examples: number;
    /** Present only above 1, so builds without replicates keep their manifest. */
    replicates?: number;
    tasks: string[];
    prefinetune: { k: number; encodings: EncodingName[]; tasks: string[] } | null;
    /** sha256 of each task file read (downstream and pre-finetuning tasks), by name. */
    task_files: Record<string, string>;
  };
  tasks: Record<string, ManifestTask>;
  prefinetune: { k: number; instances: number; tasks: Record<string, number> } | null;
  /** Every dataset file, by path relative to the build folder ("/"-separated), sorted. */
  files: Record<string, FileFacts>;
}

/**
 * Build the JSONL datasets of docs/architecture.md ("Data build layout") into `out`.
 * Tasks are read one at a time. Everything is written into a temporary sibling folder that replaces `out`
 * only when the whole build has succeeded, so a failed build leaves `out` as it was. `out` may be absent,
 * empty, or a previous build (it has a manifest.json); anything else is refused rather than overwritten.
 */
export async function buildData(opts: BuildOptions): Promise<DataManifest> {
  const plan = await planBuild(opts);
  await checkOutDir(opts.out);
  const tmp = join(
    dirname(opts.out),
    `.${basename(opts.out)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`,
  );
  try {
    const manifest = await buildInto(tmp, plan, opts.onProgress);
    await writeManifest(tmp, manifest);
    await replaceDir(tmp, opts.out);
    return manifest;
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

interface BuildPlan {
  checkout: Checkout;
  tasks: string[];
  budgets: string[];
  encodings: EncodingName[];
  seed: number;
  k: number;
  replicates: number;
  prefinetune: { k: number; encodings: EncodingName[]; tasks: string[] } | null;
}

async function planBuild(opts: BuildOptions): Promise<BuildPlan> {
  if (!Number.isSafeInteger(opts.seed) || opts.seed < 0) {
    throw new UserError(`invalid seed ${opts.seed}`, "the seed is a non-negative integer");
  }
  const k = opts.positiveExamples ?? DEFAULT_POSITIVE_EXAMPLES;
  if (!Number.isInteger(k) || k < 0) throw new UserError(`invalid number of positive examples: ${k}`);
  const replicates = opts.replicates ?? 1;
  if (!Number.isInteger(replicates) || replicates < 1 || replicates > MAX_REPLICATES)
    throw new UserError(
      `invalid number of data replicates: ${replicates}`,
      `a whole number from 1 to ${MAX_REPLICATES}`,
    );
  const budgets = unique(opts.budgets.map(parseBudget));
  const encodings = unique(opts.encodings.map(parseEncoding));
  if (budgets.length === 0) throw new UserError("no budget given", "e.g. --budgets 100,200,1000,all");
  if (encodings.length === 0)
    throw new UserError("no encoding given", "e.g. --encodings thesis-def-pos,plain");

  const checkout = await loadCheckout(opts.superni);
  const tasks = unique(opts.tasks ?? checkout.testTasks);
  await requireTaskFiles(checkout, tasks);

  let prefinetune: BuildPlan["prefinetune"] = null;
  if (opts.prefinetune) {
    const pk = opts.prefinetune.k;
    if (!Number.isSafeInteger(pk) || pk < 1)
      throw new UserError(`invalid pre-finetuning size ${pk}`, "k >= 1");
    const ptasks = unique(opts.prefinetune.tasks ?? checkout.trainTasks);
    await requireTaskFiles(checkout, ptasks);
    prefinetune = { k: pk, encodings: unique(opts.prefinetune.encodings.map(parseEncoding)), tasks: ptasks };
  }
  return { checkout, tasks, budgets, encodings, seed: opts.seed, k, replicates, prefinetune };
}

async function buildInto(
  root: string,
  plan: BuildPlan,
  onProgress?: (done: number, total: number, task: string) => void,
): Promise<DataManifest> {
  const files: Record<string, FileFacts> = {};
  const taskFiles: Record<string, string> = {};
  const tasks: Record<string, ManifestTask> = {};
  const total = plan.tasks.length + (plan.prefinetune?.tasks.length ?? 0);
  let done = 0;
  const record = (path: string, facts: FileFacts) => {
    files[relative(root, path).split(sep).join("/")] = facts;
  };

  for (const name of plan.tasks) {
    const { task, sha256 } = await loadTask(plan.checkout, name);
    taskFiles[name] = sha256;
    const split = downstreamSplit(task);
    const budgets = Object.fromEntries(plan.budgets.map((b) => [b, budgetSize(b, split.train.length)]));
    for (const encoding of plan.encodings) {
      const line = lineMaker(encoding, task, plan);
      for (const s of ["test", "validation"] as const) {
        const path = datasetPath(root, { encoding, task: name, split: s });
        record(path, await writeLines(path, split[s], line));
      }
      for (let r = 0; r < plan.replicates; r++) {
        const sizes = r === 0 ? budgets : withoutAll(budgets);
        const train = replicateOrder(split.train, plan.seed, name, r);
        await writeBudgets(root, { encoding, task: name, replicate: r }, train, sizes, line, record);
      }
    }
    tasks[name] = {
      category: task.category,
      report_group: reportGroup(task.category),
      small: split.small,
      instances: task.instances.length,
      test: split.test.length,
      validation: split.validation.length,
      train: split.train.length,
      budgets,
    };
    onProgress?.(++done, total, name);
  }

  let prefinetune: DataManifest["prefinetune"] = null;
  if (plan.prefinetune) {
    const pf = plan.prefinetune;
    const writers = await Promise.all(
      pf.encodings.map((e) => JsonlFileWriter.create(prefinetunePath(root, e, pf.k))),
    );
    const counts: Record<string, number> = {};
    try {
      for (const name of pf.tasks) {
        const { task, sha256 } = await loadTask(plan.checkout, name);
        taskFiles[name] = sha256;
        const first = task.instances.slice(0, pf.k);
        for (const [i, encoding] of pf.encodings.entries()) {
          const line = lineMaker(encoding, task, plan);
          for (const inst of first) await writers[i]!.writeLine(line(inst));
        }
        counts[name] = first.length;
        onProgress?.(++done, total, name);
      }
      for (const w of writers) record(w.path, await w.close());
    } catch (e) {
      await Promise.all(writers.map((w) => w.discard()));
      throw e;
    }
    prefinetune = { k: pf.k, instances: Object.values(counts).reduce((a, b) => a + b, 0), tasks: counts };
  }

  return {
    format: MANIFEST_FORMAT,
    inputs: {
      seed: plan.seed,
      budgets: plan.budgets,
      encodings: plan.encodings,
      positive_examples: plan.k,
      ...(plan.replicates > 1 ? { replicates: plan.replicates } : {}),
      tasks: plan.tasks,
      prefinetune: plan.prefinetune,
      task_files: sortedObject(taskFiles),
    },
    tasks,
    prefinetune,
    files: sortedObject(files),
  };
}

/** A function from instance to its JSONL line (with "\n") for one task and encoding. */
function lineMaker(encoding: EncodingName, task: Task, plan: BuildPlan): (inst: Instance) => string {
  const source = encoder(encoding, task, { k: plan.k });
  return (inst) => {
    const rec: DataRecord = {
      id: inst.id,
      task: task.name,
      category: task.category,
      source: source(inst),
      target: drawTarget(plan.seed, task.name, inst.id, inst.output),
      references: inst.output,
    };
    return JSON.stringify(rec) + "\n";
  };
}

async function writeLines(
  path: string,
  instances: Instance[],
  line: (i: Instance) => string,
): Promise<FileFacts> {
  const w = await JsonlFileWriter.create(path);
  try {
    for (const inst of instances) await w.writeLine(line(inst));
    return await w.close();
  } catch (e) {
    await w.discard();
    throw e;
  }
}

/** Budgets are prefixes of the train split: each line is encoded once and goes to every budget covering it. */
async function writeBudgets(
  root: string,
  file: { encoding: EncodingName; task: string; replicate: number },
  train: Instance[],
  sizes: Record<string, number>,
  line: (i: Instance) => string,
  record: (path: string, facts: FileFacts) => void,
): Promise<void> {
  const entries = Object.entries(sizes);
  const writers = await Promise.all(
    entries.map(([budget]) => JsonlFileWriter.create(datasetPath(root, { ...file, split: "train", budget }))),
  );
  try {
    const longest = Math.max(...entries.map(([, n]) => n));
    for (let i = 0; i < longest; i++) {
      const text = line(train[i]!);
      for (let b = 0; b < entries.length; b++) if (i < entries[b]![1]) await writers[b]!.writeLine(text);
    }
    for (const w of writers) record(w.path, await w.close());
  } catch (e) {
    await Promise.all(writers.map((w) => w.discard()));
    throw e;
  }
}

async function requireTaskFiles(checkout: Checkout, names: string[]): Promise<void> {
  const present = new Set((await readdir(join(checkout.dir, "tasks"))).filter((f) => f.endsWith(".json")));
  const missing = names.filter((n) => !present.has(`${n}.json`));
  if (missing.length > 0) {
    throw new UserError(
      `${join(checkout.dir, "tasks")}: no task file for ${missing.map((n) => `"${n}"`).join(", ")}`,
      "task names are file names under tasks/ without .json",
    );
  }
}

async function checkOutDir(out: string): Promise<void> {
  let entries: string[];
  try {
    if (!(await stat(out)).isDirectory()) throw new UserError(`${out}: exists and is not a folder`);
    entries = await readdir(out);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  if (entries.length > 0 && !entries.includes(MANIFEST_FILE)) {
    throw new UserError(
      `${out}: folder is not empty and holds no ${MANIFEST_FILE}: refusing to replace it with a data build`,
      "choose a new --out folder, or an earlier data build to replace",
    );
  }
}

/** Put the finished build in place of `out`: one rename when `out` is new, else swap and drop the old one. */
async function replaceDir(tmp: string, out: string): Promise<void> {
  try {
    await rename(tmp, out);
    return;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "ENOTEMPTY" && code !== "EEXIST") throw e;
  }
  const old = `${tmp}.old`;
  await rename(out, old);
  await rename(tmp, out);
  await rm(old, { recursive: true, force: true });
}

function withoutAll(sizes: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(sizes).filter(([budget]) => budget !== "all"));
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

function sortedObject<V>(o: Record<string, V>): Record<string, V> {
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]!]),
  );
}

/** Write a data build's manifest.json (atomically): the one writer of the format, as readManifest is its reader. */
export async function writeManifest(root: string, manifest: DataManifest): Promise<void> {
  await writeJsonAtomic(manifestPath(root), manifest);
}

/**
 * A data build's manifest.json, or null when `root` has none. The fields every reader relies on are checked
 * (format, per-task category and budget counts); a damaged manifest is a UserError naming the file.
 */
export async function readManifest(root: string): Promise<DataManifest | null> {
  const path = manifestPath(root);
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, "utf8"));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new UserError(`${path}: not a readable manifest (${(e as Error).message})`, "rebuild the data");
  }
  const parsed = ManifestFacts.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(
      `${path}: field ${issue.path.join(".") || "(root)"}: ${issue.message}`,
      "rebuild the data",
    );
  }
  return value as DataManifest;
}

const ManifestFacts = z.looseObject({
  format: z.literal(MANIFEST_FORMAT),
  tasks: z.record(
    z.string(),
    z.looseObject({ category: z.string(), budgets: z.record(z.string(), z.number()) }),
  ),
});
