import { existsSync } from "node:fs";
import { mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { makeTinyModel, type TinyModelInfo } from "../engine/index.js";
import { describeHolder, FileLock, StudyStore } from "../runner/index.js";
import { UserError } from "../util/errors.js";
import { BASE_MODEL_DIR, DEMO_SUPERNI } from "./study.js";

/** The demo's base model: a tiny T5 v1.1-shaped model with a BPE tokenizer trained on the bundled tasks. */
export const BASE_MODEL = { arch: "t5", seed: 0, vocabSize: 4000 } as const;

export interface BaseModelResult {
  dir: string;
  /** False when a finished base model was already there (a resumed demo). */
  made: boolean;
  info: TinyModelInfo | null;
}

/**
 * Make `<out>/base-model` unless it is already there. The engine fills a hidden temp folder and renames it
 * into place when complete, so an existing folder is a finished one; a killed attempt leaves only
 * `.base-model.tmp-*` folders, removed here. Idempotent and safe to interrupt. Holds the study directory's
 * lock meanwhile, so a second demo on the same folder is refused instead of racing this one.
 */
export async function ensureBaseModel(out: string): Promise<BaseModelResult> {
  const dir = join(out, BASE_MODEL_DIR);
  await mkdir(out, { recursive: true });
  const acquired = await FileLock.acquire(new StudyStore(out).lockPath, { purpose: "quicklearn demo" });
  if (!acquired.ok)
    throw new UserError(
      `${out} is in use by ${describeHolder(acquired.holder)}`,
      "wait for it to finish or stop it (Ctrl-C), or give another --out",
    );
  try {
    await removeAbandonedTemps(out);
    if (existsSync(join(dir, "config.json"))) return { dir, made: false, info: null };
    const info = await makeTinyModel({
      arch: BASE_MODEL.arch,
      out: dir,
      corpus: DEMO_SUPERNI,
      seed: BASE_MODEL.seed,
      vocabSize: BASE_MODEL.vocabSize,
    });
    return { dir, made: true, info };
  } finally {
    await acquired.lock.release();
  }
}

async function removeAbandonedTemps(out: string): Promise<void> {
  for (const name of await readdir(out)) {
    if (name.startsWith(`.${BASE_MODEL_DIR}.tmp-`) || name.startsWith(`.${BASE_MODEL_DIR}.old-`))
      await rm(join(out, name), { recursive: true, force: true });
  }
}
