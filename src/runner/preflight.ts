import { stat, statfs } from "node:fs/promises";
import { relative, sep } from "node:path";
import {
  checkEngineInputs,
  type EngineCheckOptions,
  type EngineFinding,
  type Finding,
} from "../engine/check.js";
import type { RunSpecInput } from "../engine/spec.js";
import { UserError } from "../util/errors.js";
import type { StudyStore } from "./store/index.js";

export type { Finding } from "../engine/check.js";

/**
 * The preflight of a study (`quicklearn check`, and `quicklearn run` before its first run): everything that
 * would fail every run the same way, found before any GPU-hour is spent. The device asked for, each model
 * and tokenizer of the runs still to do and their trackers' packages (the engine's check), the data build
 * against the plan, and disk space for checkpoints. A SLURM array worker (`quicklearn worker`) runs the
 * node-local half of it on its own runs before its first one: the device, the models, the trackers'
 * packages and the disk of the node it landed on.
 */

export interface PreflightOptions {
  /** GPU indices the runs will use (--gpus, or the GPUs found); none: the CPU or the engine's choice. */
  gpus?: readonly number[];
  /** Training runs at once (worker slots): how many checkpoints the disk holds at a time. */
  inFlight: number;
  /** Only these runs (a worker's share; those done are skipped too); default: every run of the plan. */
  runs?: readonly string[];
  /** Check the data build against the plan (default true); a worker leaves that to the `run` that submitted it. */
  data?: boolean;
  /** The engine's half (a stand-in in unit tests). */
  engineCheck?: (opts: EngineCheckOptions) => Promise<EngineFinding[]>;
}

/** A failed preflight: exit 2, the failed findings in the message. */
export class PreflightError extends UserError {
  constructor(
    readonly findings: Finding[],
    hint: string,
  ) {
    const failed = findings.filter((f) => !f.ok);
    const shown = failed.slice(0, 3).map((f) => f.message);
    if (failed.length > shown.length) shown.push(`and ${failed.length - shown.length} more`);
    super(`preflight: ${shown.join("; ")}`, hint);
    this.name = "PreflightError";
  }
}

export function isPreflightError(e: unknown): e is PreflightError {
  return e instanceof PreflightError;
}

export async function preflight(store: StudyStore, opts: PreflightOptions): Promise<Finding[]> {
  const todo = await runsToDo(store, opts.runs);
  if (todo.length === 0)
    return [{ check: "runs", target: store.dir, ok: true, message: "every run is done" }];
  // A run starting from a pre-finetune loads that run's saved model, which its own run checks when it ends.
  const models = [...new Set(todo.filter((s) => !s.init_from).map((s) => s.model))];
  // A pre-finetune saves its base model's tokenizer, so the base model answers for its chat template too.
  const chatModels = [...new Set(todo.filter((s) => s.template === "chat").map((s) => s.model))];
  // A run with `tracking` fails at its start without its tracker's package (tracking.py): once here instead.
  const trackers = [...new Set(todo.flatMap((s) => s.tracking ?? []))];
  const engine = await (opts.engineCheck ?? checkEngineInputs)({
    models,
    chatModels,
    gpus: opts.gpus,
    trackers,
  });
  const parameters = new Map<string, number>();
  for (const f of engine) if (f.parameters !== undefined) parameters.set(f.target, f.parameters);
  return [
    ...engine.map(({ check, target, ok, message }) => ({ check, target, ok, message })),
    ...(opts.data === false ? [] : [await dataFinding(store, todo)]),
    await diskFinding(store.dir, todo, parameters, opts.inFlight),
  ];
}

/** The engine specs of the runs not done yet (by the store's one validity rule). */
async function runsToDo(store: StudyStore, runs?: readonly string[]): Promise<RunSpecInput[]> {
  const specs: RunSpecInput[] = [];
  for (const id of runs ?? (await store.planRunIds()))
    if ((await store.runStatus(id)).status !== "done") specs.push(await store.engineSpec(id, "auto"));
  return specs;
}

/** Every data file the runs read is in the study's data build, with the size its manifest records. */
async function dataFinding(store: StudyStore, specs: RunSpecInput[]): Promise<Finding> {
  const target = store.dataDir;
  const fail = (message: string): Finding => ({ check: "data", target, ok: false, message });
  let manifest;
  try {
    manifest = await store.readManifest();
  } catch (e) {
    return fail((e as Error).message);
  }
  if (!manifest) return fail(`${target}: no data build (manifest.json is missing); quicklearn run builds it`);
  const files = new Set(specs.flatMap((s) => [...(s.train?.files ?? []), ...(s.eval?.files ?? [])]));
  for (const file of files) {
    const facts = manifest.files[relative(target, file).split(sep).join("/")];
    if (!facts)
      return fail(
        `${file}: not in the data build (${target}/manifest.json lists no such file); ` +
          "the plan needs a task, budget or encoding the build lacks: quicklearn run rebuilds it",
      );
    let bytes: number;
    try {
      bytes = (await stat(file)).size;
    } catch {
      return fail(
        `${file}: missing, though the data build's manifest lists it; delete ${target} to rebuild it`,
      );
    }
    if (bytes !== facts.bytes)
      return fail(
        `${file}: ${bytes} bytes, the data build's manifest says ${facts.bytes}: changed after the build; ` +
          `delete ${target} to rebuild it`,
      );
  }
  return {
    check: "data",
    target,
    ok: true,
    message: `${files.size} data file(s), as the build's manifest lists`,
  };
}

/**
 * Free space for what the runs write, against what the file system has left for us (statfs's bavail).
 */
async function diskFinding(
  dir: string,
  specs: RunSpecInput[],
  parameters: Map<string, number>,
  inFlight: number,
): Promise<Finding> {
  const need = diskNeed(specs, parameters, inFlight);
  const fs = await statfs(dir);
  const free = fs.bavail * fs.bsize;
  const parts = [`checkpoints of ${need.inFlight} training run(s) at once`];
  if (need.savedModels) parts.push(`${need.savedModels} saved model(s)`);
  const message = `${formatBytes(free)} free, the runs need about ${formatBytes(need.bytes)} (${parts.join(", ")})`;
  if (free >= need.bytes) return { check: "disk", target: dir, ok: true, message };
  const hint = "free some space, or run fewer at once (--max-parallel)";
  return { check: "disk", target: dir, ok: false, message: `${dir}: ${message}; ${hint}` };
}

/**
 * What the runs write at most at one time: each training run in flight keeps a checkpoint (fp32 weights
 * and AdamW's two moments: 12 bytes a parameter; Adafactor's factored state is small, so 4; LoRA saves its
 * adapter only), twice over while a new one replaces the last; each run that saves its model
 * (pre-finetunes) keeps 4 bytes a parameter for good. Models whose size is unknown count nothing.
 */
export function diskNeed(
  specs: RunSpecInput[],
  parameters: ReadonlyMap<string, number>,
  inFlight: number,
): { bytes: number; inFlight: number; savedModels: number } {
  const checkpoints: number[] = [];
  let saved = 0;
  let savedModels = 0;
  for (const s of specs) {
    const n = parameters.get(s.model) ?? 0;
    const t = s.train;
    if (t && t.checkpoints !== false && !t.lora)
      checkpoints.push(2 * n * ((t.optimizer ?? "adamw") === "adamw" ? 12 : 4));
    if (s.save_model) {
      saved += 4 * n;
      savedModels++;
    }
  }
  const slots = Math.min(Math.max(1, inFlight), checkpoints.length);
  const largest = checkpoints.sort((a, b) => b - a).slice(0, slots);
  return { bytes: largest.reduce((a, b) => a + b, 0) + saved, inFlight: slots, savedModels };
}

/** A finding as one line, as `quicklearn check` and a worker's log show it (its target once). */
export function formatFinding(f: Finding): string {
  const text = f.message.startsWith(`${f.target}: `) ? f.message : `${f.target}: ${f.message}`;
  return `${f.ok ? "ok  " : "FAIL"}  ${f.check.padEnd(9)} ${text}`;
}

export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  return `${Math.ceil(n / 1e3)} kB`;
}
