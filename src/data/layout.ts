import { join } from "node:path";
import type { SplitName } from "./split.js";

/** Folder of the pre-finetuning set inside each encoding folder (task names never start with "_"). */
export const PREFINETUNE_DIR = "_prefinetune";
export const MANIFEST_FILE = "manifest.json";

/**
 * Path of one dataset file of a data build (docs/architecture.md):
 * `ROOT/<encoding>/<task>/{test,validation}.jsonl` and `ROOT/<encoding>/<task>/train.<budget>.jsonl`;
 * data replicate r > 0 (another seeded draw of the budget's examples) is `train.<budget>.r<r>.jsonl`.
 */
export function datasetPath(
  root: string,
  p: { encoding: string; task: string; split: SplitName; budget?: string; replicate?: number },
): string {
  if (p.split !== "train") return join(root, p.encoding, p.task, `${p.split}.jsonl`);
  if (p.budget === undefined) throw new Error("datasetPath: a train file needs a budget");
  const replicate = p.replicate ? `.r${p.replicate}` : "";
  return join(root, p.encoding, p.task, `train.${p.budget}${replicate}.jsonl`);
}

/** `ROOT/<encoding>/_prefinetune/train.<k>.jsonl`: the first k instances of every train task. */
export function prefinetunePath(root: string, encoding: string, k: number): string {
  return join(root, encoding, PREFINETUNE_DIR, `train.${k}.jsonl`);
}

export function manifestPath(root: string): string {
  return join(root, MANIFEST_FILE);
}
