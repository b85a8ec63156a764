import { Option, type Command } from "@commander-js/extra-typings";
import cliProgress from "cli-progress";
import {
  buildData,
  dataStats,
  DEFAULT_BUDGETS,
  DEFAULT_POSITIVE_EXAMPLES,
  MAX_REPLICATES,
  downstreamSplit,
  encoder,
  ENCODINGS,
  loadThesisDataset,
  manifestPath,
  parseBudgetList,
  parseEncoding,
  parseEncodingList,
  REPORT_GROUPS,
  type StatsResult,
  type ThesisDataset,
} from "../../data/index.js";
import { loadChatTemplate } from "../../data/chat-template.js";
import { RunSpec } from "../../engine/index.js";
import { loadCheckout, readTask } from "../../superni/index.js";
import { UserError } from "../../util/errors.js";
import { example } from "../help.js";
import { formatTable, info, printJson } from "../output.js";
import { wholeNumber, withFlag } from "../parse.js";

export function registerDataCommands(program: Command): void {
  const data = program
    .command("data")
    .description("SuperNI data: statistics and dataset builds")
    .addHelpText(
      "after",
      example(
        "data stats --superni natural-instructions",
        "data build --superni natural-instructions --out data",
      ),
    );

  data
    .command("stats")
    .description(
      "the thesis's dataset tables (4.1 to 4.3) for a SuperNI checkout, beside the published figures",
    )
    .requiredOption("--superni <dir>", "SuperNI checkout (tasks/ and splits/default/)")
    .option("--json", "print one JSON document")
    .addHelpText("after", example("data stats --superni natural-instructions --json"))
    .action(async (opts) => {
      const result = await dataStats(opts.superni, progress("reading tasks"));
      if (opts.json) printJson(result.stats);
      else process.stdout.write(formatStatsReport(opts.superni, result, await loadThesisDataset()) + "\n");
    });

  data
    .command("build")
    .description("write JSONL datasets per task, split, budget and encoding, plus the pre-finetuning set")
    .requiredOption("--superni <dir>", "SuperNI checkout (tasks/ and splits/default/)")
    .requiredOption("--out <dir>", "output folder (created, or replaced if it holds an earlier build)")
    .option(
      "--budgets <list>",
      "training budgets: counts, all, or percentages like 1%",
      DEFAULT_BUDGETS.join(","),
    )
    .option("--encodings <list>", `encodings (${ENCODINGS.join(", ")})`, "thesis-def-pos,plain")
    .option("--seed <n>", "seed of the target draw (and of the replicates' draws)", "42")
    .option(
      "--replicates <k>",
      "data replicates: replicate r > 0 draws each budget's examples anew (train.<budget>.r<r>.jsonl)",
      "1",
    )
    .option("--tasks <list>", "comma-separated task names (default: every test task)")
    .option("--prefinetune-k <k>", "pre-finetuning set: first k instances of every train task present", "100")
    .option("--no-prefinetune", "do not build the pre-finetuning set")
    .addOption(
      new Option("--examples <k>", "positive examples in the encodings that show them").default(
        String(DEFAULT_POSITIVE_EXAMPLES),
      ),
    )
    .option("--json", "print a JSON summary")
    .addHelpText(
      "after",
      example(
        "data build --superni natural-instructions --out data --budgets 100,1000,all --encodings plain",
      ),
    )
    .action(async (opts) => {
      const encodings = withFlag("--encodings", opts.encodings, parseEncodingList);
      const started = Date.now();
      const manifest = await buildData({
        superni: opts.superni,
        out: opts.out,
        tasks: opts.tasks === undefined ? undefined : list(opts.tasks),
        budgets: withFlag("--budgets", opts.budgets, parseBudgetList),
        encodings,
        seed: wholeNumber("--seed", 0)(opts.seed),
        positiveExamples: wholeNumber("--examples", 0)(opts.examples),
        replicates: wholeNumber("--replicates", 1, MAX_REPLICATES)(opts.replicates),
        prefinetune: opts.prefinetune
          ? { k: wholeNumber("--prefinetune-k", 1)(opts.prefinetuneK), encodings }
          : null,
        onProgress: progress("building"),
      });
      const tasks = Object.entries(manifest.tasks);
      const small = tasks.filter(([, t]) => t.small).map(([n]) => n);
      const files = Object.values(manifest.files);
      const summary = {
        out: opts.out,
        manifest: manifestPath(opts.out),
        tasks: tasks.length,
        small_tasks: small,
        files: files.length,
        lines: files.reduce((a, f) => a + f.lines, 0),
        bytes: files.reduce((a, f) => a + f.bytes, 0),
        prefinetune_instances: manifest.prefinetune?.instances ?? 0,
        seconds: (Date.now() - started) / 1000,
      };
      if (opts.json) return printJson(summary);
      info(
        `wrote ${summary.files} files (${(summary.bytes / 2 ** 20).toFixed(1)} MiB) for ${summary.tasks} tasks` +
          (manifest.prefinetune ? ` and ${manifest.prefinetune.instances} pre-finetuning instances` : "") +
          ` to ${opts.out} in ${summary.seconds.toFixed(1)} s`,
      );
      if (small.length > 0)
        info(`small tasks (< 120 instances; train = validation = test): ${small.join(", ")}`);
    });

  program
    .command("encode")
    .description("print the encoded sources of one task's instances")
    .requiredOption("--superni <dir>", "SuperNI checkout (tasks/ and splits/default/)")
    .requiredOption("--task <name>", "task name (its file is tasks/<name>.json)")
    .requiredOption("--encoding <name>", `one of ${ENCODINGS.join(", ")}`)
    .addOption(
      new Option("--split <split>", "downstream split")
        .choices(["train", "validation", "test"])
        .default("test"),
    )
    .option(
      "--examples <k>",
      "positive examples in the encodings that show them",
      String(DEFAULT_POSITIVE_EXAMPLES),
    )
    .addOption(
      new Option("--template <template>", "chat: the source as the user message in --model's chat template")
        .choices(RunSpec.shape.template.unwrap().options)
        .default("none"),
    )
    .option("--model <model>", "with --template chat: model folder, or hub id in the Hugging Face cache")
    .option("--json", "print JSON lines: one {id, task, source, references} per instance, in split order")
    .addHelpText(
      "after",
      example(
        "encode --superni assets/demo/superni --task task020_mctaco_span_based_question --encoding plain",
      ),
    )
    .action(async (opts) => {
      const encoding = withFlag("--encoding", opts.encoding, parseEncoding);
      const k = wholeNumber("--examples", 0)(opts.examples);
      if (opts.template === "chat" && opts.model === undefined)
        throw new UserError(
          "--template chat: needs --model (the model whose chat template renders the prompt)",
          "e.g. --template chat --model Qwen/Qwen2.5-0.5B-Instruct, or a local model folder",
        );
      if (opts.template === "none" && opts.model !== undefined)
        throw new UserError(
          "--model: only --template chat reads a model; add --template chat or leave it out",
        );
      const chat = opts.model === undefined ? null : await loadChatTemplate(opts.model);
      const task = await readTask(await loadCheckout(opts.superni), opts.task);
      const split = downstreamSplit(task);
      if (split.small) {
        info(
          `note: ${task.name} is a small task (${task.instances.length} instances): train = validation = test`,
        );
      }
      const encode = encoder(encoding, task, { k });
      // What the engine's `template: chat` feeds the model: the encoded source as the user's turn.
      const source = chat ? (inst: Parameters<typeof encode>[0]) => chat.prompt(encode(inst)) : encode;
      const instances = split[opts.split as "train" | "validation" | "test"];
      let out = "";
      for (const inst of instances) {
        if (opts.json) {
          out +=
            JSON.stringify({ id: inst.id, task: task.name, source: source(inst), references: inst.output }) +
            "\n";
        } else {
          out += `=== ${inst.id}\n${source(inst)}\n--- references: ${JSON.stringify(inst.output)}\n\n`;
        }
        if (out.length > 1 << 20) {
          process.stdout.write(out);
          out = "";
        }
      }
      process.stdout.write(out);
    });
}

function list(s: string): string[] {
  return s
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== "");
}

/** A progress bar on stderr when it is a terminal; nothing otherwise (logs stay clean). */
function progress(label: string): ((done: number, total: number, task: string) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let bar: cliProgress.SingleBar | undefined;
  return (done, total, task) => {
    if (!bar) {
      bar = new cliProgress.SingleBar(
        { stream: process.stderr, format: `${label} [{bar}] {value}/{total} {task}`, clearOnComplete: true },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0, { task });
    }
    bar.update(done, { task });
    if (done >= total) bar.stop();
  };
}

/** The human form of `data stats`: each figure beside the thesis's and the difference (here minus thesis). */
export function formatStatsReport(superni: string, result: StatsResult, thesis: ThesisDataset): string {
  const s = result.stats;
  const out: string[] = [];
  out.push(
    `SuperNI checkout ${superni}: ${s.test_tasks} test tasks, ${s.train_tasks_present} train tasks present`,
  );

  out.push("", "Test tasks per category (thesis Table 4.1)");
  const cats = [...new Set([...Object.keys(s.categories), ...Object.keys(thesis.categories)])];
  out.push(
    formatTable(
      ["Category", "here", "thesis", "diff"],
      cats.map((c) => row(c, s.categories[c] ?? 0, thesis.categories[c])),
    ),
  );

  out.push("", "Training instances per budget and report group (thesis Table 4.2)");
  const header = ["Report group", ...DEFAULT_BUDGETS.flatMap((b) => [b, "thesis", "diff"])];
  const groupRows = [...REPORT_GROUPS, "total"].map((g, gi) => [
    g,
    ...DEFAULT_BUDGETS.flatMap((b) => {
      const byGroup = thesis.budget_instances_by_group[b];
      const ref = g === "total" ? byGroup?.reduce((a, x) => a + x, 0) : byGroup?.[gi];
      return row("", s.budgets[b]?.[g] ?? 0, ref).slice(1);
    }),
  ]);
  out.push(formatTable(header, groupRows));

  out.push("", "Totals (thesis Table 4.3)");
  out.push(
    formatTable(
      ["Figure", "here", "thesis", "diff"],
      [
        row("test tasks", s.test_tasks, thesis.test_tasks),
        row("test instances", s.test_instances, thesis.test_instances),
        row("train instances (all)", s.train_instances, thesis.train_instances),
        row("pre-finetuning instances (k=100)", result.prefinetuneInstances, thesis.prefinetune_instances),
        row("avg words, thesis-def-pos", s.avg_words["thesis-def-pos"], thesis.avg_words_with_instructions),
        row("avg words, plain", s.avg_words.plain, thesis.avg_words_without_instructions),
      ],
    ),
  );

  out.push(
    "",
    `Small tasks (< 120 instances: all of them serve as train, validation and test): ${s.small_tasks.length}`,
    ...s.small_tasks.map((t) => `  ${t}`),
    "",
    "Differences from the thesis are expected where the checkout is partial (see its PROVENANCE.md) or holds",
    "other task versions; the pre-finetuning figure counts only the train tasks present.",
  );
  return out.join("\n");
}

function row(label: string, here: number, thesis: number | undefined): (string | number)[] {
  if (thesis === undefined) return [label, fmt(here), "-", "-"];
  const d = here - thesis;
  const diff = Number.isInteger(d) ? String(d) : d.toFixed(2);
  return [label, fmt(here), fmt(thesis), d > 0 ? `+${diff}` : diff];
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(2);
}
