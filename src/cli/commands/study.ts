import { Option, type Command } from "@commander-js/extra-typings";
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import {
  detectGpus,
  LocalExecutor,
  mtlOptionsFrom,
  openStudy,
  planFile,
  parseShard,
  ProgressView,
  runStudy,
  runWorker,
  selectRuns,
  startDistributedEngine,
  startEngineWorker,
  workerSlots,
  type Executor,
} from "../../runner/index.js";
import {
  absentModelDir,
  unpinnedHubModel,
  loadPreset,
  loadStudyFile,
  planStudy,
  planSummary,
  PRESETS,
  presetText,
  readMeasuredThroughput,
  studyContext,
  type LoadedStudy,
} from "../../study/index.js";
import { UserError } from "../../util/errors.js";
import {
  checkMultiNodeEnv,
  slurmMultiNode,
  registerCancelCommand,
  registerSlurmOptions,
  slurmExecutorFrom,
  slurmStatusSection,
  nextRoundArgs,
  refuseUnfinishedRound,
  type SlurmCliOptions,
} from "../slurm.js";
import { example } from "../help.js";
import { info, printJson } from "../output.js";
import { indexList, positiveNumber, wholeNumber } from "../parse.js";
import { runArgs, studyDirArg } from "../study-dir.js";
import { plannedSearch, searchRounds } from "../../analysis/index.js";
import { searchOutcome, searchPlanText, searchStatus } from "../search-text.js";

/**
 * Study commands: `init`, `plan`, `run`, `status`, and `worker` (one process running a share of a study's
 * runs: what a SLURM array task runs). `cancel` belongs to the SLURM executor and registers beside these.
 */
export function registerStudyCommands(program: Command): void {
  program
    .command("init")
    .description("write a commented example study spec (YAML) to start from")
    .argument("[file]", "where to write it", "study.yaml")
    .addOption(new Option("--preset <name>", "which example").choices(Object.keys(PRESETS)).default("thesis"))
    .option("--force", "overwrite an existing file")
    .addHelpText("after", example("init study.yaml --preset demo"))
    .action(async (file, opts) => {
      try {
        await writeFile(file, presetText(opts.preset), { flag: opts.force ? "w" : "wx" });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EEXIST")
          throw new UserError(`${file} already exists`, "pass --force to overwrite it, or name another file");
        if (code === "ENOENT") throw new UserError(`${file}: its folder does not exist`, "create it first");
        if (code === "EISDIR")
          throw new UserError(`${file} is a folder`, "give a file name, e.g. study.yaml");
        throw new UserError(`${file}: cannot write it (${code ?? String(e)})`);
      }
      info(`wrote ${file} (preset ${opts.preset}); check it with: quicklearn plan ${file}`);
    });

  program
    .command("plan")
    .description("expand a study spec into its runs (a DAG) with counts, volumes and a cost estimate")
    .argument("[study]", "study spec (YAML)")
    .option("--preset <name>", `a built-in study: ${Object.keys(PRESETS).join(", ")}`)
    .option("--superni <dir>", "SuperNI checkout, for exact task lists and sizes (else the thesis's figures)")
    .option(
      "--samples-per-s <n>",
      "training samples/s per GPU for the cost estimate",
      positiveNumber("--samples-per-s"),
    )
    .option("--bench <file>", "engine figures for the cost estimate: a `quicklearn_engine.bench --out` JSON")
    .option("--json", "print the plan as one JSON document")
    .addHelpText(
      "after",
      example("plan study.yaml --superni natural-instructions", "plan --preset thesis --json"),
    )
    .action(async (file, opts) => {
      const study = await loadStudyArg(file, opts.preset, process.cwd());
      const context = await studyContext(study, {
        superni: opts.superni,
        preset: opts.preset ?? null,
        absentModels: "provisional",
      });
      for (const identity of context.plan.modelIds.values()) {
        const dir = absentModelDir(identity);
        if (dir)
          info(`note: model directory ${dir} does not exist yet; run ids are provisional until it does`);
        const hub = unpinnedHubModel(identity);
        if (hub)
          info(
            `note: hub model ${hub} is not pinned to a revision: each run loads what the hub serves when it starts; ` +
              `write ${hub}@<commit> for a study that loads the same weights every time`,
          );
      }
      // A searched study plans its round 0 now; later rounds follow from its results.
      const searched = study.spec.search ? plannedSearch(study.spec, context.plan) : null;
      const plan = searched?.plan ?? planStudy(study.spec, context.plan);
      if (opts.json) printJson(planFile(plan, searched?.search));
      else {
        // Measured GPU figures (the bench file) unless the user gives --samples-per-s.
        const measured = opts.samplesPerS === undefined ? await readMeasuredThroughput(opts.bench) : null;
        process.stdout.write(planSummary(plan, opts.samplesPerS, measured) + "\n");
        if (searched)
          process.stdout.write(searchPlanText(plan, searched.search, opts.samplesPerS, measured) + "\n");
      }
    });

  program
    .command("run")
    .description("run a study: build its data, train and evaluate every run, score; resumes where it stopped")
    .argument("[study]", "study spec (YAML); leave it out with --preset")
    .argument("[dir]", "the study directory (created; reused to resume)")
    .option("--preset <name>", `a built-in study: ${Object.keys(PRESETS).join(", ")}`)
    .addOption(new Option("--out <dir>", "the study directory (the old form of DIR)").hideHelp())
    .option("--superni <dir>", "SuperNI checkout (else the spec's superni: field)")
    .addOption(shared.cpu())
    .addOption(shared.gpus())
    .option("--max-parallel <n>", "number of engine workers", wholeNumber("--max-parallel", 1))
    .option("--no-check", "skip the preflight (quicklearn check) before the first run")
    // Given by the follow-up job of a searched study on SLURM (nextRoundArgs), not by users.
    .addOption(new Option("--after-round", "plan the search's next round on SLURM").hideHelp())
    .addOption(shared.retries())
    .addOption(shared.mtlProcesses())
    .addOption(shared.mtlParallel())
    .option(
      "--json",
      "print a summary as one JSON document at the end: the status counts and the results files",
    )
    .addHelpText(
      "after",
      example(
        "run study.yaml studies/s1 --gpus 0,1",
        "run --preset demo --superni assets/demo/superni studies/demo --cpu --json",
      ),
    )
    .action(async (first, second, opts) => {
      const { file, dir: out } = runArgs([first, second], opts);
      if (opts.cpu && opts.gpus) throw new UserError("--cpu and --gpus exclude each other");
      const mtl = mtlOptionsFrom(opts);
      const study = await loadStudyArg(file, opts.preset, resolve(out));
      // --executor slurm: submit job arrays instead of running here (src/runner/slurm).
      // A searched study on SLURM: after each round's arrays, a job runs this command again to plan the next.
      const followUp = study.spec.search ? nextRoundArgs(file, out, opts) : undefined;
      const slurm = slurmExecutorFrom(opts as SlurmCliOptions, { ...opts, followUp });
      if (opts.afterRound) await refuseUnfinishedRound(out);
      const gpus = opts.gpus ?? (opts.cpu || slurm ? undefined : gpusFound());
      const slots = workerSlots({ cpu: opts.cpu, gpus, maxParallel: opts.maxParallel });
      const executor =
        slurm ??
        new LocalExecutor(
          slots,
          startEngineWorker,
          mtl ? { options: mtl, start: startDistributedEngine, gpus } : undefined,
        );
      const result = await withInterrupts(executor, () =>
        runStudy(study, {
          out,
          superni: opts.superni,
          preset: opts.preset ?? null,
          retries: opts.retries,
          executor,
          // SLURM's jobs run on other machines: their GPUs are not this one's to check.
          preflight: opts.check
            ? { gpus: slurm ? undefined : gpus, inFlight: slurm ? 1 : slots.length }
            : null,
          events: slurm ? undefined : (total, done, work) => new ProgressView(total, done, work),
          rounds: study.spec.search ? searchRounds(study.spec) : undefined,
          onData: (done, total, task) => {
            if (done === total || done % 20 === 0) info(`data: ${done}/${total} tasks (${task})`);
          },
        }),
      );
      const s = result.status;
      if (opts.json)
        printJson({
          dir: resolve(out),
          executor: slurm ? "slurm" : "local",
          ...s,
          stopped: result.summary.stopped,
          results_csv: resolve(out, "results.csv"),
          results_json: resolve(out, "results.json"),
        });
      const search = study.spec.search
        ? (await openStudy(out).then((st) => st.readPlan())).search
        : undefined;
      const searchLines = search ? searchOutcome(search) : [];
      if (slurm) {
        // Submitted: the array tasks do the work; `quicklearn status` follows them (and every round).
        for (const line of searchLines) info(line);
        return;
      }
      info(
        `${out}: ${s.done}/${s.total} runs done, ${s.failed} failed, ${s.pending} pending; results in ${resolve(out, "results.csv")}`,
      );
      for (const line of searchLines) info(line);
      if (result.summary.stopped)
        throw new UserError("stopped; run the same command again to resume", undefined, 130);
      if (s.failed > 0)
        throw new UserError(
          `${s.failed} run(s) failed, e.g. ${s.failures[0]!.id}: ${s.failures[0]!.error}`,
          `see quicklearn status ${out}; running the same command again retries them`,
          1,
        );
    });

  program
    .command("status")
    .description("where a study stands: runs done, failed, running, pending")
    .argument("<dir>", "the study directory")
    .option("--json", "print one JSON document")
    .addHelpText("after", example("status studies/s1", "status studies/s1 --json"))
    .action(async (dir, opts) => {
      const store = await openStudy(dir);
      const s = await store.summary();
      const slurm = await slurmStatusSection(dir);
      const search = (await store.readPlan()).search;
      if (opts.json) {
        printJson({
          ...s,
          ...(search ? { search: searchStatus(search) } : {}),
          ...(slurm ? { slurm: slurm.json } : {}),
        });
        return;
      }
      process.stdout.write(
        `${dir}: ${s.total} runs: ${s.done} done, ${s.running} running, ${s.pending} pending, ${s.failed} failed\n`,
      );
      for (const f of s.failures) process.stdout.write(`  failed ${f.id}: ${f.error}\n`);
      for (const c of search ? searchStatus(search) : [])
        process.stdout.write(`  search ${c.arm} ${c.setting} ${c.scope}: round ${c.round}, ${c.state}\n`);
      if (slurm) process.stdout.write(slurm.text + "\n");
    });

  program
    .command("worker")
    .description("run a share of a study's runs in this process (what each SLURM array task runs)")
    .argument("[dir]", "the study directory (made by quicklearn run or run --executor slurm)")
    .addOption(new Option("--study <dir>", "the study directory (the old form of DIR)").hideHelp())
    .option("--runs <ids>", "comma-separated run ids", (s) => s.split(",").filter(Boolean))
    .option("--shard <i/n>", "the i-th of n shares of the runs (0-based), e.g. $SLURM_ARRAY_TASK_ID/8")
    .addOption(shared.cpu())
    .option("--gpus <index>", "run on this GPU (CUDA_VISIBLE_DEVICES): one index", indexList("--gpus"))
    .addOption(
      new Option("--gpu <index>", "run on this GPU (the old form of --gpus)")
        .argParser(wholeNumber("--gpu", 0))
        .hideHelp(),
    )
    .addOption(shared.retries())
    .addOption(shared.mtlProcesses())
    .addOption(shared.mtlParallel())
    .option(
      "--mtl-nodes <m>",
      "mtl runs on M nodes: one torchrun per node through srun (inside the mtl array's SLURM job)",
      wholeNumber("--mtl-nodes", 1),
    )
    .option("--no-check", "skip the check of this machine (device, models, disk) before the first run")
    .option("--json", "print the outcome as one JSON document")
    .addHelpText(
      "after",
      example("worker studies/s1 --shard 0/4 --gpus 0", "worker studies/s1 --runs ID1,ID2 --cpu --json"),
    )
    .action(async (dirArg, opts) => {
      const dir = studyDirArg(dirArg, opts.study, "--study");
      if (dir === undefined)
        throw new UserError(
          "worker: no study directory given",
          "quicklearn worker DIR --shard I/N (or --runs IDS)",
        );
      const gpu = workerGpu(opts.gpus, opts.gpu);
      // Messages name the flag as the user typed it (--gpu is the old name of --gpus).
      const gpuFlag = opts.gpu === undefined ? "--gpus" : "--gpu";
      if (opts.cpu && gpu !== undefined) throw new UserError(`--cpu and ${gpuFlag} exclude each other`);
      const mtl = mtlOptionsFrom(opts);
      if (opts.mtlNodes !== undefined) {
        if (!mtl) throw new UserError("--mtl-nodes only applies with --mtl-processes N");
        const nodes = opts.mtlNodes;
        if (nodes > 1) {
          checkMultiNodeEnv();
          mtl.multiNode = (runDir) => slurmMultiNode(nodes, runDir);
        }
      }
      if (mtl && gpu !== undefined && mtl.processes > 1)
        throw new UserError(
          `--mtl-processes ${mtl.processes} needs ${mtl.processes} GPUs, but ${gpuFlag} gives one`,
          `leave out ${gpuFlag}: the processes take the GPUs the job was given (CUDA_VISIBLE_DEVICES)`,
        );
      const ids = await selectRuns(dir, {
        runs: opts.runs,
        shard: opts.shard ? parseShard(opts.shard) : undefined,
      });
      const slot = workerSlots({ cpu: opts.cpu, gpus: gpu === undefined ? undefined : [gpu] })[0]!;
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      let summary;
      try {
        summary = await runWorker(dir, ids, {
          slot,
          retries: opts.retries,
          startEngine: startEngineWorker,
          events: new ProgressView(ids.length, 0),
          signal: controller.signal,
          mtl: mtl ? { options: mtl, start: startDistributedEngine } : undefined,
          // The machine this array task landed on, before any run is claimed: a bad node fails with exit 2.
          preflight: opts.check ? { report: info } : null,
        });
      } finally {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
      }
      if (opts.json) printJson(summary);
      else
        info(
          `worker: ${summary.done.length} done, ${summary.failed.length} failed, ${summary.skipped.length} skipped`,
        );
      if (controller.signal.aborted)
        throw new UserError("stopped; the interrupted run resumes on the next start", undefined, 130);
      if (summary.failed.length > 0)
        throw new UserError(`${summary.failed.length} run(s) failed`, undefined, 1);
    });

  registerSlurmOptions(program.commands.find((c) => c.name() === "run")!);
  registerCancelCommand(program);
}

/** A spec file, or a preset (relative model paths of a preset resolve against `presetBaseDir`). */
export async function loadStudyArg(
  file: string | undefined,
  preset: string | undefined,
  presetBaseDir: string,
): Promise<LoadedStudy> {
  if (file && preset) throw new UserError("give a study spec or --preset, not both");
  if (preset) return loadPreset(preset, presetBaseDir);
  if (!file)
    throw new UserError(
      "no study given",
      `pass STUDY.yaml or --preset ${Object.keys(PRESETS).join("|")} (quicklearn init writes an example)`,
    );
  return loadStudyFile(file);
}

/**
 * Ctrl-C once: start nothing new, interrupt running runs (back to pending), release the lock, exit.
 * Ctrl-C twice: kill the workers and exit at once; the next `run` resumes either way. SIGTERM counts as one.
 */
export async function withInterrupts<T>(executor: Executor, body: () => Promise<T>): Promise<T> {
  let count = 0;
  const onSignal = () => {
    count++;
    if (count === 1) {
      info("stopping: interrupting running runs (Ctrl-C again to stop at once)");
      executor.stop(false);
    } else {
      executor.stop(true);
      process.exit(130);
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await body();
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** The flags `run`, `worker` and `check` share, declared once (each call makes a fresh Option for its command). */
export const shared = {
  cpu: () => new Option("--cpu", "run on CPU"),
  gpus: () =>
    new Option(
      "--gpus <list>",
      "GPU indices, one worker per GPU (e.g. 0,1; default: every GPU found)",
    ).argParser(indexList("--gpus")),
  retries: () =>
    new Option("--retries <n>", "retries of a failed run before it is marked failed")
      .argParser(wholeNumber("--retries", 0))
      .default(1),
  mtlProcesses: () =>
    new Option(
      "--mtl-processes <n>",
      "train mtl and prefinetune runs with N data-parallel processes (torchrun) on N GPUs: from --gpus " +
        "with run, the job's own with worker",
    ).argParser(wholeNumber("--mtl-processes", 1)),
  mtlParallel: () =>
    new Option(
      "--mtl-parallel <kind>",
      "how the --mtl-processes share a run: ddp (a full copy each) or fsdp (weights and optimizer state sharded)",
    ).choices(["ddp", "fsdp"] as const),
};

/** A worker's one GPU: `--gpus K`, or the old `--gpu K`. */
function workerGpu(gpus: number[] | undefined, gpu: number | undefined): number | undefined {
  if (gpus !== undefined && gpu !== undefined)
    throw new UserError("--gpus and --gpu name the same thing: give --gpus");
  if (gpus !== undefined && gpus.length !== 1)
    throw new UserError(
      `--gpus ${gpus.join(",")}: a worker runs on one GPU`,
      "start one worker per GPU, e.g. --shard 0/2 --gpus 0 and --shard 1/2 --gpus 1",
    );
  return gpus?.[0] ?? gpu;
}

/** Without --gpus or --cpu, several GPUs on this machine get one worker each (one GPU: the engine's choice). */
function gpusFound(): number[] | undefined {
  const gpus = detectGpus();
  if (!gpus || gpus.length < 2) return undefined;
  info(`found GPUs ${gpus.join(",")}: one worker per GPU (choose others with --gpus, or --cpu)`);
  return gpus;
}
