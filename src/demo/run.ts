import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { searchRounds, type Analysis } from "../analysis/index.js";
import { writeReport } from "../report/index.js";
import {
  LocalExecutor,
  runStudy,
  startEngineWorker,
  workerSlots,
  type Executor,
  type RunStudyOptions,
  type StatusSummary,
} from "../runner/index.js";
import { ensureBaseModel, type BaseModelResult } from "./base-model.js";
import { demoStudy, DEMO_SUPERNI } from "./study.js";
import { demoSummary } from "./summary.js";

/** Engine workers the demo runs side by side: one per core (the tiny model is fastest on one thread), at most 4. */
export function demoWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

export interface DemoOptions {
  out: string;
  quick: boolean;
  /** Stage banners ("[1/3] ..."), notes. */
  say: (message: string) => void;
  /** Progress of the study's runs (the `quicklearn run` view). */
  events?: RunStudyOptions["events"];
  /** Lets the caller stop the study (Ctrl-C) once its executor exists. */
  onExecutor?: (executor: Executor) => void;
  workers?: number;
  /** `demo --search`: the instruction-tuned arm's budgets searched against B3 (study.ts, SEARCH_BLOCK). */
  search?: boolean;
}

export interface DemoResult {
  out: string;
  baseModel: BaseModelResult;
  status: StatusSummary;
  stopped: boolean;
  /** Absent when the demo was stopped before the report. */
  report: { html: string; md: string; analysis: Analysis; summary: string[] } | null;
}

/**
 * `quicklearn demo`: the thesis's design in miniature on the bundled SuperNI subset. Three stages, each
 * resumable: (1) the tiny base model, (2) the study (data build, the two pre-finetunes, STL/MTL runs of the
 * instruction-tuned arm and the baselines, zero-shot eval, scoring), (3) the report and its summary.
 */
export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const out = resolve(opts.out);
  opts.say(
    `[1/3] tiny base model (tokenizer trained on the bundled SuperNI subset) -> ${join(out, "base-model")}`,
  );
  const baseModel = await ensureBaseModel(out);
  opts.say(
    baseModel.made
      ? `      made: ${baseModel.info!.parameters.toLocaleString("en")} parameters, vocabulary ${baseModel.info!.vocab_size}`
      : "      already there (resuming)",
  );

  const workers = opts.workers ?? demoWorkers();
  opts.say(
    `[2/3] study${opts.quick ? " (--quick)" : ""}: pre-finetune with and without instructions, then STL/MTL runs, ` +
      `zero-shot eval, scoring (${workers} CPU worker${workers > 1 ? "s" : ""})`,
  );
  const executor = new LocalExecutor(workerSlots({ cpu: true, maxParallel: workers }), startEngineWorker);
  const study = demoStudy(out, opts.quick, opts.search ?? false);
  const run = await runStudy(study, {
    out,
    superni: DEMO_SUPERNI,
    preset: "demo",
    retries: 1,
    executor,
    events: opts.events,
    onExecutor: opts.onExecutor,
    rounds: opts.search ? searchRounds(study.spec) : undefined,
    onData: (done, total) => {
      if (done === total) opts.say(`      data: built ${total} tasks`);
    },
  });
  const status = run.status;
  if (run.summary.stopped) return { out, baseModel, status, stopped: true, report: null };

  opts.say("[3/3] analysis and report (bootstrap intervals)");
  const html = join(out, "report.html");
  const md = join(out, "report.md");
  const { analysis } = await writeReport(out, { out: html, md });
  return {
    out,
    baseModel,
    status,
    stopped: false,
    report: { html, md, analysis, summary: demoSummary(analysis) },
  };
}
